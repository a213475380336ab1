"""Careers Hub Platform: open software that runs England's Careers Hubs end to end."""
