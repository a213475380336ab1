#!/usr/bin/env python3
"""Fail when a view module reaches a model's manager directly.

Views must reach organisation-owned data through the current organisation, by the query
helpers in each app's `queries.py` (for example `hubs_for(request.membership)`), never by
`SomeModel.objects...`. The one exception is public reference data (GIAS schools and colleges),
which any signed-in user may read: mark such a line with the comment `# public-reference-data`.

View modules are `careershub/**/views.py`, `careershub/**/views_*.py` and
`careershub/**/views/*.py`. The check reads the code with Python's `ast`, so strings,
comments and names that merely contain "objects" are not mistaken for queries.

Usage: scripts/check_scoped_queries.py [FILE_OR_FOLDER ...]   (default: careershub/)
Exit status: 0 when clean, 1 when any unmarked use is found (each listed as file:line:col).
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MARKER = "# public-reference-data"
MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    column: int
    expression: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}:{self.column + 1}: {self.expression} in a view; "
            f"use a query helper scoped to request.membership (or mark public reference data with '{MARKER}')"
        )


def is_view_module(path: Path) -> bool:
    if path.suffix != ".py":
        return False
    return path.name == "views.py" or path.name.startswith("views_") or path.parent.name == "views"


def view_modules(targets: Iterable[Path]) -> Iterator[Path]:
    for target in targets:
        if target.is_dir():
            for path in sorted(target.rglob("*.py")):
                if is_view_module(path) and "migrations" not in path.parts:
                    yield path
        elif is_view_module(target):
            yield target


def marked_lines(source: str) -> set[int]:
    """Line numbers carrying the public-reference-data comment."""
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and MARKER in token.string:
            lines.add(token.start[0])
    return lines


def dotted_name(node: ast.expr) -> str | None:
    """`Institution` or `models.Institution` for a Name/Attribute chain; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def statement_spans(tree: ast.AST) -> list[tuple[int, int]]:
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            spans.append((node.lineno, node.end_lineno or node.lineno))
    return spans


def innermost_statement(spans: list[tuple[int, int]], line: int) -> tuple[int, int]:
    containing = [span for span in spans if span[0] <= line <= span[1]]
    if not containing:
        return (line, line)
    return min(containing, key=lambda span: span[1] - span[0])


def check_source(source: str, path: str = "<source>") -> list[Violation]:
    """Every unmarked `Model.objects` (or `_default_manager`/`_base_manager`) in `source`."""
    tree = ast.parse(source, filename=path)
    marks = marked_lines(source)
    spans = statement_spans(tree)
    violations = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in MANAGER_ATTRIBUTES):
            continue
        owner = dotted_name(node.value)
        if owner is None or owner.split(".")[0] in {"self", "cls"}:
            continue
        # The marker may sit on the line itself or on any line of the (multi-line) statement.
        first, last = innermost_statement(spans, node.lineno)
        if node.lineno in marks or any(line in marks for line in range(first, last + 1)):
            continue
        violations.append(Violation(path, node.lineno, node.col_offset, f"{owner}.{node.attr}"))
    return sorted(violations, key=lambda v: (v.path, v.line, v.column))


def check_paths(targets: Iterable[Path], base: Path = ROOT) -> tuple[list[Violation], int]:
    violations: list[Violation] = []
    checked = 0
    for path in view_modules(targets):
        checked += 1
        try:
            shown = str(path.resolve().relative_to(base))
        except ValueError:
            shown = str(path)
        source = path.read_text(encoding="utf-8")
        try:
            violations.extend(check_source(source, shown))
        except SyntaxError as exc:
            violations.append(Violation(shown, exc.lineno or 0, (exc.offset or 1) - 1, f"syntax error ({exc.msg})"))
    return sorted(violations, key=lambda v: (v.path, v.line, v.column)), checked


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    targets = [Path(arg) for arg in args] or [ROOT / "careershub"]
    missing = [str(target) for target in targets if not target.exists()]
    if missing:
        print(f"check_scoped_queries: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    violations, checked = check_paths(targets)
    if violations:
        print(f"Unscoped queries in view modules ({len(violations)}):")
        for violation in violations:
            print(f"  {violation}")
        return 1
    print(f"Scoped queries: {checked} view modules checked, no bare Model.objects.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
