"""scripts/check_scoped_queries.py: views reach organisation data only through query helpers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scripts.check_scoped_queries import ROOT, check_paths, check_source, is_view_module, main

SCRIPT = ROOT / "scripts" / "check_scoped_queries.py"


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def test_a_bare_manager_in_a_view_is_a_violation() -> None:
    violations = check_source(
        source(
            """
            from careershub.hubs.models import Hub

            def hub_list(request):
                hubs = Hub.objects.all()
                return hubs
            """
        ),
        "careershub/hubs/views.py",
    )
    assert [(v.path, v.line, v.expression) for v in violations] == [("careershub/hubs/views.py", 4, "Hub.objects")]
    assert str(violations[0]).startswith("careershub/hubs/views.py:4:12: Hub.objects in a view")


def test_dotted_model_paths_and_other_managers_are_caught() -> None:
    violations = check_source(
        source(
            """
            from careershub.hubs import models

            def view(request):
                a = models.Hub.objects.filter(pk=1)
                b = models.Hub._default_manager.all()
                return a, b
            """
        )
    )
    assert [v.expression for v in violations] == ["models.Hub.objects", "models.Hub._default_manager"]


def test_marked_public_reference_data_is_allowed() -> None:
    violations = check_source(
        source(
            """
            from careershub.institutions.models import Institution

            def institution_list(request):
                found = Institution.objects.search(request.GET.get("q", ""))  # public-reference-data
                more = Institution.objects.filter(  # public-reference-data
                    urn__in=[1, 2],
                )
                last = Institution.objects.filter(
                    urn=3,
                )  # public-reference-data
                return found, more, last
            """
        )
    )
    assert violations == []


def test_the_marker_covers_only_its_own_statement() -> None:
    violations = check_source(
        source(
            """
            def view(request):
                a = Institution.objects.all()  # public-reference-data
                b = Membership.objects.all()
                return a, b
            """
        )
    )
    assert [(v.line, v.expression) for v in violations] == [(3, "Membership.objects")]


def test_query_helpers_strings_and_comments_are_not_violations() -> None:
    violations = check_source(
        source(
            '''
            from careershub.hubs.queries import hubs_for

            def hub_list(request):
                """Never Hub.objects here."""
                note = "Hub.objects.all()"  # Hub.objects in a comment
                objects = hubs_for(request.membership)
                return objects, note, self_check(request)

            class Helper:
                def rows(self):
                    return self.objects
            '''
        )
    )
    assert violations == []


def test_a_different_comment_does_not_allow() -> None:
    violations = check_source("rows = Hub.objects.all()  # public data\n")
    assert len(violations) == 1


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("careershub/hubs/views.py", True),
        ("careershub/institutions/views_gias.py", True),
        ("careershub/evaluations/views/summary.py", True),
        ("careershub/hubs/queries.py", False),
        ("careershub/hubs/services.py", False),
        ("careershub/hubs/reviews.py", False),
        ("careershub/hubs/views.html", False),
    ],
)
def test_which_files_are_view_modules(path: str, expected: bool) -> None:
    assert is_view_module(Path(path)) is expected


def test_folders_are_searched_for_view_modules(tmp_path: Path) -> None:
    app = tmp_path / "careershub" / "things"
    (app / "views").mkdir(parents=True)
    (app / "views.py").write_text("def a(request):\n    return Thing.objects.all()\n")
    (app / "views_admin.py").write_text("def b(request):\n    return Thing.objects.all()  # public-reference-data\n")
    (app / "views" / "detail.py").write_text("def c(request):\n    return Other.objects.get(pk=1)\n")
    (app / "queries.py").write_text("def things():\n    return Thing.objects.all()\n")

    violations, checked = check_paths([tmp_path], base=tmp_path)

    assert checked == 3
    assert [f"{v.path}:{v.line}" for v in violations] == [
        "careershub/things/views.py:2",
        "careershub/things/views/detail.py:2",
    ]


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "views.py").write_text("def a(request):\n    return hubs_for(request.membership)\n")
    dirty = tmp_path / "dirty"
    dirty.mkdir()
    (dirty / "views.py").write_text("def a(request):\n    return Hub.objects.all()\n")

    assert main([str(clean)]) == 0
    assert main([str(dirty)]) == 1
    assert "views.py:2:12: Hub.objects in a view" in capsys.readouterr().out
    assert main([str(tmp_path / "missing")]) == 2


def test_the_script_runs_as_a_command(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text("def a(request):\n    return Hub.objects.all()\n")
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 1
    assert "views.py:2:12: Hub.objects" in completed.stdout


def test_the_real_view_modules_are_scoped() -> None:
    violations, checked = check_paths([ROOT / "careershub"])
    assert checked >= 5
    assert violations == [], "\n".join(str(v) for v in violations)
