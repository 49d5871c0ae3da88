"""Scenarios: named presets, dotted-key overrides, TOML in and out, the parameter table.

>>> sc = preset("tet-season")
>>> sc.arrivals.demand_multiplier, sc.baskets.multiplier
(1.25, 1.5)
>>> with_overrides(sc, {"payments.qr_share": 0.6}).payments.qr_share
0.6
>>> from_toml(to_toml(sc)) == sc
True
>>> with_overrides(sc, {"payments.qr_shares": 0.6})
Traceback (most recent call last):
...
cashless.errors.ScenarioError: payments.qr_shares unknown key 'qr_shares' in section 'payments'
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

from cashless.errors import ScenarioError, UsageError
from cashless.sim.params import (
    Arrivals,
    Baskets,
    Errors,
    Infrastructure,
    Market,
    Payments,
    Scenario,
    StallCategory,
    default_categories,
)
from cashless.sim.tomlio import dumps

__all__ = [
    "PRESETS",
    "SECTIONS",
    "Arrivals",
    "Baskets",
    "Errors",
    "Infrastructure",
    "Market",
    "Payments",
    "Scenario",
    "StallCategory",
    "from_toml",
    "load_scenario",
    "parameter_table",
    "parse_value",
    "preset",
    "queue_scenario",
    "to_toml",
    "with_overrides",
]

SECTIONS = ("market", "arrivals", "baskets", "payments", "errors", "infrastructure")
_TET = "Tết, market-sim §3.7 and market-sim §5.1"
_PRESET_TABLE: dict[str, tuple[str, dict[str, Any]]] = {
    "dien-bien": ("Chợ Điện Biên-like central market, normal weekday (market-sim §5)", {}),
    "tet-season": (
        f"Tết season: demand +25 %, baskets x1.5, failures x2 ({_TET})",
        {
            "arrivals.demand_multiplier": 1.25,
            "baskets.multiplier": 1.5,
            "errors.stress_multiplier": 2.0,
        },
    ),
    "tet-peak-day": (
        f"Last market day before Tết: demand x2.5, baskets x1.5 ({_TET})",
        {
            "arrivals.demand_multiplier": 2.5,
            "baskets.multiplier": 1.5,
            "errors.stress_multiplier": 2.5,
        },
    ),
    "outage": (
        "A 60-minute bank/NAPAS outage at the 07:00 peak (market-sim §2.3)",
        {"infrastructure.outages": ((7200.0, 3600.0),)},
    ),
    "sticker-swap": (
        "5 % of printed static QR stickers pasted over before opening [A]",
        {"errors.sticker_swap_share_at_open": 0.05},
    ),
    "dynamic-qr": (
        "Every QR stall shows a dynamic QR with a payment speaker",
        {"payments.dynamic_share": 1.0, "payments.speaker_share": 1.0},
    ),
    "cash-only": ("No stall accepts QR", {"payments.qr_stall_share": 0.0}),
    "qr-first": (
        "Every stall displays QR and 80 % of shoppers prefer it",
        {"payments.qr_stall_share": 1.0, "payments.qr_share": 0.8},
    ),
}
_PRESETS: Mapping[str, tuple[str, Mapping[str, Any]]] = MappingProxyType(
    {k: (d, MappingProxyType(dict(o))) for k, (d, o) in _PRESET_TABLE.items()}
)
del _PRESET_TABLE
PRESETS: tuple[str, ...] = tuple(_PRESETS)


def preset(name: str) -> Scenario:
    """The named preset (one of :data:`PRESETS`)."""
    try:
        description, overrides = _PRESETS[name]
    except (KeyError, TypeError):
        raise ScenarioError(f"no preset named {name!r}; presets: {', '.join(PRESETS)}") from None
    base = Scenario(name=name, description=description)
    return with_overrides(base, overrides)


def queue_scenario(
    arrival_rate: float,
    service_mean: float,
    servers: int = 1,
    *,
    hours: float = 14.0,
    service_cv: float | None = None,
    seed_label: str = "queue-check",
) -> Scenario:
    """The model reduced to one queue: M/M/c, or M/LN/c when ``service_cv`` is given.

    One stall with ``servers`` sellers, homogeneous Poisson arrivals (per second), every
    shopper visits it once, cash with zero payment time, no errors, no balking, no outages.
    It runs the same model code as every other scenario.

    >>> sc = queue_scenario(2.5 / 60, 60.0, servers=3, hours=1.0)
    >>> sc.categories[0].servers, sc.arrivals.profile
    (3, 'flat')
    """
    dist = "exponential" if service_cv is None else "lognormal"
    sd = 0.0 if service_cv is None else service_cv * service_mean
    cat = StallCategory(seed_label, 1, 0.0, servers, 1.0, 10_000, 0.0, service_mean, sd, dist)
    zero_times: dict[str, Any] = {
        f.name: 0.0
        for f in dataclasses.fields(Payments)
        if f.name.endswith("_time_mean") or f.name.endswith("_time_sd")
    }
    errors = {
        f.name: 0.0
        for f in dataclasses.fields(Errors)
        if f.name.endswith("_prob") and f.metadata["kind"] == "prob"
    }
    sc = Scenario(
        name=seed_label,
        description=f"M/{'M' if service_cv is None else 'LN'}/{servers} reduction",
        market=Market(open_hour=0.0, close_hour=hours, balk_prob=0.0, walk_time_mean=0.0),
        categories=(cat,),
        arrivals=Arrivals(
            visitors_per_day=arrival_rate * hours * 3600.0, profile="flat", hourly_shares=()
        ),
        payments=Payments(qr_stall_share=0.0, glance_time=0.0, pending_wait=0.0, **zero_times),
        errors=Errors(**errors),
        infrastructure=Infrastructure(outage_rate_per_day=0.0),
    )
    return sc


def _coerce(key: str, old: Any, new: Any) -> Any:
    if isinstance(old, bool):
        if isinstance(new, bool):
            return new
    elif isinstance(old, int):
        if isinstance(new, int) and not isinstance(new, bool):
            return new
        if isinstance(new, float) and new.is_integer():
            return int(new)
    elif isinstance(old, float):
        if isinstance(new, (int, float)) and not isinstance(new, bool):
            return float(new)
    elif isinstance(old, str):
        if isinstance(new, str):
            return new
    elif isinstance(old, tuple) and isinstance(new, (list, tuple)):
        return tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in new)
    raise ScenarioError(f"expects {type(old).__name__}, got {new!r}", field=key)


def _field(obj: Any, key: str, name: str, new: Any, section: str) -> Any:
    names = {f.name for f in dataclasses.fields(obj)}
    if name not in names:
        raise ScenarioError(f"unknown key {name!r} in section {section!r}", field=key)
    return _coerce(key, getattr(obj, name), new)


def _build(obj: Any, updates: dict[str, Any]) -> Any:
    return dataclasses.replace(obj, **updates) if updates else obj


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted keys replaced (all at once, then validated).

    Keys are ``section.field`` (``"payments.qr_share"``), ``categories.NAME.field``
    (``"categories.meat.stalls"``), or ``name`` / ``description``.
    Raises :class:`ScenarioError` on an unknown key or a bad value.
    """
    if not isinstance(scenario, Scenario):
        raise UsageError(f"must be a Scenario, got {type(scenario).__name__}", field="scenario")
    if not isinstance(overrides, Mapping):
        raise UsageError(
            f"must map dotted keys to values, got {type(overrides).__name__}", field="overrides"
        )
    bad = next((key for key in overrides if not isinstance(key, str)), None)
    if bad is not None:
        raise ScenarioError(f"keys must be dotted text like 'payments.qr_share', got {bad!r}")
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    cats: dict[str, dict[str, Any]] = {c.name: {} for c in scenario.categories}
    for key, new in overrides.items():
        parts = key.split(".")
        if len(parts) == 1 and parts[0] in ("name", "description"):
            top[parts[0]] = _field(scenario, key, parts[0], new, "scenario")
        elif len(parts) == 2 and parts[0] in SECTIONS:
            obj = getattr(scenario, parts[0])
            sections[parts[0]][parts[1]] = _field(obj, key, parts[1], new, parts[0])
        elif len(parts) == 3 and parts[0] == "categories":
            cat = next((c for c in scenario.categories if c.name == parts[1]), None)
            if cat is None:
                raise ScenarioError(f"unknown category {parts[1]!r}", field=key)
            cats[parts[1]][parts[2]] = _field(cat, key, parts[2], new, f"categories.{parts[1]}")
        else:
            raise ScenarioError(
                "unknown key; use section.field or categories.NAME.field", field=key
            )
    changes: dict[str, Any] = dict(top)
    for sect, upd in sections.items():
        if upd:
            changes[sect] = _build(getattr(scenario, sect), upd)
    if any(cats.values()):
        changes["categories"] = tuple(_build(c, cats[c.name]) for c in scenario.categories)
    return dataclasses.replace(scenario, **changes) if changes else scenario


def parse_value(text: str) -> Any:
    """A ``--set`` value: a TOML literal (``0.6``, ``true``, ``[[7200, 3600]]``) or text.

    >>> parse_value("0.6"), parse_value("[[7200, 3600]]"), parse_value("ten")
    (0.6, [[7200, 3600]], 'ten')
    """
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text, each value commented with its source."""
    return dumps(scenario, SECTIONS)


def _from_mapping(data: Mapping[str, Any]) -> Scenario:
    unknown = set(data) - {"name", "description", "categories", *SECTIONS}
    if unknown:
        raise ScenarioError(f"unknown section {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    overrides: dict[str, Any] = {}
    for k in ("name", "description"):
        if k in data:
            overrides[k] = data[k]
    for sect in SECTIONS:
        table = data.get(sect, {})
        if not isinstance(table, dict):
            raise ScenarioError("must be a table", field=sect)
        overrides.update({f"{sect}.{k}": v for k, v in table.items()})
    sc = with_overrides(Scenario(), overrides)
    if "categories" in data:
        if not isinstance(data["categories"], list):
            raise ScenarioError("must be an array of tables ([[categories]])", field="categories")
        cats = []
        for n, row in enumerate(data["categories"]):
            if not isinstance(row, dict) or "name" not in row:
                raise ScenarioError("each [[categories]] needs a name", field=f"categories[{n}]")
            base = next(
                (c for c in default_categories() if c.name == row["name"]),
                StallCategory(name=row["name"]),
            )
            upd = {
                k: _field(base, f"categories.{row['name']}.{k}", k, v, f"categories.{row['name']}")
                for k, v in row.items()
            }
            cats.append(dataclasses.replace(base, **upd))
        sc = dataclasses.replace(sc, categories=tuple(cats))
    return sc


def from_toml(source: str | os.PathLike[str]) -> Scenario:
    """Read a scenario from TOML text or a ``.toml`` file; absent keys keep the defaults.

    A path-like, or a one-line string without ``=``, is a file name; errors then name the
    file as their source.
    """
    where = None
    if isinstance(source, os.PathLike) or ("\n" not in source and "=" not in source):
        where = os.fspath(source)
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ScenarioError(f"cannot read the scenario: {reason}", source=where) from None
    else:
        text = source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", message)
        reason = message[: m.start()].rstrip() if m else message
        line = int(m.group(1)) if m else None
        raise ScenarioError(f"not valid TOML: {reason}", source=where, line=line) from None
    try:
        return _from_mapping(data)
    except ScenarioError as exc:
        raise exc.with_source(where) if where else exc from None


def load_scenario(spec: Scenario | str | os.PathLike[str], *, source: str = "scenario") -> Scenario:
    """A scenario from a :class:`Scenario`, a preset name or a ``.toml`` file path.

    The one loader of the library and the CLI (``--scenario``, :func:`sweep`,
    :func:`run`). A string is a preset name first (:data:`PRESETS`), else a file.
    Raises :class:`ScenarioError` naming ``source`` (the argument or flag it came from)
    when ``spec`` is neither, and naming the file when the file holds a bad key.

    >>> load_scenario("tet-season").name
    'tet-season'
    >>> load_scenario("nosuch")
    Traceback (most recent call last):
    cashless.errors.ScenarioError: scenario: no preset or file named 'nosuch'; presets: dien-bien, tet-season, tet-peak-day, outage, sticker-swap, dynamic-qr, cash-only, qr-first
    """
    if isinstance(spec, Scenario):
        return spec
    if isinstance(spec, str) and spec in _PRESETS:
        return preset(spec)
    if isinstance(spec, (str, os.PathLike)):
        path = Path(spec)
        if path.is_file():
            return from_toml(path)
        raise ScenarioError(
            f"no preset or file named {os.fspath(spec)!r}; presets: {', '.join(PRESETS)}",
            source=source,
        )
    raise ScenarioError(
        f"expected a Scenario, a preset name or a .toml file, got {type(spec).__name__}",
        source=source,
    )


def parameter_table(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per scalar parameter: key, value, source, assumption, sweep_low, sweep_high.

    >>> rows = {r["key"]: r for r in parameter_table(preset("dien-bien"))}
    >>> rows["payments.qr_share"]["assumption"], rows["payments.qr_share"]["sweep_high"]
    (True, 0.9)
    """
    rows = []

    def add(prefix: str, obj: Any) -> None:
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            sweep = f.metadata.get("sweep") or (None, None)
            source = f.metadata.get("source", "")
            rows.append(
                {
                    "key": f"{prefix}.{f.name}",
                    "value": v,
                    "source": source,
                    "assumption": "[A]" in source,
                    "sweep_low": sweep[0],
                    "sweep_high": sweep[1],
                }
            )

    for sect in SECTIONS:
        add(sect, getattr(scenario, sect))
    for cat in scenario.categories:
        add(f"categories.{cat.name}", cat)
    return rows
