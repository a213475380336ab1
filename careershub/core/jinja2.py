"""The Jinja2 environment: Django helpers, GOV.UK Frontend macros and the form layer."""

from __future__ import annotations

import datetime
from typing import Any

import jinja2
from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format

from careershub.core import govuk_forms
from careershub.core.navigation import navigation_items, organisation_links


def url(viewname: str, *args: Any, **kwargs: Any) -> str:
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def format_date(value: Any, fmt: str = "j F Y") -> str:
    """Format a date, or a datetime in the site's time zone (Europe/London)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, fmt)


def format_number(value: Any, decimals: int | None = None) -> str:
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def environment(**options: Any) -> jinja2.Environment:
    app_loader = options.pop("loader", None) or jinja2.FileSystemLoader([])
    options["loader"] = jinja2.ChoiceLoader(
        [
            app_loader,
            jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja", "templates")}),
        ]
    )
    options.setdefault("undefined", jinja2.ChainableUndefined)
    env = jinja2.Environment(**options)  # noqa: S701 - autoescape is set by the Django backend
    env.globals.update(
        {
            "static": static,
            "url": url,
            "get_messages": get_messages,
            "service_name": settings.SERVICE_NAME,
            "govuk_field": govuk_forms.render_field,
            "govuk_fields": govuk_forms.render_fields,
            "govuk_error_summary": govuk_forms.render_error_summary,
            "navigation_items": navigation_items,
            "organisation_links": organisation_links,
        }
    )
    env.filters.update({"date": format_date, "number": format_number})
    return env
