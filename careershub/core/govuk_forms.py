"""Render Django forms as GOV.UK Frontend components, so page templates hold no form markup.

`render_field(form["name"])` picks the GOV.UK macro that fits the field's widget, and passes
the label, hint (the field's help_text), current value, choices and error message.
`render_error_summary(form)` gives the error summary with links to each field.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.template import engines
from markupsafe import Markup

from careershub.core.fields import GovUKDateWidget

_MACROS = {
    "input": ("input", "govukInput"),
    "textarea": ("textarea", "govukTextarea"),
    "select": ("select", "govukSelect"),
    "radios": ("radios", "govukRadios"),
    "checkboxes": ("checkboxes", "govukCheckboxes"),
    "password": ("password-input", "govukPasswordInput"),
    "file": ("file-upload", "govukFileUpload"),
    "date": ("date-input", "govukDateInput"),
    "error_summary": ("error-summary", "govukErrorSummary"),
}


@cache
def _template(kind: str) -> Any:
    folder, macro = _MACROS[kind]
    source = (
        f'{{% from "govuk_frontend_jinja/components/{folder}/macro.html" import {macro} %}}{{{{ {macro}(params) }}}}'
    )
    return engines["jinja2"].env.from_string(source)  # type: ignore[attr-defined]


def _render(kind: str, params: dict[str, Any]) -> Markup:
    return Markup(_template(kind).render(params=params))  # noqa: S704 - output of autoescaped macros


def _field_id(bound: forms.BoundField) -> str:
    return str(bound.auto_id or bound.html_name)


def _error_message(bound: forms.BoundField) -> dict[str, str] | None:
    if bound.errors:
        return {"text": " ".join(str(e) for e in bound.errors)}
    return None


def _kind_for(widget: forms.Widget) -> str:
    if isinstance(widget, GovUKDateWidget):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def _selected_values(bound: forms.BoundField) -> list[str]:
    value = bound.value()
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def render_field(bound: forms.BoundField, **extra: Any) -> Markup:
    """Render one bound field as the matching GOV.UK component. `extra` overrides params."""
    widget = bound.field.widget
    kind = _kind_for(widget)
    if kind == "hidden":
        return Markup(str(bound))  # noqa: S704 - Django renders and escapes the widget
    attrs = dict(widget.attrs)
    classes = attrs.pop("class", "")
    label: dict[str, Any] = {"text": str(bound.label)}
    hint = {"text": str(bound.help_text)} if bound.help_text else None
    params: dict[str, Any] = {
        "id": _field_id(bound),
        "name": bound.html_name,
        "hint": hint,
        "errorMessage": _error_message(bound),
        "classes": classes,
    }
    kind = _add_kind_params(kind, bound, params, attrs, label, hint)
    params.update(extra)
    return _render(kind, params)


def _add_kind_params(
    kind: str,
    bound: forms.BoundField,
    params: dict[str, Any],
    attrs: dict[str, Any],
    label: dict[str, Any],
    hint: dict[str, str] | None,
) -> str:
    """Fill in the parameters that depend on the component; returns the macro kind to use."""
    widget = bound.field.widget
    selected = _selected_values(bound)
    if kind == "date":
        _add_date_params(bound, params)
    elif kind in {"radios", "checkboxes"}:
        params["idPrefix"] = params.pop("id")
        params["fieldset"] = {"legend": {"text": str(bound.label), "classes": "govuk-fieldset__legend--s"}}
        params["items"] = [
            {"value": str(value), "text": str(text), "checked": str(value) in selected}
            for value, text in getattr(bound.field, "choices", [])
            if str(value) != ""
        ]
    elif kind == "checkbox":
        kind = "checkboxes"
        params["idPrefix"] = params.pop("id")
        params["items"] = [{"value": "on", "text": str(bound.label), "checked": bool(bound.value()), "hint": hint}]
        params["hint"] = None
    elif kind == "select":
        params["label"] = label
        params["items"] = [
            {"value": str(value), "text": str(text), "selected": str(value) in selected}
            for value, text in getattr(bound.field, "choices", [])
        ]
    else:
        params["label"] = label
        if kind in {"input", "textarea"}:
            value = bound.value()
            params["value"] = "" if value is None else str(value)
        if kind == "input":
            params["type"] = getattr(widget, "input_type", "text")
            for key in ("autocomplete", "inputmode", "spellcheck"):
                if key in attrs:
                    params[key] = attrs.pop(key)
        elif kind == "password":
            params["autocomplete"] = attrs.pop("autocomplete", "current-password")
        if kind == "textarea":
            params["rows"] = attrs.pop("rows", 5)
        if kind == "file" and "accept" in attrs:
            params["attributes"] = {"accept": attrs.pop("accept")}
    return kind


def _add_date_params(bound: forms.BoundField, params: dict[str, Any]) -> None:
    value = bound.value()
    if isinstance(value, (list, tuple)):
        parts = ["" if v is None else str(v) for v in value]
    else:
        parts = ["" if v is None else str(v) for v in bound.field.widget.decompress(value)]  # type: ignore[attr-defined]
    error_class = " govuk-input--error" if bound.errors else ""
    params["namePrefix"] = bound.html_name
    params["fieldset"] = {"legend": {"text": str(bound.label), "classes": "govuk-fieldset__legend--s"}}
    params["items"] = [
        {"name": "day", "label": "Day", "value": parts[0], "classes": "govuk-input--width-2" + error_class},
        {"name": "month", "label": "Month", "value": parts[1], "classes": "govuk-input--width-2" + error_class},
        {"name": "year", "label": "Year", "value": parts[2], "classes": "govuk-input--width-4" + error_class},
    ]


def render_fields(form: forms.BaseForm) -> Markup:
    """Render every field of a form in order."""
    return Markup("\n").join(render_field(form[name]) for name in form.fields)


def render_error_summary(form: forms.BaseForm) -> Markup:
    """The GOV.UK error summary for a bound form with errors; empty markup otherwise."""
    if not form.is_bound or not form.errors:
        return Markup("")
    items: list[dict[str, str]] = [{"text": str(error)} for error in form.non_field_errors()]
    for name in form.fields:
        bound = form[name]
        for error in bound.errors:
            kind = _kind_for(bound.field.widget)
            anchor = _field_id(bound)
            if kind == "date":
                anchor = f"{anchor}-day"
            items.append({"text": str(error), "href": f"#{anchor}"})
    return _render("error_summary", {"titleText": "There is a problem", "errorList": items})
