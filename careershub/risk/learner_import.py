"""The risk factors as extra columns of the learner MIS import (`LEARNER_IMPORT_EXTENSIONS`).

The learner import offers a risk factor's column only when an indicator of the institution's
applicable configuration that reads it is switched on; columns of the others are listed in the
preview as not read and are never parsed or stored. Values are parsed as the separate
risk-factor import parses them (`factors_file`) and stored by `services.store_factors` inside the
learner import's transaction. A blank cell means "not recorded" and clears a stored value.
"""

from __future__ import annotations

from typing import Any

from careershub.institutions.models import Institution
from careershub.learners.extensions import ExtraField, ExtraFields
from careershub.risk import factors_file, services

PREFIX = "risk."


def _field(name: str) -> ExtraField:
    return ExtraField(
        name=f"{PREFIX}{name}",
        label=f"{factors_file.FIELD_LABELS[name]} (risk of NEET)",
        header_names=factors_file.HEADER_NAMES[name],
        parse=factors_file.PARSERS.get(name, factors_file.parse_flag),
    )


def _own(values: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {pk: {f.removeprefix(PREFIX): v for f, v in row.items()} for pk, row in values.items()}


class RiskFactorsExtension:
    def fields_for(self, *, institution: Institution) -> ExtraFields:
        kept = services.kept_fields(institution)
        declared = ExtraFields()
        for name in factors_file.FIELD_LABELS:
            if name in kept:
                declared.available.append(_field(name))
            else:
                declared.not_read.append((_field(name), "no switched-on risk of NEET indicator uses it"))
        return declared

    def changes(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> dict[int, set[str]]:
        changed = services.factor_changes(institution=institution, values=_own(values))
        return {pk: {f"{PREFIX}{name}" for name in names} for pk, names in changed.items()}

    def apply(self, *, institution: Institution, values: dict[int, dict[str, Any]]) -> int:
        return services.store_factors(institution=institution, values=_own(values))


risk_factors = RiskFactorsExtension()
