"""Rebuild ``src/cashless/banks/banks.csv`` from its sources, the same way every time.

A maintainer's tool, not part of the installed package (it reads files downloaded by hand
and is never needed at run time). The sources and the rules are those of the banks README
(``src/cashless/banks/README.md``, "How to rebuild"):

- ``--sbv FILE``: the State Bank's BIN register, transcribed as CSV ``bin,name``;
- ``--vietqr FILE``: the vietqr.io bank list as its API returns it (JSON with a ``data``
  list of ``bin``, ``code``, ``shortName``, ``name``, ``swift_code``), or a saved snapshot;
- ``--extra FILE`` (any number): rows from public library tables for BINs the two lists
  lack, CSV ``bin,code,short_name,name,swift`` (a ``source`` column is allowed).

Rules: the BINs are the union; ``name`` is the register's when the BIN is in it, else
vietqr.io's, else the extra row's; ``code``, ``short_name`` and ``swift`` are vietqr.io's,
else the first extra row's; a code vietqr.io gives to another BIN is left empty (CIMB
970459, MAFC 970468); two sources giving different SWIFT codes stop the rebuild. Rows
are sorted by BIN and written as UTF-8 CSV with ``\\n`` line ends.

    python scripts/rebuild_banks.py --sbv sbv.csv --vietqr vietqr.json --extra libs.csv \\
        -o src/cashless/banks/banks.csv
    python scripts/rebuild_banks.py ... --check   # exit 1 if banks.csv differs
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from pathlib import Path

COLUMNS = ("bin", "code", "short_name", "name", "swift")
BUNDLED = Path(__file__).resolve().parents[1] / "src" / "cashless" / "banks" / "banks.csv"


class RebuildError(Exception):
    """The sources disagree in a way the rules do not settle."""


def _clean(text: object) -> str:
    return unicodedata.normalize("NFC", str(text or "")).strip()


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV source (UTF-8, BOM allowed) as dicts with cleaned values."""
    text = path.read_text(encoding="utf-8-sig")
    return [
        {k.strip().lower(): _clean(v) for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


def read_vietqr(path: Path) -> list[dict[str, str]]:
    """The vietqr.io list (``{"data": [...]}`` or a bare list) in this file's column names."""
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    entries = data["data"] if isinstance(data, dict) else data
    return [
        {
            "bin": _clean(entry.get("bin")),
            "code": _clean(entry.get("code")),
            "short_name": _clean(entry.get("shortName") or entry.get("short_name")),
            "name": _clean(entry.get("name")),
            "swift": _clean(entry.get("swift_code") or entry.get("swift")),
        }
        for entry in entries
    ]


def rebuild(
    sbv: list[dict[str, str]],
    vietqr: list[dict[str, str]],
    extras: list[list[dict[str, str]]],
) -> list[dict[str, str]]:
    """The merged rows, sorted by BIN (see the module's rules)."""
    register = {row["bin"]: row.get("name", "") for row in sbv}
    listed = {row["bin"]: row for row in vietqr}
    extra: dict[str, dict[str, str]] = {}
    for table in extras:
        for row in table:
            extra.setdefault(row["bin"], row)
    codes_in_vietqr = {row["code"]: row["bin"] for row in vietqr if row["code"]}
    problems: list[str] = []
    out: list[dict[str, str]] = []
    for bin_text in sorted(set(register) | set(listed) | set(extra)):
        if not (len(bin_text) == 6 and bin_text.isdigit()):
            problems.append(f"{bin_text!r} is not a 6-digit BIN")
            continue
        first, second = listed.get(bin_text, {}), extra.get(bin_text, {})

        def pick(
            column: str, first: dict[str, str] = first, second: dict[str, str] = second
        ) -> str:
            return first.get(column, "") or second.get(column, "")

        code = pick("code")
        if code and codes_in_vietqr.get(code, bin_text) != bin_text:
            code = ""  # the same institution's code belongs to the BIN vietqr.io routes
        swifts = {value for value in (first.get("swift", ""), second.get("swift", "")) if value}
        if len(swifts) > 1:
            problems.append(f"{bin_text}: SWIFT codes disagree: {sorted(swifts)}")
        short = pick("short_name")
        if not short:
            problems.append(f"{bin_text}: no source gives a short name")
        out.append(
            {
                "bin": bin_text,
                "code": code,
                "short_name": short,
                "name": register.get(bin_text) or pick("name"),
                "swift": next(iter(sorted(swifts)), ""),
            }
        )
    if problems:
        raise RebuildError("; ".join(problems))
    return out


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sbv", type=Path, help="SBV BIN register as CSV bin,name")
    parser.add_argument("--vietqr", type=Path, help="vietqr.io bank list JSON")
    parser.add_argument("--extra", type=Path, action="append", default=[], help="library rows CSV")
    parser.add_argument("-o", "--output", type=Path, default=BUNDLED, help="CSV to write")
    parser.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    args = parser.parse_args(argv)
    try:
        rows = rebuild(
            read_rows(args.sbv) if args.sbv else [],
            read_vietqr(args.vietqr) if args.vietqr else [],
            [read_rows(path) for path in args.extra],
        )
    except (OSError, KeyError, ValueError, RebuildError) as exc:
        print(f"rebuild_banks: {exc}", file=sys.stderr)
        return 1
    text = to_csv(rows)
    if args.check:
        same = args.output.read_text(encoding="utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'differs from the sources'}")
        return 0 if same else 1
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(args.output)
    print(f"wrote {args.output}: {len(rows)} banks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
