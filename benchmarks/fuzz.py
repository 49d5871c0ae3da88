"""Fuzz every parser and loader of cashless with structure-aware inputs; count the outcomes.

    python benchmarks/fuzz.py --cases 1000000

Each family starts from valid inputs and damages them the way files and command lines get
damaged (a stray quote, a cut, bytes of another encoding, a control character, a huge or
deep value, a mutated image header):

- ``payload``: the payload fuzzer of ``benchmarks/fuzz_payload.py`` (every payload entry
  point: parse, is_valid, lint, the TLV decoder, ``cashless parse``);
- ``registry``: stall registry CSV and XLSX bytes through ``parse_registry``;
- ``banks``: bank directory CSV files through ``load_directory``;
- ``toml``: scenario files through ``from_toml_file`` (bytes) and ``from_toml_text``;
- ``set``: ``--set KEY=VALUE`` through the CLI's ``parse_settings`` and ``with_overrides``;
- ``image``: small PNG/JPEG photos of a stall's code, mutated, through ``verify_photos``.

Per family it prints how many inputs were distinct and the outcomes: ``ok``, each
``CashlessError`` class, ``other: <Exception>`` (a bug) and ``hang`` (a call over 2 s,
interrupted). Exit status 1 when any bug or hang was seen. ``tests/test_fuzz.py`` runs a
small sample.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fuzz_payload import only_distinct  # noqa: E402

from cashless.errors import CashlessError  # noqa: E402

HANG_SECONDS = 2.0
#: Share of the cases given to each family (the payload codec is the most exposed).
WEIGHTS = {
    "payload": 0.40,
    "registry": 0.18,
    "banks": 0.12,
    "toml": 0.12,
    "set": 0.15,
    "image": 0.03,
}
ROOT = HERE.parent


class _Hang(BaseException):
    """Raised by the alarm inside a call that ran over :data:`HANG_SECONDS`."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


# -- damage shared by the text families ------------------------------------------------

_NASTY = [
    '"',
    "'",
    ";",
    ",",
    "\n",
    "\r",
    "\x00",
    "\x1b[2J",
    "\ud800",
    "\ufeff",
    "đ",
    "Ð",
    "[" * 300,
    "]",
    "{",
    "=",
    "#",
    "9" * 4301,
    "1e308",
    "-1",
    "nan",
    "inf",
    "x" * 200_000,
]


def _damage(rng: random.Random, text: str) -> str:
    for _ in range(rng.choice((1, 1, 2, 3))):
        k = rng.randrange(len(text) + 1)
        kind = rng.randrange(7)
        if kind == 0:  # insert something nasty
            text = text[:k] + rng.choice(_NASTY) + text[k:]
        elif kind == 1:  # delete a span
            text = text[:k] + text[k + rng.randint(1, 20) :]
        elif kind == 2:  # cut the file
            text = text[:k]
        elif kind == 3:  # duplicate a line
            lines = text.splitlines(keepends=True) or [""]
            line = rng.choice(lines)
            text = text[:k] + line + text[k:]
        elif kind == 4:  # replace one character by a random one
            text = text[:k] + chr(rng.randrange(0x20, 0x2FF)) + text[k + 1 :]
        elif kind == 5:  # a number made odd
            text = text[:k] + rng.choice(["0", "-0.5", "1e20", "1000.5", "25500"]) + text[k:]
        else:  # a control character
            text = text[:k] + chr(rng.randrange(0x20)) + text[k:]
    return text


def _to_bytes(rng: random.Random, text: str) -> bytes:
    roll = rng.random()
    if roll < 0.05:
        return text.encode("utf-16", errors="surrogatepass")
    if roll < 0.10:
        return text.encode("cp1258", errors="replace")
    data = text.encode("utf-8", errors="surrogatepass")
    if roll < 0.15 and data:
        k = rng.randrange(len(data))
        data = data[:k] + bytes([rng.randrange(0x80, 0x100)]) + data[k:]
    return data


# -- the families ------------------------------------------------------------------------


class Family:
    """Inputs of one kind and the calls that take them."""

    name = ""

    def setup(self, folder: Path) -> None:
        """Prepare what every case needs (files, seeds)."""

    def cases(self, rng: random.Random, n: int) -> Iterator[Any]:
        raise NotImplementedError

    def calls(self, case: Any) -> Iterator[Callable[[], object]]:
        raise NotImplementedError


class Registry(Family):
    name = "registry"

    def setup(self, folder: Path) -> None:
        from cashless.stalls.registry import parse_registry

        self.parse = parse_registry
        text = (ROOT / "examples" / "stalls.csv").read_text(encoding="utf-8")
        self.seeds = ["\n".join(text.splitlines()[:n]) + "\n" for n in (2, 4, 12)]
        self.seeds.append(self.seeds[-1].replace(",", ";"))
        self.xlsx = self._workbook(self.seeds[1])

    @staticmethod
    def _workbook(text: str) -> bytes | None:
        try:
            from openpyxl import Workbook
        except ImportError:
            return None
        book = Workbook()
        sheet = book.active
        for line in text.splitlines():
            sheet.append(line.split(","))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def cases(self, rng: random.Random, n: int) -> Iterator[Any]:
        for _ in range(n):
            if self.xlsx is not None and rng.random() < 0.03:
                data = bytearray(self.xlsx)
                for _ in range(rng.randint(1, 4)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
                yield ("x.xlsx", bytes(data))
                continue
            text = _damage(rng, rng.choice(self.seeds))
            yield ("x.csv", _to_bytes(rng, text) if rng.random() < 0.5 else text)

    def calls(self, case: Any) -> Iterator[Callable[[], object]]:
        source, data = case
        yield lambda: self.parse(data, source=source)
        yield lambda: self.parse(data, source=source, skip_bad=True)


class Banks(Family):
    name = "banks"

    def setup(self, folder: Path) -> None:
        from cashless.banks.directory import load_directory

        self.load = load_directory
        self.path = folder / "banks.csv"
        text = (ROOT / "src" / "cashless" / "banks" / "banks.csv").read_text(encoding="utf-8")
        lines = text.splitlines()
        self.seeds = ["\n".join(lines[:n]) + "\n" for n in (2, 6, 30)]

    def cases(self, rng: random.Random, n: int) -> Iterator[Any]:
        for _ in range(n):
            yield _to_bytes(rng, _damage(rng, rng.choice(self.seeds)))

    def calls(self, case: Any) -> Iterator[Callable[[], object]]:
        def load() -> object:
            self.path.write_bytes(case)
            return self.load(self.path)

        yield load


class Toml(Family):
    name = "toml"

    def setup(self, folder: Path) -> None:
        from cashless.sim.scenario import PRESETS, from_toml_file, from_toml_text, preset, to_toml

        self.text, self.file = from_toml_text, from_toml_file
        self.path = folder / "s.toml"
        self.seeds = [to_toml(preset(name)) for name in PRESETS]
        self.seeds.append('name = "mine"\n[payments]\nqr_share = 0.7\n')
        # Sections and their lines, to make the short files users write (and fast cases).
        self.sections: list[tuple[str, list[str]]] = []
        for line in self.seeds[0].splitlines():
            if line.startswith("["):
                self.sections.append((line, []))
            elif " = " in line and self.sections:
                self.sections[-1][1].append(line)

    def _short(self, rng: random.Random) -> str:
        parts = []
        for head, lines in rng.sample(self.sections, k=min(len(self.sections), rng.randint(1, 3))):
            chosen = rng.sample(lines, k=min(len(lines), rng.randint(1, 6))) if lines else []
            parts.append("\n".join([head, *chosen]))
        return "\n".join(parts) + "\n"

    def cases(self, rng: random.Random, n: int) -> Iterator[Any]:
        for _ in range(n):
            text = rng.choice(self.seeds) if rng.random() < 0.05 else self._short(rng)
            if rng.random() < 0.6:  # a value replaced: the bounds of the scenario
                lines = text.splitlines()
                k = rng.randrange(len(lines))
                key, sep, _ = lines[k].partition(" = ")
                if sep:
                    lines[k] = f"{key} = {_value(rng)}"
                text = "\n".join(lines) + "\n"
            if rng.random() < 0.5:
                text = _damage(rng, text)
            yield _to_bytes(rng, text) if rng.random() < 0.3 else text

    def calls(self, case: Any) -> Iterator[Callable[[], object]]:
        if isinstance(case, bytes):

            def load() -> object:
                self.path.write_bytes(case)
                return self.file(self.path)

            yield load
        else:
            yield lambda: self.text(case)


def _value(rng: random.Random) -> str:
    """A TOML literal a user might give: odd numbers, text, arrays, deep nesting."""
    roll = rng.randrange(12)
    if roll == 0:
        return str(rng.choice([0, -1, 1, 999, 1000, 25_500, 10**19, 2**63, -(2**63)]))
    if roll == 1:
        return repr(rng.choice([0.0, -0.0, 1e-300, 1e308, 0.5, 24.0, 3e5, 1e20, 1e5]))
    if roll == 2:
        return rng.choice(["nan", "inf", "-inf", "+nan"])
    if roll == 3:
        return rng.choice(["true", "false", '"text"', "'x'", '""'])
    if roll == 4:
        depth = rng.choice([1, 2, 3, 40, 2000])
        return "[" * depth + "]" * depth
    if roll == 5:
        return f"[[{rng.randint(-10, 10**6)}, {rng.randint(-10, 10**6)}]]"
    if roll == 6:
        return "[" + ", ".join(str(rng.random()) for _ in range(rng.randint(0, 12))) + "]"
    if roll == 7:
        return "{a = 1}"
    if roll == 8:
        return str(rng.uniform(-10, 10))
    if roll == 9:
        return str(rng.randint(0, 10**6))
    if roll == 10:
        return "9" * rng.choice([20, 400, 4301])
    return rng.choice(["", "=", "[", "1979-05-27", '"\\x1b"', '"\\ud800"'])


class Settings(Family):
    name = "set"

    def setup(self, folder: Path) -> None:
        from cashless.cli.options import parse_settings
        from cashless.sim.scenario import parameter_table, preset, with_overrides

        self.parse, self.override = parse_settings, with_overrides
        self.base = preset("dien-bien")
        self.keys = [row["key"] for row in parameter_table(self.base)]
        self.keys += ["name", "x", "payments.bogus", "categories.nosuch.stalls", "a..b", ""]

    def cases(self, rng: random.Random, n: int) -> Iterator[Any]:
        for _ in range(n):
            items = []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                key = rng.choice(self.keys)
                if rng.random() < 0.1:
                    key = _damage(rng, key)
                items.append(f"{key}={_value(rng)}" if rng.random() < 0.97 else key)
            yield tuple(items)

    def calls(self, case: Any) -> Iterator[Callable[[], object]]:
        yield lambda: self.override(self.base, self.parse(list(case)))


class Images(Family):
    name = "image"

    def setup(self, folder: Path) -> None:
        from cashless.stalls.qr import make_qr, to_image
        from cashless.stalls.registry import parse_registry
        from cashless.stalls.verify import verify_photos

        self.verify = verify_photos
        text = (ROOT / "examples" / "stalls.csv").read_text(encoding="utf-8")
        self.registry = parse_registry("\n".join(text.splitlines()[:3]) + "\n")
        stall = next(iter(self.registry))
        symbol = to_image(make_qr(stall.payload), scale=3)
        self.seeds = []
        for fmt in ("PNG", "JPEG"):
            out = io.BytesIO()
            symbol.convert("L").save(out, format=fmt)
            self.seeds.append((fmt.lower(), out.getvalue()))
        self.folder = folder

    def cases(self, rng: random.Random, n: int) -> Iterator[Any]:
        for _ in range(n):
            kind, data = rng.choice(self.seeds)
            buf = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                roll = rng.randrange(4)
                k = rng.randrange(min(len(buf), 64 if rng.random() < 0.6 else len(buf)))
                if roll == 0:
                    buf[k] = rng.randrange(256)
                elif roll == 1:
                    del buf[k : k + rng.randint(1, 16)]
                elif roll == 2:
                    buf[k:k] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
                else:  # a header size field blown up
                    buf[k : k + 4] = b"\xff\xff\xff\x7f"
                if not buf:
                    buf = bytearray(b"\x89PNG")
            yield (kind, bytes(buf))

    def calls(self, case: Any) -> Iterator[Callable[[], object]]:
        kind, data = case
        path = self.folder / f"A01.{kind}"

        def check() -> object:
            path.write_bytes(data)
            return self.verify([path], self.registry)

        yield check


# -- the runner ------------------------------------------------------------------------


def _digest(case: Any) -> bytes:
    text = repr(case).encode("utf-8", errors="surrogatepass")
    return hashlib.blake2b(text, digest_size=8).digest()


def run_family(family: Family, n: int, seed: int) -> Counter[str]:
    """``n`` cases of ``family`` through its calls; outcome counts and ``distinct``."""
    counts: Counter[str] = Counter()
    seen: set[bytes] = set()
    for case in only_distinct(family.cases(random.Random(seed), 20 * n), n):
        counts["cases"] += 1
        seen.add(_digest(case))
        for call in family.calls(case):
            counts["calls"] += 1
            counts[_outcome(call)] += 1
    counts["distinct"] = len(seen)
    return counts


def _outcome(call: Callable[[], object]) -> str:
    start = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS + 0.5)
    try:
        call()
    except _Hang:
        return "hang"
    except CashlessError as exc:
        outcome = type(exc).__name__
    except ImportError as exc:
        outcome = f"missing extra ({exc.name})"
    except Exception as exc:  # the point: anything else is a bug
        outcome = f"other: {type(exc).__name__}: {str(exc)[:60]}"
    else:
        outcome = "ok"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return "hang" if time.perf_counter() - start > HANG_SECONDS else outcome


def run_payload(n: int, seed: int) -> Counter[str]:
    """The payload family, from ``benchmarks/fuzz_payload.py``."""
    from fuzz_payload import run

    counts = run(n, seed)
    counts["distinct"] = counts["cases"]  # fuzz_payload.cases yields distinct payloads only
    return counts


FAMILIES: dict[str, type[Family]] = {
    "registry": Registry,
    "banks": Banks,
    "toml": Toml,
    "set": Settings,
    "image": Images,
}


def run_all(
    total: int, seed: int, *, only: list[str] | None = None, progress: bool = False
) -> dict[str, Counter[str]]:
    """Every family (or ``only`` those) with its share of ``total`` cases."""
    results: dict[str, Counter[str]] = {}
    names = only or list(WEIGHTS)
    with tempfile.TemporaryDirectory(prefix="cashless-fuzz-") as folder:
        for name in names:
            n = max(1, round(total * WEIGHTS[name] / sum(WEIGHTS[k] for k in names)))
            start = time.perf_counter()
            if name == "payload":
                counts = run_payload(n, seed)
            else:
                family = FAMILIES[name]()
                family.setup(Path(folder))
                counts = run_family(family, n, seed)
            counts["seconds"] = round(time.perf_counter() - start)
            results[name] = counts
            if progress:
                print(report({name: counts}).rsplit("\n", 1)[0], flush=True)
    return results


def bugs(results: dict[str, Counter[str]]) -> int:
    """Calls that ended in a non-``CashlessError`` exception or ran over 2 s."""
    return sum(
        value
        for counts in results.values()
        for key, value in counts.items()
        if key.startswith("other") or key == "hang"
    )


def report(results: dict[str, Counter[str]]) -> str:
    lines = []
    totals: Counter[str] = Counter()
    for name, counts in results.items():
        totals.update({k: counts[k] for k in ("cases", "distinct", "calls")})
        head = (
            f"{name}: {counts['cases']:,} cases ({counts['distinct']:,} distinct), "
            f"{counts['calls']:,} calls, {counts['seconds']:,} s"
        )
        lines.append(head)
        skip = {"cases", "distinct", "calls", "seconds"}
        for key, value in sorted(counts.items(), key=lambda kv: -kv[1]):
            if key not in skip:
                lines.append(f"  {key:<60} {value:>10,}")
    lines.append(
        f"total: {totals['cases']:,} cases ({totals['distinct']:,} distinct), "
        f"{totals['calls']:,} calls; {bugs(results):,} bugs or hangs"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--cases", type=int, default=20_000, help="inputs in all (default 20,000)")
    cli.add_argument("--seed", type=int, default=20261203)
    cli.add_argument("--only", action="append", choices=list(WEIGHTS), help="one family")
    args = cli.parse_args(argv)
    signal.signal(signal.SIGALRM, _alarm)
    results = run_all(args.cases, args.seed, only=args.only, progress=True)
    print(report(results).rsplit("\n", 1)[1])
    return 1 if bugs(results) else 0


if __name__ == "__main__":
    sys.exit(main())
