from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from careershub.evaluations.loading import load_frameworks
from careershub.evaluations.models import Evaluation, FrameworkVersion


class Command(BaseCommand):
    help = "Load the Gatsby Benchmark framework files into the database (also done after every migrate)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_frameworks(framework_model=FrameworkVersion, evaluation_model=Evaluation)
        self.stdout.write(
            f"Frameworks: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged."
        )
