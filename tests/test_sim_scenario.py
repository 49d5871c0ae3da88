"""Scenarios: presets, overrides, TOML round trips, the parameter table, errors."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cashless.errors import ScenarioError
from cashless.sim.params import Payments, Scenario
from cashless.sim.scenario import (
    PRESETS,
    from_toml,
    from_toml_file,
    load_scenario,
    parameter_table,
    parse_value,
    preset,
    queue_scenario,
    to_toml,
    with_overrides,
)


def test_presets_named_in_the_issue_exist_and_differ():
    assert set(PRESETS) >= {
        "dien-bien",
        "tet-season",
        "tet-peak-day",
        "outage",
        "sticker-swap",
        "dynamic-qr",
        "cash-only",
        "qr-first",
    }
    scenarios = [preset(n) for n in PRESETS]
    assert len(
        {to_toml(dataclasses.replace(s, name="x", description="x")) for s in scenarios}
    ) == len(PRESETS)


def test_preset_values_follow_the_brief():
    assert preset("dien-bien") == Scenario()
    assert preset("tet-season").arrivals.demand_multiplier == 1.25
    assert preset("tet-season").baskets.multiplier == 1.5
    assert preset("tet-peak-day").arrivals.demand_multiplier == 2.5
    assert preset("outage").infrastructure.outages == ((7200.0, 3600.0),)  # 07:00, 60 min
    assert preset("cash-only").payments.qr_stall_share == 0.0
    dyn = preset("dynamic-qr").payments
    assert (dyn.dynamic_share, dyn.speaker_share) == (1.0, 1.0)


def test_defaults_match_the_reference_tables():
    sc = Scenario()
    assert sum(c.stalls for c in sc.categories) == 400
    assert sc.arrivals.visitors_per_day == 7000
    assert sum(sc.arrivals.hourly_shares) == pytest.approx(1.0)
    assert len(sc.arrivals.hourly_shares) == sc.market.hours == 14
    expected_visits = sum(c.visit_prob for c in sc.categories)
    assert expected_visits == pytest.approx(2.45)
    assert sc.errors.wrong_change_prob == 0.007
    assert sc.payments.static_qr_time_mean == 30.0


@pytest.mark.parametrize("name", PRESETS)
def test_toml_round_trip(name, tmp_path):
    sc = preset(name)
    text = to_toml(sc)
    assert from_toml(text) == sc
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    assert from_toml(path) == sc
    assert from_toml_file(str(path)) == sc


def test_toml_partial_file_keeps_defaults():
    sc = from_toml('name = "mine"\n[payments]\nqr_share = 0.7\n')
    assert sc.name == "mine"
    assert sc.payments.qr_share == 0.7
    assert sc.payments.dynamic_share == Payments().dynamic_share


def test_toml_categories_table():
    sc = from_toml(
        '[[categories]]\nname = "meat"\nstalls = 12\n'
        '[[categories]]\nname = "snacks"\nstalls = 3\nvisit_prob = 0.5\n'
        '[arrivals]\nprofile = "flat"\n'
    )
    assert [c.name for c in sc.categories] == ["meat", "snacks"]
    assert sc.categories[0].basket_median == 100_000  # default of the meat category
    assert sc.categories[1].visit_prob == 0.5


@pytest.mark.parametrize(
    "text, path, line",
    [
        ("[payments]\nqr_share = 2.0\n", "payments.qr_share", None),
        ("[payments]\nqr_sharez = 0.2\n", "payments.qr_sharez", None),
        ("[paymentz]\nqr_share = 0.2\n", "paymentz", None),
        ("[payments]\nqr_share = \n", None, 2),
        ('[market]\nbalk_queue = "five"\n', "market.balk_queue", None),
        ("[[categories]]\nstalls = 3\n", "categories[0]", None),
        ("categories = 5\n", "categories", None),
        ("[infrastructure]\noutages = [1, 2]\n", "infrastructure.outages", None),
        ("[arrivals]\nhourly_shares = []\n", "arrivals.hourly_shares", None),
        ("market = 3\n", "market", None),
        ("[payments]\nqr_share = nan\n", "payments.qr_share", None),
        ('[[categories]]\nname = "a"\n[[categories]]\nname = "a"\n', "categories", None),
    ],
)
def test_toml_errors_name_the_key_or_line(text, path, line):
    with pytest.raises(ScenarioError) as info:
        from_toml(text)
    if path:
        assert info.value.field == path
    if line:
        assert info.value.line == line


def test_overrides_and_their_errors():
    sc = with_overrides(
        Scenario(),
        {"payments.qr_share": 1, "categories.meat.stalls": 50, "infrastructure.outages": [[0, 60]]},
    )
    assert sc.payments.qr_share == 1.0 and isinstance(sc.payments.qr_share, float)
    assert next(c for c in sc.categories if c.name == "meat").stalls == 50
    assert sc.infrastructure.outages == ((0, 60),)
    for key, value in [
        ("payments.nope", 1),
        ("nope.qr_share", 1),
        ("categories.x.stalls", 1),
        ("payments.qr_share", -0.1),
        ("payments.qr_share", "much"),
        ("market.balk_queue", 2.5),
        ("market.close_hour", 4.0),
        ("arrivals.hourly_shares", [0.5, 0.5]),
    ]:
        with pytest.raises(ScenarioError) as info:
            with_overrides(Scenario(), {key: value})
        assert info.value.field == key


def test_parse_value():
    assert parse_value("0.6") == 0.6
    assert parse_value("true") is True
    assert parse_value("[[7200, 3600]]") == [[7200, 3600]]
    assert parse_value("flat") == "flat"


def test_parameter_table_documents_every_field():
    rows = parameter_table(Scenario())
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    assert "payments.qr_share" in keys and "categories.meat.basket_median" in keys
    assert all(r["source"] for r in rows), [r["key"] for r in rows if not r["source"]]
    assert {r["evidence"] for r in rows} <= {"measured", "analogue", "assumption"}
    numeric = [r for r in rows if not isinstance(r["value"], (str, bool))]
    assert all(r["sweep_low"] is not None for r in numeric), [
        r["key"] for r in numeric if r["sweep_low"] is None
    ]
    scalar = [r for r in numeric if not isinstance(r["value"], tuple)]
    assert all(r["sweep_low"] <= r["sweep_high"] for r in scalar)
    assert all(r["unit"] for r in rows)
    by = {r["key"]: r for r in rows}
    assert by["errors.wrong_change_prob"]["assumption"] is True
    assert (
        by["errors.wrong_change_prob"]["sweep_low"],
        by["errors.wrong_change_prob"]["sweep_high"],
    ) == (0.002, 0.02)


def test_queue_scenario_is_an_ordinary_scenario():
    sc = queue_scenario(1 / 60, 30.0, servers=2, hours=10.0)
    assert from_toml(to_toml(sc)) == sc
    assert sc.errors.wrong_change_prob == 0.0 and sc.payments.qr_stall_share == 0.0
    assert sc.arrivals.visitors_per_day == pytest.approx(600.0)


def test_unknown_preset():
    with pytest.raises(ScenarioError, match="dien-bien"):
        preset("dien-bein")


_KEYS = [r["key"] for r in parameter_table(Scenario())] + ["payments.nope", "x", "a.b.c.d"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.one_of(st.integers(-2, 9), st.floats(-1, 1)), max_size=10),
    st.lists(st.lists(st.integers(-5, 9000), max_size=3), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=3))
def test_junk_overrides_raise_only_scenario_errors(overrides):
    try:
        sc = with_overrides(Scenario(), overrides)
    except ScenarioError:
        return
    assert from_toml(to_toml(sc)) == sc


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_junk_toml_raises_only_scenario_errors(text):
    try:
        sc = from_toml(text + "\n")  # a newline: always read as TOML text, not a path
    except ScenarioError:
        return
    assert isinstance(sc, Scenario)


# -- the one loader: Scenario, preset name or .toml file -----------------------------------


def test_load_scenario_accepts_a_scenario_a_preset_and_a_file(tmp_path):
    tet = preset("tet-season")
    assert load_scenario(tet) is tet
    assert load_scenario("tet-season") == tet
    path = tmp_path / "tet.toml"
    path.write_text(to_toml(tet), encoding="utf-8")
    assert load_scenario(path) == tet
    assert load_scenario(str(path)) == tet


def test_load_scenario_names_presets_when_nothing_matches(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario("nosuch", source="--scenario")
    assert info.value.source == "--scenario"
    assert str(info.value).startswith("--scenario: no preset or file named 'nosuch'; presets: ")
    assert "dien-bien" in str(info.value)
    with pytest.raises(ScenarioError, match="no preset or file named"):
        load_scenario(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="got int"):
        load_scenario(5)  # type: ignore[arg-type]


def test_load_scenario_errors_in_a_file_name_the_file_and_the_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[payments]\nqr_share = 2.0\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.source, info.value.field) == (str(path), "payments.qr_share")
    assert str(info.value).count("payments.qr_share") == 1
    path.write_text("[payments]\nqr_share = \n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.source, info.value.line) == (str(path), 2)
    assert str(info.value).count("line 2") == 1
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(path)


def test_preset_error_does_not_repeat_itself():
    with pytest.raises(ScenarioError) as info:
        preset("nosuch")
    assert str(info.value).startswith("no preset named 'nosuch'; presets: dien-bien")


def test_prices_round_to_whole_notes():
    with pytest.raises(ScenarioError) as info:
        with_overrides(Scenario(), {"baskets.price_rounding": 500})
    assert info.value.field == "baskets.price_rounding"
