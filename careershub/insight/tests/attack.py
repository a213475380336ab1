"""An attacker who combines published figures: the range of values a withheld count can take,
given linear equations (published totals) over the withheld counts, each at least `floor`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp


def value_range(
    unknowns: int, equations: Sequence[tuple[Sequence[int], int]], target: Sequence[int], *, floor: int = 1
) -> tuple[int, int]:
    """Least and greatest integer value of sum(unknowns[i] for i in target) subject to
    sum(unknowns[i] for i in indexes) == value for every (indexes, value) in `equations`."""
    found = []
    for sign in (1, -1):
        cost = np.zeros(unknowns)
        for i in target:
            cost[i] += sign
        kwargs = {}
        if equations:
            matrix = np.zeros((len(equations), unknowns))
            values = np.array([value for _, value in equations], dtype=float)
            for row, (indexes, _) in enumerate(equations):
                for i in indexes:  # an index given k times has coefficient k (a score sum)
                    matrix[row, i] += 1
            kwargs["constraints"] = LinearConstraint(matrix, values, values)
        result = milp(cost, integrality=np.ones(unknowns), bounds=Bounds(floor, 10**5), **kwargs)  # type: ignore[arg-type]
        assert result.status == 0, result.message  # the true values are a solution
        found.append(round(sign * result.fun))
    return found[0], found[1]
