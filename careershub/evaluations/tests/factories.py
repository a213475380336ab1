"""Factories for evaluations, used with `.create(...)`.

`EvaluationFactory` makes a draft on the framework that applies to the institution's kind on
the day given as `on` (today by default), as `services.evaluation_start` would choose it.
`answer_everything` fills in learner numbers and every answer; `submitted_evaluation` does
both and submits through `services.evaluation_submit`, so benchmark scores and measurement
results exist exactly as in real use.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from careershub.evaluations import framework_data, measurement_points, services
from careershub.evaluations.models import Answer, Evaluation, Evidence, EvidenceKind, FrameworkVersion
from careershub.institutions.models import Institution
from careershub.institutions.tests.factories import InstitutionWithOrganisationFactory

ALL_BENCHMARKS = frozenset(range(1, framework_data.BENCHMARK_COUNT + 1))
#: The smallest file every PDF reader and `filetype` accept as a PDF.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _framework_for(evaluation: Any) -> FrameworkVersion:
    spec = framework_data.framework_for(evaluation.institution.kind, evaluation.on, evaluation.kind_override or None)
    return FrameworkVersion.objects.get(code=spec.code)


class EvaluationFactory(factory.django.DjangoModelFactory[Evaluation]):
    class Meta:
        model = Evaluation

    class Params:
        on = factory.LazyFunction(timezone.localdate)

    institution = factory.SubFactory(InstitutionWithOrganisationFactory)
    institution_kind = factory.SelfAttribute("institution.kind")
    kind_override = ""
    framework = factory.LazyAttribute(_framework_for)


def top_answer(spec: framework_data.Framework, question: framework_data.Question) -> str:
    return spec.cohort_bands[-1].code if question.is_cohort else "yes"


def bottom_answer(spec: framework_data.Framework, question: framework_data.Question) -> str:
    return spec.cohort_bands[0].code if question.is_cohort else "no"


def answer_everything(
    evaluation: Evaluation,
    *,
    achieved: Iterable[int] = ALL_BENCHMARKS,
    overrides: Mapping[str, str] | None = None,
    learner_numbers: Mapping[str, int] | None = None,
) -> None:
    """Learner numbers for every year group and an answer to every question.

    Benchmarks in `achieved` get the best answer everywhere (fully achieved); in the others the
    first question gets the lowest answer and the rest the best, so they are partly achieved.
    `overrides` sets particular answers by question code.
    """
    spec = evaluation.spec()
    achieved = set(achieved)
    evaluation.learner_numbers = dict(learner_numbers or {group.code: 100 for group in spec.year_groups})
    evaluation.learner_numbers_version += 1
    evaluation.save(update_fields=["learner_numbers", "learner_numbers_version"])
    values: dict[str, str] = {}
    for benchmark in spec.benchmarks:
        for index, question in enumerate(benchmark.questions):
            low = benchmark.number not in achieved and index == 0
            values[question.code] = bottom_answer(spec, question) if low else top_answer(spec, question)
    values.update(overrides or {})
    evaluation.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(evaluation=evaluation, question_code=code, value=value) for code, value in values.items()
    )


def submitted_evaluation(
    institution: Institution,
    *,
    submitted_at: datetime.datetime | None = None,
    achieved: Iterable[int] = ALL_BENCHMARKS,
    overrides: Mapping[str, str] | None = None,
    actor: Any = None,
) -> Evaluation:
    """A draft on the framework in force when it was submitted, answered and submitted."""
    submitted_at = submitted_at or timezone.now()
    on = measurement_points.local_moment(submitted_at).date()
    draft = EvaluationFactory.create(institution=institution, on=on, started_by=actor)
    answer_everything(draft, achieved=achieved, overrides=overrides)
    return services.evaluation_submit(evaluation=draft, actor=actor, submitted_at=submitted_at)


def add_file_evidence(
    evaluation: Evaluation,
    criterion_code: str,
    *,
    name: str = "careers-plan.pdf",
    content: bytes = PDF_BYTES,
    content_type: str = "application/pdf",
    title: str = "Careers plan",
    actor: Any = None,
) -> Evidence:
    """File evidence on a draft, saved through `services.evidence_add` (and so the storage API)."""
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return services.evidence_add(
        evaluation=evaluation,
        criterion_code=criterion_code,
        kind=EvidenceKind.FILE,
        title=title,
        actor=actor,
        upload=upload,
        content_type=content_type,
    )
