"""Settings for Careers Hub Platform, in one module, driven by environment variables.

Defaults give a working embedded demo (SQLite, database-backed task queue, console email).
Production (`CAREERSHUB_ENV=production`) refuses to start without a secret key or with debug on.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


ENVIRONMENT = env_str("CAREERSHUB_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured("CAREERSHUB_ENV must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY")
if PRODUCTION:
    if not SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Production needs SECRET_KEY set to at least 50 random characters.")
    if DEBUG:
        raise ImproperlyConfigured("Production refuses to start with DEBUG on.")
elif not SECRET_KEY:
    SECRET_KEY = "development-only-key-not-for-production-use-0123456789abcdefghij"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SERVICE_NAME = "Careers Hub Platform"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "careershub.core",
    "careershub.accounts",
    "careershub.organisations",
    "careershub.geography",
    "careershub.institutions",
    "careershub.hubs",
    "careershub.audit",
    "careershub.evaluations",
    "careershub.insight",
    "careershub.learners",
    "careershub.activities",
    "careershub.employers",
    "careershub.matching",
    "careershub.training",
    "careershub.funds",
    "careershub.destinations",
    "careershub.risk",
    "careershub.neet",
    "careershub.reviews",
    "careershub.programmes",
    "careershub.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "careershub.organisations.middleware.CurrentOrganisationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # WhiteNoise serves collected static files in production; runserver serves them otherwise.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "careershub.urls"
WSGI_APPLICATION = "careershub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "careershub.core.jinja2.environment",
            "autoescape": True,
        },
    },
    {
        # Django's own templates (used by nothing user-facing; kept for admin-free tooling).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

# Database: embedded SQLite by default; DATABASE_URL (postgres://...) for PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "var" / "careershub.sqlite3")))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: Django's tasks API (django-tasks backport). Database-backed worker by
# default; TASKS_BACKEND=rq puts the queue on Redis (REDIS_URL) for scale-out.
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured("TASKS_BACKEND must be database, rq or immediate")

# Cache (rate limits on the public feedback forms, and the like). Per process by default; set
# CACHE_URL (e.g. redis://127.0.0.1:6379/1) so every web process counts against the same limit.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}

# Accounts
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out after repeated failures (django-axes): per account and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Email: console in development and the demo; SMTP settings by environment in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Careers Hub Platform <no-reply@careershub.invalid>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "careershub" / "static",
    ("govuk/assets", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "assets"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security headers. Content Security Policy: no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

#: Learners are deleted this many days after they leave (the delete_departed_learners task).
LEARNER_RETENTION_DAYS = env_int("LEARNER_RETENTION_DAYS", 365)
#: Learner and activity records imports left unconfirmed (columns to match, ready to confirm, or a
#: check whose worker stalled) this many days are cancelled and their files deleted (daily task).
IMPORT_UNCONFIRMED_DAYS = env_int("IMPORT_UNCONFIRMED_DAYS", 7)
#: A finished import's names and row problems are cleared this many days after it finished (its
#: figures and file name stay). The files themselves are deleted as soon as an import finishes.
IMPORT_DETAILS_DAYS = env_int("IMPORT_DETAILS_DAYS", 30)
if IMPORT_UNCONFIRMED_DAYS < 1:
    raise ImproperlyConfigured("IMPORT_UNCONFIRMED_DAYS must be a whole number of days, at least 1")
if IMPORT_DETAILS_DAYS < 1:
    raise ImproperlyConfigured("IMPORT_DETAILS_DAYS must be a whole number of days, at least 1")
#: Background tasks `manage.py enqueue_daily_tasks` queues; run that command daily from cron.
DAILY_TASKS = [
    "careershub.learners.tasks.delete_departed_learners",
    "careershub.learners.tasks.expire_learner_imports",
    "careershub.activities.tasks.expire_activity_imports",
    "careershub.reviews.tasks.send_review_reminders",
    "careershub.events.tasks.send_event_reminders",
    "careershub.employers.tasks.send_compliance_reminders",
]
#: Days before a DBS check, insurance or risk assessment expires that its employer (and hub) are
#: emailed; they are emailed on the day it expires too.
COMPLIANCE_REMINDER_DAYS = env_list("COMPLIANCE_REMINDER_DAYS", "30,7")
if not all(days.isdigit() for days in COMPLIANCE_REMINDER_DAYS):
    raise ImproperlyConfigured("COMPLIANCE_REMINDER_DAYS must be whole numbers of days, like 30,7")
#: Functions `(*, today)` returning `learner_id`s other apps must keep past that period.
LEARNER_RETENTION_HOLDS = ["careershub.destinations.retention.learners_still_tracked"]
#: Other apps' columns in the learner MIS import (see careershub.learners.extensions).
LEARNER_IMPORT_EXTENSIONS = ["careershub.risk.learner_import.risk_factors"]

#: Aggregates resting on fewer institutions than this are suppressed wherever a wider audience sees them.
INSIGHT_SUPPRESSION_THRESHOLD = env_int("INSIGHT_SUPPRESSION_THRESHOLD", 5)
#: Seconds the matching solver may take to prove a round's allocation optimal (in the background).
MATCHING_TIME_LIMIT_S = env_int("MATCHING_TIME_LIMIT_S", 120)

# Where the shared public data sits beside a checkout (used by tests and tooling only).
SHARED_DATA_DIR = Path(env_str("SHARED_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
