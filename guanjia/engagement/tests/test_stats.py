"""Survey arithmetic: SV-3 satisfaction and SV-4 Pareto."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from guanjia.engagement.stats import ItemCounts, count_answers, pareto, satisfaction, shortfall

ITEMS = ["治安", "保洁", "绿化"]


def test_count_answers_blank_and_double_ticked_are_abstentions():
    # SV-3: blank or two or more choices → abstention, not counted
    sheets = [
        {"治安": ["satisfied"], "保洁": ["basic"], "绿化": ["dissatisfied"]},
        {"治安": ["satisfied", "dissatisfied"], "保洁": [], "绿化": {"basic"}},
        {"治安": {"dissatisfied"}},  # 保洁 and 绿化 left blank
    ]
    c = {x.item: x for x in count_answers(ITEMS, sheets)}
    assert c["治安"] == ItemCounts("治安", 1, 0, 1, 1)
    assert c["保洁"] == ItemCounts("保洁", 0, 1, 0, 2)
    assert c["绿化"] == ItemCounts("绿化", 0, 1, 1, 1)


def test_count_answers_keeps_item_order():
    assert [x.item for x in count_answers(ITEMS, [])] == ITEMS


def test_worked_example_with_return_rate_58_5():
    # SV-3: 58.5% is one whole point short → −5
    r = satisfaction([ItemCounts("治安", 120, 30, 50)], issued=200, returned=117)
    assert r.return_rate == D("58.5")
    assert r.shortfall_points == 1 and r.penalty == D("5")
    assert r.overall.raw_display == D("75.0")
    assert r.overall.adjusted_display == D("70.0")
    assert r.explain() == (
        "(120 + 30) ÷ (120 + 30 + 50) × 100% = 75.0%；回收率 58.5%，低于 60% 1 个百分点，扣 5 分 → 70.0%"
    )


def test_return_rate_at_60_no_penalty():
    r = satisfaction([ItemCounts("a", 3, 1, 1)], issued=100, returned=60)
    assert r.shortfall_points == 0
    assert r.overall.adjusted_display == D("80.0")
    assert "不扣分" in r.explain()


def test_return_rate_59_99_is_not_a_whole_point_short():
    r = satisfaction([ItemCounts("a", 3, 1, 1)], issued=10000, returned=5999)
    assert r.return_rate == D("59.99")
    assert r.shortfall_points == 0 and r.overall.adjusted_display == D("80.0")


def test_return_rate_55_is_five_points_short():
    r = satisfaction([ItemCounts("a", 3, 1, 1)], issued=200, returned=110)
    assert r.shortfall_points == 5 and r.penalty == D("25")
    assert r.overall.adjusted_display == D("55.0")


def test_shortfall_floor():
    assert shortfall(D("58.5"), D("60")) == 1
    assert shortfall(D("55.0"), D("60")) == 5
    assert shortfall(D("59.99"), D("60")) == 0
    assert shortfall(D("0"), D("60")) == 60
    assert shortfall(None, D("60")) == 0


def test_zero_issued_no_return_rate_no_penalty():
    r = satisfaction([ItemCounts("a", 1, 0, 1)], issued=0, returned=0)
    assert r.return_rate is None and r.shortfall_points == 0
    assert r.overall.adjusted_display == D("50.0")
    assert "发放 0 份" in r.explain()


def test_rate_never_below_zero():
    # SV-3: 10% return → 50 points short → −250, clamps to 0.0
    r = satisfaction([ItemCounts("a", 9, 0, 1)], issued=100, returned=10)
    assert r.overall.raw_display == D("90.0")
    assert r.overall.adjusted == D("0") and r.overall.adjusted_display == D("0.0")


def test_rounding_half_up_at_x5():
    # 1/8 = 12.5% → 87.5% exactly; 0.xx5 case: 2 of 2+ ... use 1 / 16 dissatisfied = 93.75 → 93.8
    r = satisfaction([ItemCounts("a", 15, 0, 1)], issued=10, returned=10)
    assert r.overall.raw == D("93.75")
    assert r.overall.raw_display == D("93.8")
    r = satisfaction([ItemCounts("a", 0, 1, 15)], issued=10, returned=10)
    assert r.overall.raw_display == D("6.3")  # 6.25 → 6.3, not banker's 6.2


def test_no_answers_rate_none():
    r = satisfaction([ItemCounts("a", 0, 0, 0, 5)], issued=10, returned=10)
    assert r.overall.raw is None and r.overall.adjusted is None
    assert "无有效答卷" in r.explain()


def test_overall_pools_counts_not_average_of_items():
    # SV-3 settled: overall = formula over summed counts
    r = satisfaction([ItemCounts("a", 1, 0, 0), ItemCounts("b", 1, 0, 3)], issued=10, returned=10)
    assert [x.raw_display for x in r.items] == [D("100.0"), D("25.0")]
    assert r.overall.raw_display == D("40.0")  # 2/5, not (100+25)/2 = 62.5
    assert r.explain(r.items[1]).startswith("(1 + 0) ÷ (1 + 0 + 3)")


def test_penalty_applies_to_each_item():
    r = satisfaction([ItemCounts("a", 1, 0, 0), ItemCounts("b", 1, 0, 3)], issued=100, returned=58)
    assert [x.adjusted_display for x in r.items] == [D("90.0"), D("15.0")]


def _rows(*pairs):
    return [ItemCounts(name, 0, 0, d) for name, d in pairs]


def test_pareto_sorted_with_cumulative_and_key_items():
    rows = pareto(_rows(("a", 10), ("b", 50), ("c", 30), ("d", 10)))
    assert [r.item for r in rows] == ["b", "c", "a", "d"]
    assert [r.share for r in rows] == [D("50"), D("30"), D("10"), D("10")]
    assert [r.cumulative for r in rows] == [D("50"), D("80"), D("90"), D("100")]
    assert [r.key for r in rows] == [True, True, False, False]  # ≤ 80% inclusive (SV-4)


def test_pareto_ties_keep_item_order():
    rows = pareto(_rows(("x", 5), ("y", 7), ("z", 5), ("w", 5)))
    assert [r.item for r in rows] == ["y", "x", "z", "w"]


def test_pareto_first_item_above_80_alone_is_key():
    rows = pareto(_rows(("a", 1), ("b", 9)))
    assert [(r.item, r.key) for r in rows] == [("b", True), ("a", False)]


def test_pareto_zero_dissatisfied_never_key():
    rows = pareto(_rows(("a", 0), ("b", 0)))
    assert all(not r.key for r in rows)
    assert all(r.cumulative == 0 for r in rows)
    rows = pareto(_rows(("a", 4), ("b", 0)), key_pct=D("100"))
    assert [(r.item, r.key) for r in rows] == [("a", True), ("b", False)]


def test_pareto_empty():
    assert pareto([]) == []


counts_st = st.lists(
    st.builds(
        ItemCounts,
        st.text(min_size=1, max_size=4),
        st.integers(0, 500),
        st.integers(0, 500),
        st.integers(0, 500),
        st.integers(0, 50),
    ),
    max_size=12,
)


@given(counts_st, st.integers(0, 1000), st.integers(0, 1000))
def test_property_rates_within_0_100(counts, issued, returned):
    returned = min(returned, issued)
    r = satisfaction(counts, issued=issued, returned=returned)
    for rate in [*r.items, r.overall]:
        if rate.raw is not None:
            assert D(0) <= rate.adjusted <= rate.raw <= D(100)
            assert D(0) <= rate.adjusted_display <= D(100)


@given(counts_st)
def test_property_pareto(counts):
    rows = pareto(counts)
    assert len(rows) == len(counts)
    total = sum(c.dissatisfied for c in counts)
    if total:
        assert rows[-1].cumulative == D(100)
        assert rows[0].key
    keys = [r.key for r in rows]
    # key items are a prefix
    assert keys == sorted(keys, reverse=True)
    assert all(r.dissatisfied > 0 for r in rows if r.key)
    assert [r.dissatisfied for r in rows] == sorted((r.dissatisfied for r in rows), reverse=True)
