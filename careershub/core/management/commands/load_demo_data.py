"""`manage.py load_demo_data`: real schools and colleges, two Careers Hubs and one fictitious
person for every role (see `careershub/demo/builder.py`). Safe to run again: it adds only what is
missing. For a local demo only: every demo account has the same published password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from careershub.demo.builder import DEMO_PASSWORD, DemoDataError, load_demo_data


class Command(BaseCommand):
    help = "Load the demo data: real schools and colleges, two hubs, and a demo account for every role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even when CAREERSHUB_ENV is production (its accounts share one known password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False) and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo accounts with a published password into a production site "
                "(use --allow-production for a throwaway demo server)."
            )
        try:
            result = load_demo_data(write=self.stdout.write)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        created = ", ".join(f"{count} {what}" for what, count in result.created.items())
        self.stdout.write(f"Created: {created}." if created else "Nothing new: the demo data was already loaded.")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Left as it is: {warning}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {result.seconds:.1f} s. Every demo account's password: {DEMO_PASSWORD}"
            )
        )
        self.stdout.write("Run `manage.py run_demo` to list the sign-ins and start the site.")
