"""Copy the framework files into `FrameworkVersion` rows.

Runs after every `migrate` (a post_migrate handler) and from `manage.py load_frameworks`, so a
new framework version is added as a data file alone. A framework file that changed after
evaluations were answered on it is refused: published frameworks are immutable, and a new
version needs a new file with a new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from careershub.evaluations import framework_data


class FrameworkChangedError(RuntimeError):
    pass


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_frameworks(*, framework_model: Any, evaluation_model: Any) -> LoadSummary:
    summary = LoadSummary()
    frameworks = framework_data.available_frameworks()
    for spec in frameworks:
        text = (framework_data.FRAMEWORKS_DIR / spec.file_name).read_text(encoding="utf-8")
        values = {
            "title": spec.title,
            "version_label": spec.version_label,
            "variant": spec.variant,
            "valid_from": spec.valid_from,
            "valid_to": spec.valid_to,
            "sha256": spec.sha256,
            "source_text": text,
        }
        existing = framework_model.objects.filter(code=spec.code).first()
        if existing is None:
            framework_model.objects.create(code=spec.code, **values)
            summary.created += 1
            continue
        if existing.sha256 == spec.sha256 and existing.valid_to == spec.valid_to:
            summary.unchanged += 1
            continue
        answered = evaluation_model.objects.filter(framework=existing).exists()
        if answered and existing.sha256 != spec.sha256 and _content_changed(existing.source_text, text):
            raise FrameworkChangedError(
                f"{spec.file_name} differs from the version evaluations were answered on. "
                "Published frameworks cannot change: add the new version as a new file with a new code "
                "(only valid_to may change, to close a version)."
            )
        for field, value in values.items():
            setattr(existing, field, value)
        existing.save()
        summary.updated += 1
    return summary


def _content_changed(old_text: str, new_text: str) -> bool:
    """True unless the files differ only in their valid_to line (closing a version is allowed)."""

    def without_valid_to(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("valid_to:")]

    return without_valid_to(old_text) != without_valid_to(new_text)


def load_after_migrate(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate handler. Also runs after a test database flush, when no `apps` is given."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    try:
        framework_model = apps.get_model("evaluations", "FrameworkVersion")
        evaluation_model = apps.get_model("evaluations", "Evaluation")
    except LookupError:
        return
    load_frameworks(framework_model=framework_model, evaluation_model=evaluation_model)
