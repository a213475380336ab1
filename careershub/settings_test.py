"""Test overlay: the real settings with a fast password hasher and tasks run at once.

Everything else (database choice through DATABASE_URL, CSP, middleware) is as in production
use, so the suite exercises the same stack. Tests that need the real queue say so.
"""

import os

os.environ.setdefault("CAREERSHUB_ENV", "test")
os.environ.setdefault("TASKS_BACKEND", "immediate")

from careershub.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
