"""Structure-aware payload fuzzing: valid payloads built, then damaged the ways tools damage them.

``cases(rng, n)`` yields ``n`` payload strings: lengths off by one (with and without a
CRC that matches), truncation, swapped, repeated and dropped objects, a wrong or
lowercase CRC, non-ASCII text and byte-counted lengths, lone surrogates and control
characters, deep nesting, huge declared lengths and sizes, junk. ``run(n)`` feeds each
through ``parse``, ``is_valid``, ``lint``, ``emv.decode`` and the CLI's ``parse``
handler and counts outcomes: ``ok``, each ``CashlessError`` class, any other exception
(a bug) and calls over 2 s (a hang). ``benchmarks/fuzz.py`` imports both; the suite runs
a small sample (tests/test_robustness.py).

Run alone: ``.venv/bin/python benchmarks/fuzz_payload.py --cases 100000 --seed 1``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from cashless.errors import CashlessError
from cashless.payload import emv
from cashless.payload.lint import lint
from cashless.payload.vietqr import VietQR, is_valid, parse

__all__ = ["SEEDS", "cases", "run"]

HANG_SECONDS = 2.0

_FOREIGN = [
    "00020101021129370016A000000677010111011300668012345675802TH530376463046197",
    "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER"
    "6005HANOI62260311MY PHAM HER0707MPHER0163041C50",
    "00020101021126570011ID.DANA.WWW011893600915303023251702090302325170303UMI51440014"
    "ID.CO.QRIS.WWW0215ID10265294489570303UMI5204737253033605802ID5914Raol Mukarrozi"
    "6015Kota Banjar Bar6105707316304E0BD",
]
_TEXT = "0189AZaz .-~éếĐư中🙂"
_NASTY = [
    "\x00",
    "\x1b",
    "\x1b[2J",
    "\x7f",
    "\x9b",
    "\ud800",
    "\udcff",
    "\u2028",
    "\ufeff",
    "\u0301",
]


def _seed_payloads(rng: random.Random) -> list[str]:
    """Valid payloads of every layout the codec builds, plus foreign ones."""
    codes = [
        VietQR(bin="970436", account="0011001234567"),
        VietQR(bin="970415", account="113366668888", amount=79000, purpose="Ung Ho Quy Vac Xin"),
        VietQR(bin="970403", account="9704031101234567", service="QRIBFTTC", amount=180000),
        VietQR(bin="970422", account="V3CASLRPR13MT76", service="QRPUSH", mcc="5812"),
        VietQR(
            bin="970422",
            account="0123456789",
            amount=185000,
            bill_number="HD0001",
            store_label="QUAY 12",
            merchant_name="Đặng Thị Hương",
            merchant_city="Thanh Hóa",
        ).with_language_template(),
        VietQR(bin="970436", account="1", extra=(("80", "046"),), dynamic=False, amount=5),
    ]
    built = [code.build() for code in codes]
    built += [_random_code(rng) for _ in range(6)]
    return built + _FOREIGN


def _random_code(rng: random.Random) -> str:
    """A valid VietQR with random fields, so that cases rarely repeat."""
    code = VietQR(
        bin=f"{rng.randrange(10**6):06d}",
        account="".join(rng.choices("0123456789ABCxyz", k=rng.randint(1, 19))),
        service=rng.choice(["QRIBFTTA", "QRIBFTTA", "QRPUSH", "QRCASH"]),
        amount=rng.choice([None, rng.randint(1, 10**12)]),
        purpose=rng.choice([None, "".join(rng.choices(_TEXT, k=rng.randint(1, 25)))]),
        merchant_name=rng.choice([None, "Chợ Điện Biên", "".join(rng.choices(_TEXT, k=9))]),
        dynamic=rng.choice([None, True, False]),
    )
    try:
        return code.build()
    except CashlessError:  # text that folds to nothing: leave it out
        return dataclasses.replace(code, purpose=None, merchant_name=None).build()


SEEDS: list[str] = _seed_payloads(random.Random(0))


def _objects(payload: str) -> list[emv.DataObject]:
    return list(emv.decode(payload, check_crc=False).walk())


def _mutate(rng: random.Random, payload: str) -> str:
    kind = rng.randrange(18)
    body = payload[:-8]
    if kind == 0:  # a length off by one, CRC recomputed (or not)
        at = rng.choice(_objects(payload)).position + 2
        size = (int(payload[at : at + 2]) + rng.choice((-1, 1))) % 100
        mutated = payload[:at] + f"{size:02d}" + payload[at + 2 :]
        return emv.with_crc(mutated[:-8]) if rng.random() < 0.5 else mutated
    if kind == 1:  # truncation
        return payload[: rng.randrange(len(payload))]
    if kind == 2:  # root objects swapped, dropped or repeated, CRC recomputed
        root = [(o.tag, o.value) for o in emv.decode(payload, check_crc=False).objects[:-1]]
        action = rng.randrange(3)
        if action == 0 and len(root) > 1:
            i, j = rng.sample(range(len(root)), 2)
            root[i], root[j] = root[j], root[i]
        elif action == 1 and root:
            root.pop(rng.randrange(len(root)))
        elif root:
            root.insert(rng.randrange(len(root) + 1), rng.choice(root))
        return emv.with_crc(emv.encode(root))
    if kind == 3:  # a wrong CRC
        return payload[:-4] + "".join(rng.choices("0123456789ABCDEFabcdefXZ", k=4))
    if kind == 4:  # a lowercase CRC
        return payload[:-4] + payload[-4:].lower()
    if kind == 5:  # non-ASCII text, lengths counted in characters (valid structure)
        at = rng.randrange(len(body) + 1)
        text = "".join(rng.choices(_TEXT, k=rng.randint(1, 8)))
        return emv.with_crc(
            body[:at] + emv.tlv(rng.choice(["62", "64", "80", "59"]), text) + body[at:]
        )
    if kind == 6:  # byte-counted lengths (PHP strlen): UTF-8 text, the length in bytes
        text = "".join(rng.choices("Thịt bò phở Đà Lạt", k=rng.randint(2, 20)))
        size = min(len(text.encode()), 99)
        return emv.with_crc(body + "62" + f"{size + 4:02d}" + "08" + f"{size:02d}" + text)
    if kind == 7:  # lone surrogates and control characters, anywhere
        at = rng.randrange(len(payload) + 1)
        return payload[:at] + rng.choice(_NASTY) + payload[at:]
    if kind == 8:  # deep nesting: templates in templates, as far as 99 characters allow
        inner = emv.tlv("00", "A000000727")
        for _ in range(rng.randint(2, 40)):
            wrapped = emv.tlv(rng.choice(["01", "50", "62", "38"]), inner)
            if len(wrapped) > 99:
                break
            inner = wrapped
        return emv.with_crc(body + "38" + f"{len(inner) % 100:02d}" + inner)
    if kind == 9:  # huge declared lengths and huge payloads
        choice = rng.randrange(3)
        if choice == 0:
            return body + "6299" + "x" * rng.randrange(120)
        if choice == 1:
            return payload * rng.randint(2, 40)
        return "00" * rng.randint(300, 1500)
    if kind == 10:  # one character replaced
        at = rng.randrange(len(payload))
        return payload[:at] + rng.choice(_TEXT + "\x1b") + payload[at + 1 :]
    if kind == 11:  # one character inserted or deleted
        at = rng.randrange(len(payload))
        if rng.random() < 0.5:
            return payload[:at] + payload[at + 1 :]
        return payload[:at] + rng.choice(_TEXT) + payload[at:]
    if kind == 12:  # junk around a valid payload
        return (
            rng.choice(["", " ", "\n", "\ufeff", "https://x/?q="])
            + payload
            + rng.choice(["", " ", "\n"])
        )
    if kind == 13:  # a nested object's value replaced by random TLV-looking text
        obj = rng.choice(_objects(payload))
        junk = "".join(rng.choices("0123456789", k=rng.randint(0, 12)))
        start = obj.position + 4
        return emv.with_crc((payload[:start] + junk + payload[start + len(obj.value) :])[:-8])
    if kind == 14:  # service codes and sub-IDs moved inside 38.01
        return emv.with_crc(body.replace("01130011", "01250011", 1).replace("0208QRIB", "0208QRIB"))
    if kind == 15:  # random digits
        return "".join(rng.choices("0123456789", k=rng.randint(0, 200)))
    if kind == 16:  # random printable text with a valid CRC
        text = "".join(rng.choices(_TEXT, k=rng.randint(0, 120)))
        return emv.with_crc("000201" + text)
    return payload  # unchanged: the valid path is exercised too


def only_distinct(source: Iterable[Any], n: int) -> Iterator[Any]:
    """The first ``n`` distinct items of ``source`` (by a short hash of their ``repr``).

    >>> list(only_distinct(iter("aabac"), 3))
    ['a', 'b', 'c']
    """
    if n <= 0:
        return
    seen: set[bytes] = set()
    for item in source:
        digest = hashlib.blake2b(
            repr(item).encode("utf-8", errors="surrogatepass"), digest_size=8
        ).digest()
        if digest in seen:
            continue
        seen.add(digest)
        yield item
        if len(seen) == n:
            return


def cases(rng: random.Random, n: int) -> Iterator[str]:
    """``n`` distinct structure-aware payload mutations drawn with ``rng``."""
    # Drawing up to 20n gives n distinct cases: about 1 in 3 draws repeats an earlier one.
    return only_distinct(_draws(rng, 20 * n), n)


def _draws(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        payload = rng.choice(SEEDS) if rng.random() < 0.4 else _random_code(rng)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):  # sometimes damage twice or more
            try:
                payload = _mutate(rng, payload)
            except (ValueError, IndexError):  # CashlessError included
                break  # a mutation needing a decodable (or non-empty) payload: keep this one
        yield payload


def _cli_parse(payload: str) -> object:
    from cashless.cli.payments import _parse

    with contextlib.redirect_stdout(io.StringIO()):
        return _parse(argparse.Namespace(payload=payload, profile="napas"))


CALLS: dict[str, Callable[[str], object]] = {
    "parse": parse,
    "parse-strict": lambda p: parse(p, profile="strict"),
    "is_valid": is_valid,
    "lint": lint,
    "emv.decode": emv.decode,
    "cli parse": _cli_parse,
}


def run(n: int, seed: int = 20261203) -> Counter[str]:
    """Feed ``n`` cases through every payload entry point; count the outcomes.

    Keys: ``ok``, the ``CashlessError`` class names, ``other: <Exception>`` (a bug) and
    ``hang`` (a call over 2 s); ``cases`` and ``calls`` are totals.
    """
    counts: Counter[str] = Counter()
    for payload in cases(random.Random(seed), n):
        counts["cases"] += 1
        for call in CALLS.values():
            counts["calls"] += 1
            start = time.perf_counter()
            try:
                call(payload)
            except CashlessError as exc:
                counts[type(exc).__name__] += 1
            except Exception as exc:  # the point: anything else is a bug
                counts[f"other: {type(exc).__name__}"] += 1
            else:
                counts["ok"] += 1
            if time.perf_counter() - start > HANG_SECONDS:
                counts["hang"] += 1
    return counts


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--cases", type=int, default=100_000)
    cli.add_argument("--seed", type=int, default=20261203)
    args = cli.parse_args()
    start = time.perf_counter()
    counts = run(args.cases, args.seed)
    elapsed = time.perf_counter() - start
    for key, value in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"{key:<28} {value:>10,}")
    bad = sum(v for k, v in counts.items() if k.startswith("other") or k == "hang")
    print(f"{elapsed:.1f} s; {'0 bugs' if not bad else f'{bad} BUGS'}")


if __name__ == "__main__":
    main()
