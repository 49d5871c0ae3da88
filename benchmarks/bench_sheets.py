"""A 2,000-stall sheet against segno alone encoding and rendering the same 2,000 codes.

The sheet case is the whole of :func:`cashless.stalls.sheet.render_sheet`: mixed-segment
encoding, vector QR drawing, text layout with an embedded font subset, cut marks and
PDF output (in memory). The baselines are segno by itself, in the same process, on the
same payloads: ``segno.make_qr(payload, error="m", boost_error=False)`` (one mode
for the whole string, as segno picks it) followed by segno's own PDF writer into memory
(vector output on both sides; segno's SVG and PNG writers cost about the same). The
encode-only line shows the share of the project's mixed-segment encoder. Target: sheet
<= 3x the segno + PDF baseline.

CPU time (``process_time``), cases interleaved, median of ``ROUNDS`` rounds. Peak memory:
each stall count is rendered in a fresh process: its peak resident set (``ru_maxrss``)
before and after the sheet, and the peak of Python allocations during ``render_sheet``
(``tracemalloc``; fpdf2 keeps every page until the PDF is written, so this part grows with
the pages). ``--memory-only`` runs just that part.
Run: ``.venv/bin/python benchmarks/bench_sheets.py [COUNT]`` (about 8 minutes on 2 cores).
"""

from __future__ import annotations

import io
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import segno

from cashless.stalls.qr import make_qr
from cashless.stalls.registry import Stall, load_registry
from cashless.stalls.sheet import render_sheet

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "stalls.csv"
COUNT = 2000
ROUNDS = 2
MEMORY_COUNTS = (250, 500, 1000, 2000)


def stalls(count: int = COUNT) -> list[Stall]:
    """``count`` distinct stalls: the example registry recycled with new ids and accounts."""
    base = list(load_registry(EXAMPLE))
    out = []
    for index in range(count):
        s = base[index % len(base)]
        out.append(
            Stall(
                f"{s.stall_id}-{index:04d}",
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


def peak_rss_mb() -> float:
    """This process's peak resident set in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(count: int) -> None:
    import tracemalloc

    cases = stalls(count)
    before = peak_rss_mb()
    tracemalloc.start()
    sheet = render_sheet(cases, market="Chợ Điện Biên")
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{before:.1f} {peak_rss_mb():.1f} {traced:.1f} {len(sheet.data) / 2**20:.1f}")


def memory() -> None:
    print(
        "peak memory, fresh process per count: resident set before and after the sheet, "
        "Python allocations during render_sheet (tracemalloc peak), PDF size"
    )
    for count in MEMORY_COUNTS:
        out = subprocess.run(
            [sys.executable, __file__, "--memory", str(count)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        before, peak, traced, size = (float(value) for value in out)
        print(
            f"  {count:5d} stalls: RSS {before:6.1f} -> {peak:6.1f} MB, "
            f"render_sheet peak {traced:6.1f} MB, PDF {size:5.1f} MB"
        )


def main(count: int = COUNT) -> None:
    cases_stalls = stalls(count)
    payloads = [s.payload for s in cases_stalls]
    assert len(set(payloads)) == count
    sheet_case = f"sheet (render_sheet, 2x4, {-(-count // 8)} pages)"
    cases: dict[str, Callable[[], object]] = {
        sheet_case: lambda: render_sheet(cases_stalls, market="Chợ Điện Biên"),
        "segno make_qr + PDF": segno_only(payloads, "pdf"),
        "segno make_qr only": lambda: [
            segno.make_qr(p, error="m", boost_error=False) for p in payloads
        ],
        "cashless.stalls.qr.make_qr (mixed) only": lambda: [make_qr(p) for p in payloads],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, fn in cases.items():
            start = time.process_time()
            fn()
            times[name].append(time.process_time() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    sheet = median[sheet_case]
    versions = sorted({make_qr(p).version for p in payloads})
    single = sorted({segno.make_qr(p, error="m", boost_error=False).version for p in payloads})
    print(f"{count} stalls, EC level M; versions mixed {versions}, segno single mode {single}")
    print(f"CPU seconds, median of {ROUNDS} interleaved rounds")
    for name, value in median.items():
        print(f"  {name:40s} {value:7.2f} s   sheet / this = {sheet / value:5.2f}x")
    ratio = sheet / median["segno make_qr + PDF"]
    verdict = "meets" if ratio <= 3 else "misses"
    print(f"sheet / (segno encode + PDF) = {ratio:.2f}x ({verdict} the <= 3x target)")
    memory()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        memory_child(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--memory-only"]:
        memory()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)
