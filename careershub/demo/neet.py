"""DfE's published NEET, participation and destination figures for the demo: the real files in
`careershub/neet/data/`, loaded through the same check-then-apply service as
`manage.py load_neet_figures`. Running it again changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from careershub.neet import services


def load_demo_neet(write: Callable[[str], object] = print) -> str:
    outcome = services.load_figures(published=services.check_files())
    message = f"Published NEET figures: {outcome}"
    write(message)
    return message
