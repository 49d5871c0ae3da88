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
    "MAX_TOML_BYTES",
    "MAX_TOML_DEPTH",
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
    "from_toml_file",
    "from_toml_text",
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
    errors: dict[str, Any] = {
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
            if isinstance(new, int) and abs(new) >= 1e300:
                raise ScenarioError(f"must be a finite number, got {new!r}", field=key)
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
    if _nesting(text) > MAX_TOML_DEPTH:
        raise ScenarioError(f"nested deeper than {MAX_TOML_DEPTH}: {text[:20]!r}...")
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text
    except ValueError:  # an integer of more than 4,300 digits: no scenario value is
        raise ScenarioError(f"a number of {len(text):,} characters is out of range") from None


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


#: How deeply TOML arrays and tables may nest in a scenario (outages need 2).
MAX_TOML_DEPTH = 32
#: The largest scenario file read (a real one is a few kilobytes).
MAX_TOML_BYTES = 1 << 20


def _nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings and comments (roughly)."""
    depth = deepest = 0
    quote = ""
    comment = False
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote:
            if char == quote or char == "\n":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "\n" and depth == 0:
            depth = 0
    return deepest


def _loads(text: str, where: str | None) -> dict[str, Any]:
    """``tomllib.loads`` with every failure a :class:`ScenarioError` (line when known)."""
    if _nesting(text) > MAX_TOML_DEPTH:
        raise ScenarioError(
            f"not valid for a scenario: arrays or tables nested deeper than {MAX_TOML_DEPTH}",
            source=where,
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", message)
        reason = message[: m.start()].rstrip() if m else message
        line = int(m.group(1)) if m else None
        raise ScenarioError(f"not valid TOML: {reason}", source=where, line=line) from None
    except RecursionError:
        raise ScenarioError(
            "not valid for a scenario: arrays or tables nested too deeply", source=where
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ScenarioError(f"not valid for a scenario: {exc}", source=where) from None


def from_toml_text(text: str, *, source: str | None = None) -> Scenario:
    """Read a scenario from TOML text; absent keys keep the defaults.

    ``source`` (a file name, a flag) is named by the errors.

    >>> from_toml_text('name = "mine"\\n[payments]\\nqr_share = 0.7\\n').payments.qr_share
    0.7
    >>> from_toml_text("dien-bien")
    Traceback (most recent call last):
    cashless.errors.ScenarioError: not valid TOML: Expected '=' after a key in a key/value pair (at end of document)
    """
    if not isinstance(text, str):
        raise UsageError(f"must be TOML text, got {type(text).__name__}", field="text")
    data = _loads(text, source)
    try:
        return _from_mapping(data)
    except ScenarioError as exc:
        raise (exc.with_source(source) if source else exc) from None


def from_toml_file(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario from a UTF-8 ``.toml`` file; errors name the file.

    >>> from_toml_file("/no/such.toml")
    Traceback (most recent call last):
    cashless.errors.ScenarioError: /no/such.toml: cannot read the scenario: it does not exist
    """
    where = os.fsdecode(path)
    try:
        if os.path.isdir(path):
            raise ScenarioError("cannot read the scenario: it is a folder", source=where)
        if os.path.getsize(path) > MAX_TOML_BYTES:
            raise ScenarioError(
                f"cannot read the scenario: larger than {MAX_TOML_BYTES:,} bytes", source=where
            )
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError("cannot read the scenario: it does not exist", source=where) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ScenarioError(f"cannot read the scenario: {reason}", source=where) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"cannot read the scenario: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8",
            source=where,
            line=line,
        ) from None
    return from_toml_text(text, source=where)


def from_toml(source: str | os.PathLike[str]) -> Scenario:
    """TOML text (a ``str``) or a file (a path-like): :func:`from_toml_text` or
    :func:`from_toml_file`, chosen by type, never by guessing what a string holds.
    """
    if isinstance(source, os.PathLike):
        return from_toml_file(source)
    return from_toml_text(source)


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
            return from_toml_file(path)
        raise ScenarioError(
            f"no preset or file named {os.fspath(spec)!r}; presets: {', '.join(PRESETS)}",
            source=source,
        )
    raise ScenarioError(
        f"expected a Scenario, a preset name or a .toml file, got {type(spec).__name__}",
        source=source,
    )


def parameter_table(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per parameter: key, value, unit, evidence, source, assumption, sweep_low,
    sweep_high, doc (:func:`cashless.sim.evidence.provenance_rows`).

    >>> rows = {r["key"]: r for r in parameter_table(preset("dien-bien"))}
    >>> rows["payments.qr_share"]["evidence"], rows["payments.qr_share"]["sweep_high"]
    ('assumption', 0.9)
    """
    from cashless.sim.evidence import provenance_rows

    return provenance_rows(scenario)
