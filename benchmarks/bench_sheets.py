"""A 2,000-stall sheet against segno alone encoding and rendering the same 2,000 codes.

The sheet case is the whole of :func:`cashless.stalls.sheet.stream_sheet`, what
``cashless sheet`` runs: mixed-segment encoding, vector QR drawing, text layout with an
embedded font subset, cut marks, the PDF and its manifest written to files.
:func:`~cashless.stalls.sheet.render_sheet` (the same PDF in memory, as the web page
serves it) is timed beside it. The baselines are segno by itself, in the same process, on the
same payloads: ``segno.make_qr(payload, error="m", boost_error=False)`` (one mode
for the whole string, as segno picks it) followed by segno's own PDF writer into memory
(vector output on both sides; segno's SVG and PNG writers cost about the same). The
encode-only line shows the share of the project's mixed-segment encoder. Target: sheet
<= 3x the segno + PDF baseline.

CPU time (``process_time``), cases interleaved, median of ``--rounds`` rounds. Memory
(issue 12: flat in stall count) of ``stream_sheet``, each stall count of ``--counts`` in a
fresh process, the stalls made first: the peak resident set (``VmHWM``) then, after a
one-card sheet (imports, fonts) and after the sheet of that many stalls, all without
tracing; then the same sheet again under ``tracemalloc``: the peak of Python allocations
while it is written, and what is still allocated afterwards.
Run: ``.venv/bin/python benchmarks/bench_sheets.py [COUNT]`` (about 10 minutes on 2
cores; ``--memory-only`` about 4.5). ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import segno

from cashless.stalls.qr import make_qr
from cashless.stalls.registry import Stall, load_registry
from cashless.stalls.sheet import render_sheet, stream_sheet

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
    """This process's peak resident set in MB.

    Linux's ``VmHWM`` where there is one: ``ru_maxrss`` survives ``exec``, so a child
    would report its parent's peak as its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def memory_child(count: int) -> None:
    """Print the memory figures of one stall count (run in a fresh process)."""
    import gc
    import tracemalloc

    cases = stalls(count)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "stalls.pdf"
        start = peak_rss_mb()
        stream_sheet(cases[:1], target, market="Chợ Điện Biên")
        warm = peak_rss_mb()
        stream_sheet(cases, target, market="Chợ Điện Biên")
        after = peak_rss_mb()
        gc.collect()
        tracemalloc.start()
        stream_sheet(cases, target, market="Chợ Điện Biên")
        traced = tracemalloc.get_traced_memory()[1]
        gc.collect()  # fpdf2's document is in reference cycles: count what is left
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        size = target.stat().st_size
    mb = 2**20
    print(f"{start:.1f} {warm:.1f} {after:.1f} {traced / mb:.2f} {kept / mb:.2f} {size / mb:.2f}")


def memory(counts: tuple[int, ...] = MEMORY_COUNTS) -> None:
    print(
        "memory of stream_sheet, fresh process per count, stalls made first: peak resident "
        "set then, after a one-card sheet and after the sheet; peak while writing "
        "(tracemalloc, warm), what is left after it, PDF size"
    )
    rows = []
    for count in counts:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(count)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        start, warm, after, traced, kept, size = (float(value) for value in out)
        rows.append((count, after, traced, size))
        print(
            f"  {count:5d} stalls: RSS {start:6.1f} -> {warm:6.1f} -> {after:6.1f} MB, "
            f"stream_sheet peak {traced:6.2f} MB, left {kept:5.2f} MB, PDF {size:5.2f} MB"
        )
    if len(rows) > 1:
        (n0, rss0, peak0, pdf0), (n1, rss1, peak1, pdf1) = rows[0], rows[-1]
        per = 1024 / (n1 - n0)
        print(
            f"  growth per stall from {n0} to {n1}: RSS {(rss1 - rss0) * per:.1f} KB, "
            f"stream_sheet peak {(peak1 - peak0) * per:.1f} KB, PDF {(pdf1 - pdf0) * per:.1f} KB"
        )


def main(count: int = COUNT, rounds: int = ROUNDS) -> None:
    cases_stalls = stalls(count)
    payloads = [s.payload for s in cases_stalls]
    assert len(set(payloads)) == count
    sheet_case = f"sheet (stream_sheet, 2x4, {-(-count // 8)} pages)"
    folder = tempfile.TemporaryDirectory()  # the sheet and its manifest, written each round
    target = Path(folder.name) / "stalls.pdf"
    cases: dict[str, Callable[[], object]] = {
        sheet_case: lambda: stream_sheet(cases_stalls, target, market="Chợ Điện Biên"),
        "render_sheet (the same PDF, in memory)": lambda: render_sheet(
            cases_stalls, market="Chợ Điện Biên"
        ),
        "segno make_qr + PDF": segno_only(payloads, "pdf"),
        "segno make_qr only": lambda: [
            segno.make_qr(p, error="m", boost_error=False) for p in payloads
        ],
        "cashless.stalls.qr.make_qr (mixed) only": lambda: [make_qr(p) for p in payloads],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    with folder:
        for _ in range(rounds):
            for name, fn in cases.items():
                start = time.process_time()
                fn()
                times[name].append(time.process_time() - start)
    median = {name: statistics.median(values) for name, values in times.items()}
    sheet = median[sheet_case]
    versions = sorted({make_qr(p).version for p in payloads})
    single = sorted({segno.make_qr(p, error="m", boost_error=False).version for p in payloads})
    print(f"{count} stalls, EC level M; versions mixed {versions}, segno single mode {single}")
    print(f"CPU seconds, median of {rounds} interleaved rounds")
    for name, value in median.items():
        print(f"  {name:40s} {value:7.2f} s   sheet / this = {sheet / value:5.2f}x")
    ratio = sheet / median["segno make_qr + PDF"]
    verdict = "meets" if ratio <= 3 else "misses"
    print(f"sheet / (segno encode + PDF) = {ratio:.2f}x ({verdict} the <= 3x target)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=COUNT, help="stalls timed (2000)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timing rounds (2)")
    parser.add_argument(
        "--counts",
        default=",".join(map(str, MEMORY_COUNTS)),
        help="stall counts whose memory is measured, comma-separated (250,500,1000,2000)",
    )
    parser.add_argument("--memory-only", action="store_true", help="measure memory only")
    parser.add_argument("--time-only", action="store_true", help="measure time only")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        sys.exit()
    if not args.memory_only:
        main(args.count, args.rounds)
    if not args.time_only:
        memory(tuple(int(part) for part in args.counts.split(",") if part.strip()))
