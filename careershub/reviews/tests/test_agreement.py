from __future__ import annotations

import pytest

from careershub.reviews.agreement import Item, agreement, agreement_report, moderation_agreement


def items(table: dict[tuple[bool, bool], int], institutions: int = 6, benchmark: int = 1) -> list[Item]:
    result = []
    n = 0
    for (claimed, found), count in table.items():
        for _ in range(count):
            result.append(Item(n % institutions, benchmark, f"{benchmark}.{n % 3 + 1}", claimed, found))
            n += 1
    return result


def test_kappa_and_percentage_match_the_hand_computed_values() -> None:
    # 10 claimed and found, 5 claimed not found, 1 not claimed but found, 4 neither
    data = items({(True, True): 10, (True, False): 5, (False, True): 1, (False, False): 4})
    result = agreement("All", data)
    n = 20
    observed = 14 / n
    expected = (15 * 11 + 5 * 9) / n**2
    assert result.percentage == pytest.approx(100 * observed)
    assert result.kappa == pytest.approx((observed - expected) / (1 - expected))
    assert result.kappa_low is not None and result.kappa_high is not None
    assert result.kappa_low < result.kappa < result.kappa_high  # type: ignore[operator]
    assert result.percentage_low is not None and result.percentage_high is not None
    assert result.percentage_low < result.percentage < result.percentage_high  # type: ignore[operator]
    assert (result.claimed, result.over_claimed) == (15, 5)
    assert result.over_claim_rate == pytest.approx(100 * 5 / 15)


def test_kappa_is_not_computable_when_both_raters_use_one_category() -> None:
    result = agreement("All", items({(True, True): 12}))
    assert result.percentage == 100.0
    assert result.kappa is None and result.kappa_low is None


def test_fewer_than_five_institutions_are_suppressed() -> None:
    result = agreement("All", items({(True, True): 6, (True, False): 3}, institutions=4))
    assert result.suppressed and result.percentage is None and result.kappa is None
    assert result.over_claim_rate is None
    assert not agreement("All", items({(True, True): 6, (True, False): 3}, institutions=5)).suppressed


def test_report_groups_by_benchmark_and_criterion_and_ranks_over_claiming() -> None:
    data = items({(True, True): 9, (True, False): 1}, benchmark=2) + items(
        {(True, True): 5, (True, False): 5}, benchmark=8
    )
    data += items({(True, True): 2, (True, False): 2}, institutions=2, benchmark=3)  # suppressed
    report = agreement_report(data)
    assert [b.label for b in report.benchmarks] == ["Benchmark 2", "Benchmark 3", "Benchmark 8"]
    assert [b.label for b in report.over_claiming] == ["Benchmark 8", "Benchmark 2"]
    assert report.benchmarks[1].suppressed
    assert {c.label for c in report.criteria} >= {"Criterion 2.1", "Criterion 8.3"}
    assert report.overall.items == 24


def test_moderation_agreement() -> None:
    assert moderation_agreement([]) == (0, 0, None, None)
    agreeing, moderated, low, high = moderation_agreement(["agree", "agree", "partly", "disagree"])
    assert (agreeing, moderated) == (2, 4)
    assert low is not None and high is not None and low < 50 < high


def test_kappa_needs_both_raters_to_use_both_categories_and_its_interval_stays_in_range() -> None:
    # every criterion claimed: the self-evaluation never varies, so kappa says nothing
    one_sided = agreement("All", items({(True, True): 8, (True, False): 4}))
    assert one_sided.kappa is None and one_sided.percentage == pytest.approx(100 * 8 / 12)
    strong = agreement("All", items({(True, True): 5, (True, False): 1, (False, False): 3}))
    assert strong.kappa is not None and strong.kappa_high is not None and strong.kappa_low is not None
    assert -1 <= strong.kappa_low <= strong.kappa <= strong.kappa_high <= 1
