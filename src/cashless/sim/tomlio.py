r"""Write a scenario as TOML (the standard library reads TOML but does not write it).

Only what scenarios hold is supported: text, booleans, integers, floats and (nested)
tuples of numbers. Each value is followed by a comment naming its source.

>>> print(dumps_value((1, 2.5, (3, 4))))
[1, 2.5, [3, 4]]
>>> print(dumps_value('Chợ "Điện Biên"'))
"Chợ \"Điện Biên\""
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from cashless.errors import ScenarioError

__all__ = ["dumps", "dumps_value"]


def dumps_value(v: Any) -> str:
    """One TOML value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(dumps_value(x) for x in v) + "]"
    raise ScenarioError(f"cannot write {type(v).__name__} as TOML")


def _table(obj: Any) -> list[str]:
    lines = []
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        source = f.metadata.get("source", "")
        comment = f"  # {source}" if source else ""
        lines.append(f"{f.name} = {dumps_value(v)}{comment}")
    return lines


def dumps(scenario: Any, sections: tuple[str, ...]) -> str:
    """The whole scenario: name, description, one table per section, [[categories]]."""
    out = [
        "# cashless market scenario. Money in VND (integers), times in seconds.",
        "# [A] marks an assumption of market-sim §5: replace it with local data.",
        f"name = {dumps_value(scenario.name)}",
        f"description = {dumps_value(scenario.description)}",
    ]
    for sect in sections:
        out += ["", f"[{sect}]", *_table(getattr(scenario, sect))]
    for cat in scenario.categories:
        out += ["", "[[categories]]", *_table(cat)]
    return "\n".join(out) + "\n"
