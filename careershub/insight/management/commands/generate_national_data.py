"""`manage.py generate_national_data --institutions 5000 --seed 1 --hub-effect 1.0`"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from careershub.insight.national import generate_national_data


class Command(BaseCommand):
    help = "Generate a seeded national data set (institutions from the shared lists, hubs, histories)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institutions", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--hub-effect", type=float, default=1.0, help="Planted Hub effect in benchmarks")
        parser.add_argument("--last-year", type=int, default=2024, help="Last academic year (2024 = 2024/25)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = generate_national_data(
            institutions=options["institutions"],
            seed=options["seed"],
            hub_effect=options["hub_effect"],
            last_year=options["last_year"],
            progress=lambda message: self.stdout.write(message),
        )
        members = ", ".join(f"{year}: {count}" for year, count in result.members_by_year.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.institutions_total} institutions ({result.institutions_created} new), {result.hubs} hubs, "
                f"{result.evaluations} evaluations, {result.measurement_results} measurement results "
                f"in {result.seconds:.1f} s. Hub members by September: {members}."
            )
        )
