"""A 400-stall sheet against segno alone encoding and rendering the same 400 codes.

The sheet case is the whole of :func:`cashless.stalls.sheet.render_sheet`: mixed-segment
encoding, vector QR drawing, text layout with an embedded font subset, cut marks and
PDF output (in memory). The baselines are segno by itself, in the same process, on the
same 400 payloads: ``segno.make_qr(payload, error="m", boost_error=False)`` (one mode
for the whole string, as segno picks it) followed by segno's own PDF writer into memory
(vector output on both sides; segno's SVG and PNG writers cost about the same). The
encode-only line shows the share of the project's mixed-segment encoder. Target: sheet
<= 3x the segno + PDF baseline.

CPU time (``process_time``), cases interleaved, median of 3 rounds.
Run: ``.venv/bin/python benchmarks/bench_sheets.py`` (under a minute on 2 cores).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import segno

from cashless.stalls.qr import make_qr
from cashless.stalls.registry import Stall, load_registry
from cashless.stalls.sheet import render_sheet

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
COUNT = 400
ROUNDS = 3


def stalls(count: int = COUNT) -> list[Stall]:
    """``count`` distinct stalls: the example registry recycled with new ids and accounts."""
    base = list(load_registry(EXAMPLE))
    out = []
    for index in range(count):
        s = base[index % len(base)]
        out.append(
            Stall(
                f"{s.stall_id}-{index:03d}",
                s.stall_name,
                s.vendor_name,
                s.bank,
                f"{int(s.account) + index:0{len(s.account)}d}"[-19:],
                s.amount,
                s.purpose,
                s.category,
            )
        )
    return out


def segno_only(payloads: list[str], kind: str) -> Callable[[], object]:
    def run() -> None:
        for payload in payloads:
            qr = segno.make_qr(payload, error="m", boost_error=False)
            qr.save(io.BytesIO(), kind=kind, scale=4, border=4)

    return run


def main() -> None:
    cases_stalls = stalls()
    payloads = [s.payload for s in cases_stalls]
    assert len(set(payloads)) == COUNT
    cases: dict[str, Callable[[], object]] = {
        "sheet (render_sheet, 2x4, 50 pages)": lambda: render_sheet(
            cases_stalls, market="Chợ Điện Biên"
        ),
        "segno make_qr + PDF": segno_only(payloads, "pdf"),
        "cashless.stalls.qr.make_qr (mixed) only": lambda: [make_qr(p) for p in payloads],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, fn in cases.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    sheet = median["sheet (render_sheet, 2x4, 50 pages)"]
    versions = sorted({make_qr(p).version for p in payloads})
    single = sorted({segno.make_qr(p, error="m", boost_error=False).version for p in payloads})
    print(f"{COUNT} stalls, EC level M; versions mixed {versions}, segno single mode {single}")
    print(f"CPU seconds, median of {ROUNDS} interleaved rounds")
    for name, value in median.items():
        print(f"  {name:40s} {value:7.2f} s   sheet / this = {sheet / value:5.2f}x")
    ratio = sheet / median["segno make_qr + PDF"]
    verdict = "meets" if ratio <= 3 else "misses"
    print(f"sheet / (segno encode + PDF) = {ratio:.2f}x ({verdict} the <= 3x target)")


if __name__ == "__main__":
    main()
