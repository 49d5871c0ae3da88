"""Check photographed stall codes: catch swapped or pasted-over stickers.

Every code in each photo is decoded (zxing-cpp: QR codes and Micro QR card codes), and each
payment code is judged on **what it pays** (BIN, account, service code, and the fixed amount
when the registry has one), against the stall the photo is tied to:

``ok``
    the code pays an accepted account of that stall (whatever else it carries: a code the
    bank printed, without the merchant name, is ``ok`` with the note "bank-issued code").
``mismatch``
    it pays something else; the record names the stall, the account the code really pays,
    its bank and the holder name the code carries (a lookalike holder name is flagged).
``unknown``
    the photo is tied to no stall and the code pays an account no stall has.
``not-vietqr``
    a code that is not a valid VietQR payload (another scheme, a URL, a bad CRC).
``unreadable``
    no code could be read, or the file could not be read as an image: the reason says what
    to do ("blurry: take it again, closer").

A photo is tied to a stall by, in this order:

1. the **card code** in the photo (:mod:`cashless.stalls.cardcode`): with the market key
   its tag is checked against the stall's accepted payloads, so a payment code that the
   card does not vouch for is a swap, whatever the file is called;
2. ``expect``: a stall id or printed check code given by the caller (``--stall A12``);
3. the file name (``A12.jpg``, ``A12_2.jpg``), else the folder (``A12/IMG_0001.jpg``);
   a name that looks like a stall id but matches none is flagged.

An untied photo is judged by its code alone, marked and counted. One foreign account found
at two or more stalls in one batch is a **cluster** (one gang, one night).

>>> from cashless.stalls.registry import parse_registry
>>> from cashless.stalls.qr import make_qr, to_image
>>> registry = parse_registry("stall_id,stall_name,vendor_name,bank,account\\n"
...                          "A01,Rau,Lan,VCB,0011001234567\\nA02,Thịt,Hà,ACB,257678859\\n")
>>> photo = to_image(make_qr(registry["A02"].payload), scale=4)
>>> [(r.verdict, r.stall, r.tied_by) for r in verify_image(photo, registry, lang="en")]
[('ok', 'A02', '')]
>>> (record,) = verify_image(photo, registry, expected=registry["A01"], lang="en")
>>> record.verdict, record.stall, record.found_stall, record.account
('mismatch', 'A01', 'A02', '257678859')
>>> record.reason
"stall A01: this is stall A02's code (ACB 257678859): codes swapped"
"""

from __future__ import annotations

import ctypes
import difflib
import hashlib
import io
import os
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashless.errors import (
    CashlessError,
    NotVietQRError,
    UnknownStallError,
    UsageError,
    require_extra,
)

require_extra("verify", "zxingcpp", "PIL", "segno")

from cashless.banks import bank_label  # noqa: E402
from cashless.payload.text import fold  # noqa: E402
from cashless.payload.vietqr import VietQR, parse  # noqa: E402
from cashless.stalls.cardcode import CardCode, Keyring, parse_card_code  # noqa: E402
from cashless.stalls.messages import language, say  # noqa: E402
from cashless.stalls.registry import Registry, Stall, check_code, pays_as  # noqa: E402

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_FRAMES",
    "MAX_PIXELS",
    "VERDICTS",
    "Batch",
    "Cluster",
    "Record",
    "check_photos",
    "expected_stall",
    "judge",
    "read_photo_codes",
    "verify_image",
    "verify_photos",
]

VERDICTS = ("ok", "mismatch", "unknown", "not-vietqr", "unreadable")
#: Suffixes of a few common image files; a folder is searched by content, not by suffix.
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic", ".heif", ".avif"}
)
#: Pixels decoded per frame at most (a 48 MP phone photo fits; a decompression bomb does not).
MAX_PIXELS = 64_000_000
#: Frames searched in a multi-frame image (GIF, TIFF, HEIF sequences).
MAX_FRAMES = 16
# A JPEG is decoded in grey, at the smallest 1/2, 1/4 or 1/8 scale keeping this many pixels
# on its long side: codes stay readable and a 12 MP photo costs a quarter of the memory.
_DRAFT_LONG_SIDE = 2000
_SEPARATORS = re.compile(r"[_\-. ]")
_STALL_SHAPE = re.compile(r"([^\W\d_]*)(\d*)([^\W\d_]*)")


@dataclass(frozen=True)
class Record:
    """The verdict on one code (or on a photo where no code could be read).

    ``stall`` is the stall the photo is tied to (or, untied, the stall the code belongs
    to); ``found_stall`` the stall whose accepted account the code pays, if any; ``bin``,
    ``bank`` (short name), ``account``, ``amount`` and ``holder`` what the code carries.
    ``tied_by`` is ``card``, ``stall``, ``name``, ``folder`` or ``""`` (untied); ``notes``
    stable keys (``bank-issued``, ``lookalike``, ``cluster``, ``untied``, ...) whose words
    are in ``reason``, in the language asked for.
    """

    photo: str
    index: int
    verdict: str
    stall: str | None = None
    found_stall: str | None = None
    bin: str | None = None
    bank: str | None = None
    account: str | None = None
    amount: int | None = None
    holder: str | None = None
    check_code: str | None = None
    payload: str | None = None
    reason: str = ""
    tied_by: str = ""
    card_code: str | None = None
    notes: tuple[str, ...] = ()
    cluster: int | None = None
    photo_sha256: str | None = None
    frame: int = 0

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dict of every field."""
        out = asdict(self)
        out["notes"] = list(self.notes)
        return out

    def noted(self, note: str, text: str) -> Record:
        """This record with one more note and its words appended to the reason."""
        return replace(self, notes=(*self.notes, note), reason=f"{self.reason}; {text}")


@dataclass(frozen=True)
class Cluster:
    """One foreign account found at two or more stalls in one batch."""

    number: int
    bin: str
    bank: str
    account: str
    holder: str | None
    stalls: tuple[str, ...]
    photos: tuple[str, ...]


@dataclass(frozen=True)
class Batch:
    """Everything one check of many photos found."""

    records: tuple[Record, ...]
    skipped: tuple[tuple[str, str], ...]
    clusters: tuple[Cluster, ...]
    photos: int
    untied: int

    @property
    def all_ok(self) -> bool:
        return bool(self.records) and all(r.verdict == "ok" for r in self.records)


# ---------------------------------------------------------------------------------------
# judging one decoded text


def _same_account(code: VietQR, registered: VietQR) -> bool:
    return code.bin == registered.bin and code.account == registered.account


def _lookalike(holder: str | None, registered: str) -> bool:
    """A holder name close to, but not, the registered one: same given name, other surname,
    or a one-letter change."""
    if not holder:
        return False
    mine = fold(registered).upper().split()
    theirs = fold(holder).upper().split()
    if not mine or not theirs or mine == theirs:
        return False
    if mine[-1] == theirs[-1]:
        return True
    return difflib.SequenceMatcher(None, " ".join(mine), " ".join(theirs)).ratio() >= 0.85


class _Judge:
    """The registry seen as accepted codes, parsed once."""

    def __init__(self, registry: Registry, keyring: Keyring | None, lang: str) -> None:
        self.registry = registry
        self.keyring = keyring
        self.lang = lang
        self.accepted: dict[str, list[tuple[str, VietQR]]] = {}
        for stall in registry:
            payloads = (keyring.accepted.get(stall.stall_id) if keyring else None) or (
                stall.payload,
            )
            self.accepted[stall.stall_id] = [(p, parse(p)) for p in payloads]
        self._shapes = {_shape(stall.stall_id) for stall in registry}

    def owner(self, code: VietQR) -> tuple[Stall | None, bool]:
        """The stall whose accepted code this pays (exactly, or same account only)."""
        by_account = None
        for stall in self.registry:
            for _, registered in self.accepted[stall.stall_id]:
                if pays_as(code, registered):
                    return stall, True
                if by_account is None and _same_account(code, registered):
                    by_account = stall
        return by_account, False

    def looks_like_stall(self, name: str) -> bool:
        return bool(name) and _shape(name) in self._shapes

    def say(self, key: str, **fields: object) -> str:
        return say(key, self.lang, **fields)

    def judge(self, payload: str, expected: Stall | None) -> Record:
        expected_id = expected.stall_id if expected else None
        try:
            code = parse(payload)
        except NotVietQRError as exc:
            reason = self.say("verify.not_vietqr", detail=f"{exc.scheme}: {exc.reason}")
            return Record("", 0, "not-vietqr", stall=expected_id, payload=payload, reason=reason)
        except CashlessError as exc:
            reason = self.say("verify.not_vietqr", detail=str(exc))
            return Record("", 0, "not-vietqr", stall=expected_id, payload=payload, reason=reason)
        bank = bank_label(code.bin)
        holder = code.merchant_name or self.say("verify.no_holder")
        owner, pays = self.owner(code)
        base = Record(
            "",
            0,
            "ok",
            stall=expected_id,
            found_stall=owner.stall_id if owner and pays else None,
            bin=code.bin,
            bank=bank,
            account=code.account,
            amount=code.amount,
            holder=code.merchant_name,
            check_code=check_code(payload),
            payload=payload,
        )
        target = expected or (owner if owner else None)
        if target is None:
            reason = self.say("verify.unknown", bank=bank, account=code.account, holder=holder)
            return replace(base, verdict="unknown", reason=reason)
        accepted = self.accepted[target.stall_id]
        if any(pays_as(code, registered) for _, registered in accepted):
            stall = target.stall_id
            key = "verify.ok" if expected else "verify.ok.untied"
            record = replace(
                base, stall=stall, found_stall=stall, reason=self.say(key, stall=stall)
            )
            if payload not in {p for p, _ in accepted}:
                record = record.noted("bank-issued", self.say("verify.note.bank_issued"))
            return record
        stall = target.stall_id
        same = next((r for _, r in accepted if _same_account(code, r)), None)
        if same is not None and same.amount is not None and code.amount != same.amount:
            reason = self.say(
                "verify.mismatch.amount", stall=stall, amount=code.amount, expected=same.amount
            )
        elif owner is not None and owner.stall_id != stall:
            reason = self.say(
                "verify.mismatch.other_stall",
                stall=stall,
                other=owner.stall_id,
                bank=bank,
                account=code.account,
            )
        else:
            reason = self.say(
                "verify.mismatch", stall=stall, bank=bank, account=code.account, holder=holder
            )
        record = replace(base, verdict="mismatch", stall=stall, reason=reason)
        if (owner is None or owner.stall_id != stall) and _lookalike(
            code.merchant_name, target.vendor_name
        ):
            registered = fold(target.vendor_name).upper()
            record = record.noted(
                "lookalike",
                self.say("verify.note.lookalike", holder=code.merchant_name, registered=registered),
            )
        return record


def _shape(name: str) -> tuple[int, int, int] | None:
    """Letters, digits, letters: the shape of ids like ``A01`` or ``B12C``."""
    match = _STALL_SHAPE.fullmatch(name)
    if match is None or not match[2]:
        return None
    return (len(match[1]), len(match[2]), len(match[3]))


def judge(
    payload: str,
    registry: Registry,
    expected: Stall | None = None,
    *,
    lang: str | None = None,
    keyring: Keyring | None = None,
) -> Record:
    """The verdict on one decoded text (``photo`` and ``index`` left empty)."""
    return _Judge(registry, keyring, language(lang)).judge(payload, expected)


# ---------------------------------------------------------------------------------------
# tying a photo to a stall


def expected_stall(photo: str | os.PathLike[str], registry: Registry) -> Stall | None:
    """The stall a photo was taken for, from its file name or else its folder name."""
    found = _tie_by_name(Path(photo), registry)
    return found[0] if found else None


def _candidates(name: str) -> list[str]:
    cut = [name] + [name[: m.start()] for m in _SEPARATORS.finditer(name)]
    return sorted({c for c in cut if c}, key=len, reverse=True)


def _tie_by_name(path: Path, registry: Registry) -> tuple[Stall, str] | None:
    for name, how in ((path.stem, "name"), (path.parent.name, "folder")):
        for candidate in _candidates(name):
            stall = registry.get(candidate)
            if stall is not None:
                return stall, how
    return None


def _unknown_name(path: Path, judge: _Judge) -> str | None:
    """A leading part of the file or folder name shaped like a stall id, matching none."""
    for name in (path.stem, path.parent.name):
        for candidate in _candidates(name):
            if judge.looks_like_stall(candidate) and judge.registry.get(candidate) is None:
                return candidate
    return None


def _resolve(expect: str | Stall | None, registry: Registry) -> Stall | None:
    if expect is None or isinstance(expect, Stall):
        return expect
    stall = registry.get(expect) or registry.by_check_code(expect)
    if stall is None:
        raise UnknownStallError(
            f"no stall has the id or check code {expect!r}", source=registry.source
        )
    return stall


# ---------------------------------------------------------------------------------------
# decoding


@dataclass(frozen=True)
class _Found:
    text: str
    valid: bool
    error: str
    centre: tuple[float, float]
    micro: bool
    frame: int
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, top, right, bottom


# A symbol found but not decoded gets a second look, at most this many per frame.
_SECOND_LOOKS = 4


def _decode(image: Image.Image, frame: int) -> list[_Found]:
    import zxingcpp

    formats = zxingcpp.barcode_formats_from_str("QRCode,MicroQRCode")
    found = zxingcpp.read_barcodes(image, formats=formats, return_errors=True)
    out = [_found(barcode, frame) for barcode in found]
    if all(item.valid for item in out):
        return out
    return _second_look(image, out, formats)


def _found(
    barcode: Any, frame: int, at: tuple[float, float] = (0.0, 0.0), zoom: float = 1.0
) -> _Found:
    import zxingcpp

    corners = barcode.position
    points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
    xs = [at[0] + p.x / zoom for p in points]
    ys = [at[1] + p.y / zoom for p in points]
    centre = (sum(xs) / 4, sum(ys) / 4)
    micro = barcode.format == zxingcpp.BarcodeFormat.MicroQRCode
    error = str(barcode.error) if not barcode.valid else ""
    box = (min(xs), min(ys), max(xs), max(ys))
    return _Found(barcode.text, barcode.valid, error, centre, micro, frame, box)


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def _second_look(image: Image.Image, found: list[_Found], formats: Any) -> list[_Found]:
    """Symbols located but not decoded, decoded again from a crop around each, twice as big.

    In a 1200 px photo of a card the card code's 0.6 mm modules are about 6 px wide; after
    blur and JPEG, zxing-cpp's binarizer sometimes misreads a few of them (a checksum
    error) at one rotation and not the next. Enlarged, they read: a few milliseconds, spent
    only on a photo with such a symbol. A symbol read or already looked at where this one
    lies is not looked at again (zxing-cpp may report one failure twice).
    """
    import zxingcpp
    from PIL import Image

    out: list[_Found] = []
    looks = 0
    for item in found:
        if item.valid:
            out.append(item)
            continue
        if any(_inside(other.centre, item.box) for other in found if other.valid) or any(
            _inside(item.centre, other.box) for other in out
        ):
            continue
        if looks < _SECOND_LOOKS:
            looks += 1
            left, top, right, bottom = item.box
            margin = max(right - left, bottom - top) / 2
            crop = (
                max(0, int(left - margin)),
                max(0, int(top - margin)),
                min(image.width, ceil(right + margin)),
                min(image.height, ceil(bottom + margin)),
            )
            piece = image.crop(crop)
            piece = piece.resize((piece.width * 2, piece.height * 2), Image.Resampling.BICUBIC)
            again = [b for b in zxingcpp.read_barcodes(piece, formats=formats) if b.valid]
            if again:
                out.append(_found(again[0], item.frame, (crop[0], crop[1]), 2.0))
                continue
        out.append(item)
    return out


def _grey(image: Image.Image) -> Image.Image:
    """The image as 8-bit grey; LAB keeps its lightness channel. Raises on other modes."""
    if image.mode == "L":
        return image
    if image.mode == "LAB":
        return image.getchannel(0)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("L")


def _frames(image: Image.Image) -> Iterable[tuple[int, Image.Image]]:
    count = min(getattr(image, "n_frames", 1) or 1, MAX_FRAMES)
    for index in range(count):
        if index:
            image.seek(index)
        yield index, image


class _Unreadable(Exception):
    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


def _read_codes(data: bytes) -> list[_Found]:
    """Every code in every frame (bounded) of the image in ``data``."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise _Unreadable("verify.unreadable.too_big", pixels=_megapixels(str(exc))) from None
        with opened:
            if opened.format == "JPEG":
                # decode straight to grey, and at a reduced scale when the photo is large
                shrink = min(1.0, _DRAFT_LONG_SIDE / max(opened.size))
                opened.draft("L", (ceil(opened.width * shrink), ceil(opened.height * shrink)))
            found: list[_Found] = []
            for index, frame in _frames(opened):
                width, height = frame.size
                if width * height > MAX_PIXELS:
                    raise _Unreadable(
                        "verify.unreadable.too_big", pixels=round(width * height / 1e6)
                    )
                try:
                    grey = _grey(frame)
                except (ValueError, OSError) as exc:
                    if "conversion" in str(exc) or "mode" in str(exc):
                        raise _Unreadable("verify.unreadable.mode", mode=frame.mode) from None
                    raise
                found += _decode(grey, index)
            return found


def _megapixels(message: str) -> int:
    numbers = re.findall(r"\d+", message)
    return round(int(numbers[0]) / 1e6) if numbers else 0


def _reason_for(exc: BaseException, lang: str) -> tuple[str, dict[str, object]]:
    from PIL import UnidentifiedImageError

    if isinstance(exc, _Unreadable):
        return exc.key, exc.fields
    if isinstance(exc, UnidentifiedImageError):  # Pillow's words name an in-memory buffer
        return "verify.unreadable.broken", {"detail": say("verify.skipped.not_image", lang)}
    if isinstance(exc, MemoryError):
        return "verify.unreadable.memory", {}
    if isinstance(exc, FileNotFoundError):
        return "verify.unreadable.missing", {"detail": exc.filename or str(exc)}
    detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
    return "verify.unreadable.broken", {"detail": detail}


# ---------------------------------------------------------------------------------------
# one image, many photos


def _card_tie(
    card: CardCode, judge: _Judge, lang: str
) -> tuple[Stall | None, list[tuple[str, str]]]:
    """The stall a card code names, and notes on it (other market, bad tag, unknown)."""
    notes: list[tuple[str, str]] = []
    keyring = judge.keyring
    if keyring is not None and card.market_id != keyring.market_id:
        text = say("verify.note.card_other_market", lang, market=card.market_id)
        return None, [("card-other-market", text)]
    stall = judge.registry.get(card.stall_id)
    if stall is None:
        text = say("verify.note.card_unknown_stall", lang, card=card.stall_id)
        return None, [("card-unknown-stall", text)]
    if keyring is None:
        notes.append(("card-unverified", say("verify.note.card_unverified", lang)))
    elif not keyring.vouches(card):
        notes.append(("card-outdated", say("verify.note.card_outdated", lang)))
    return stall, notes


def _nearest(point: tuple[float, float], cards: Sequence[_Found]) -> _Found:
    return min(cards, key=lambda c: (c.centre[0] - point[0]) ** 2 + (c.centre[1] - point[1]) ** 2)


def _judge_found(
    found: Sequence[_Found],
    judge: _Judge,
    *,
    photo: str,
    forced: Stall | None,
    named: tuple[Stall, str] | None,
) -> list[Record]:
    lang = judge.lang
    cards = [f for f in found if f.valid and f.micro and parse_card_code(f.text)]
    payments = [f for f in found if f.valid and f not in cards]
    failed = [f for f in found if not f.valid]
    base_stall = forced or (named[0] if named else None)
    if not payments:
        key = "verify.unreadable.blurry" if failed else "verify.unreadable.none"
        stall_id = base_stall.stall_id if base_stall else None
        if cards and base_stall is None:
            code = parse_card_code(cards[0].text)
            stall_id = code.stall_id if code else None
        return [Record(photo, 0, "unreadable", stall=stall_id, reason=say(key, lang))]
    records: list[Record] = []
    seen: set[str] = set()
    for item in payments:
        if item.text in seen:
            continue
        seen.add(item.text)
        notes: list[tuple[str, str]] = []
        expected, tied_by, card_text = base_stall, "", None
        if forced is not None:
            tied_by = "stall"
        elif named is not None:
            tied_by = named[1]
        if cards:
            nearest = _nearest(item.centre, cards)
            card = parse_card_code(nearest.text)
            assert card is not None
            card_text = nearest.text
            by_card, notes = _card_tie(card, judge, lang)
            if by_card is not None:
                if forced is not None and forced != by_card:
                    reason = say(
                        "verify.mismatch.card_stall",
                        lang,
                        stall=forced.stall_id,
                        card=by_card.stall_id,
                    )
                    records.append(
                        Record(
                            photo,
                            0,
                            "mismatch",
                            stall=forced.stall_id,
                            found_stall=by_card.stall_id,
                            reason=reason,
                            tied_by="stall",
                            card_code=card_text,
                            frame=item.frame,
                        )
                    )
                    continue
                if named is not None and named[0] != by_card:
                    text = say(
                        "verify.note.name_differs",
                        lang,
                        name=named[0].stall_id,
                        card=by_card.stall_id,
                    )
                    notes.append(("name-differs", text))
                expected, tied_by = by_card, "card"
        record = replace(
            judge.judge(item.text, expected),
            photo=photo,
            tied_by=tied_by if expected is not None else "",
            card_code=card_text,
            frame=item.frame,
        )
        for note, text in notes:
            record = record.noted(note, text)
        if item.frame:
            record = record.noted("frame", say("verify.note.frame", lang, frame=item.frame + 1))
        records.append(record)
    if failed:
        text = say("verify.note.unread_codes", lang, count=len(failed))
        records = [r.noted("unread-codes", text) for r in records]
    return [replace(r, index=i) for i, r in enumerate(records, start=1)]


def verify_image(
    image: Image.Image,
    registry: Registry,
    *,
    photo: str = "<image>",
    expected: Stall | None = None,
    lang: str | None = None,
    keyring: Keyring | None = None,
) -> list[Record]:
    """Decode every code in a Pillow image and judge each; see the module docstring."""
    judge = _Judge(registry, keyring, language(lang))
    try:
        found = _decode(_grey(image), 0)
    except Exception as exc:  # an image no decoder can take is an answer, not a crash
        key, fields = _reason_for(exc, judge.lang)
        stall = expected.stall_id if expected else None
        return [Record(photo, 0, "unreadable", stall=stall, reason=say(key, judge.lang, **fields))]
    return _judge_found(found, judge, photo=photo, forced=expected, named=None)


def read_photo_codes(
    photo: str | os.PathLike[str], *, lang: str | None = None
) -> tuple[list[str], list[CardCode]]:
    """The distinct texts of the payment codes in a photo, in the order found, and the
    card codes beside them (``cashless market accept`` reads a stall's second code so).

    Raises :class:`~cashless.errors.UsageError` naming the photo, with what to do, when the
    file cannot be read as an image or no payment code in it can be read.
    """
    spoken = language(lang)
    _register_openers()
    try:
        found = _read_codes(Path(photo).read_bytes())
    except Exception as exc:  # one bad file: its reason, never a traceback
        key, fields = _reason_for(exc, spoken)
        raise UsageError(say(key, spoken, **fields), source=os.fspath(photo)) from None
    cards = {f.text: parse_card_code(f.text) for f in found if f.valid and f.micro}
    texts = list(dict.fromkeys(f.text for f in found if f.valid and cards.get(f.text) is None))
    if not texts:
        blurry = any(not f.valid for f in found)
        key = "verify.unreadable.blurry" if blurry else "verify.unreadable.none"
        raise UsageError(say(key, spoken), source=os.fspath(photo))
    return texts, [card for card in cards.values() if card is not None]


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _photos(
    paths: Iterable[str | os.PathLike[str]], lang: str
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named directly, and every file in the folders that Pillow identifies."""
    from PIL import Image

    _register_openers()
    out: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for item in paths:
        root = Path(item)
        if not root.is_dir():
            out.append(root)
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if _is_hidden(path, root):
                skipped.append((str(path), say("verify.skipped.hidden", lang)))
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    with Image.open(path):
                        pass
            except Image.DecompressionBombError:
                pass  # an image, and too big: it gets its verdict
            except Exception:
                skipped.append((str(path), say("verify.skipped.not_image", lang)))
                continue
            out.append(path)
    return out, skipped


_OPENERS_READY = False


def _register_openers() -> None:
    """HEIC/HEIF through pillow-heif; AVIF by Pillow itself (11.2 and later, built with
    libavif), else through pillow-heif's AVIF opener where it still has one (before 0.22)."""
    global _OPENERS_READY
    if not _OPENERS_READY:
        from PIL import features

        try:
            import pillow_heif
        except ImportError:  # pragma: no cover - pillow-heif is in the verify extra
            pass
        else:
            pillow_heif.register_heif_opener()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a Pillow before 11.2 warns: unknown feature
                native_avif = features.check("avif")
            if not native_avif and hasattr(pillow_heif, "register_avif_opener"):
                pillow_heif.register_avif_opener()  # pragma: no cover - older pillow-heif
        _OPENERS_READY = True


_HEAP_TUNED = False


def _keep_heap() -> None:
    """Keep freed memory in the C heap between photos instead of returning it to the
    system: each photo's buffers are the same size, and re-faulting them in costs more
    than decoding (glibc only; elsewhere nothing happens)."""
    global _HEAP_TUNED
    if _HEAP_TUNED or not sys.platform.startswith("linux"):
        return
    _HEAP_TUNED = True
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 512 * 1024 * 1024)
    mallopt(m_trim_threshold, 1024 * 1024 * 1024)


def check_photos(
    paths: Iterable[str | os.PathLike[str]],
    registry: Registry,
    *,
    expect: str | Stall | None = None,
    keyring: Keyring | None = None,
    lang: str | None = None,
    on_photo: Any = None,
) -> Batch:
    """Judge every code in every photo; folders are searched recursively, by content.

    Every photo gets at least one record, and no error of a single file leaves this
    function: a missing, broken, too big or unsupported file is ``unreadable`` with a
    reason a person can act on. ``on_photo(records)`` (optional) is called after each photo,
    e.g. to log it. Raises only :class:`~cashless.errors.UnknownStallError` for an unknown
    ``expect``.
    """
    spoken = language(lang)
    forced = _resolve(expect, registry)
    judge = _Judge(registry, keyring, spoken)
    files, skipped = _photos(paths, spoken)
    _keep_heap()
    records: list[Record] = []
    untied = 0
    for path in files:
        records_of_photo = _check_one(path, judge, forced)
        if any(r.tied_by == "" and r.verdict != "unreadable" for r in records_of_photo):
            untied += 1
        if on_photo is not None:
            on_photo(records_of_photo)
        records += records_of_photo
    records, clusters = _clusters(records, judge)
    return Batch(tuple(records), tuple(skipped), tuple(clusters), len(files), untied)


def _check_one(path: Path, judge: _Judge, forced: Stall | None) -> list[Record]:
    lang = judge.lang
    named = None if forced else _tie_by_name(path, judge.registry)
    digest = None
    try:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        found = _read_codes(data)
    except Exception as exc:  # one bad file is one answer; the others go on
        key, fields = _reason_for(exc, judge.lang)
        stall = forced or (named[0] if named else None)
        records = [
            Record(
                str(path),
                0,
                "unreadable",
                stall=stall.stall_id if stall else None,
                reason=say(key, lang, **fields),
            )
        ]
    else:
        records = _judge_found(found, judge, photo=str(path), forced=forced, named=named)
    out = []
    unknown = None if forced or named else _unknown_name(path, judge)
    for record in records:
        record = replace(record, photo_sha256=digest)
        if unknown is not None:
            close = difflib.get_close_matches(
                unknown.upper(), [s.stall_id.upper() for s in judge.registry], n=1
            )
            hint = say("verify.note.did_you_mean", lang, stall=close[0]) if close else ""
            text = say("verify.note.name_unknown", lang, name=unknown, hint=hint)
            record = record.noted("name-unknown", text)
        if record.tied_by == "" and record.verdict != "unreadable":
            record = record.noted("untied", say("verify.note.untied", lang))
        out.append(record)
    return out


def _clusters(records: list[Record], judge: _Judge) -> tuple[list[Record], list[Cluster]]:
    """Foreign accounts (no stall's) found at two or more stalls: one cluster each."""
    lang = judge.lang
    registered = {
        (code.bin, code.account) for codes in judge.accepted.values() for _, code in codes
    }
    stalls_of: dict[tuple[str, str], dict[str, None]] = {}
    for record in records:
        account = (record.bin or "", record.account or "")
        foreign = record.account is not None and account not in registered
        if record.verdict in ("mismatch", "unknown") and foreign and record.stall is not None:
            stalls_of.setdefault(account, {})[record.stall] = None
    clusters: list[Cluster] = []
    number_of: dict[tuple[str, str], int] = {}
    for account, stalls in stalls_of.items():
        if len(stalls) >= 2:
            number = len(clusters) + 1
            number_of[account] = number
            members = [r for r in records if (r.bin, r.account) == account]
            holder = next((r.holder for r in members if r.holder), None)
            clusters.append(
                Cluster(
                    number,
                    account[0],
                    bank_label(account[0]),
                    account[1],
                    holder,
                    tuple(stalls),
                    tuple(dict.fromkeys(r.photo for r in members)),
                )
            )
    if not clusters:
        return records, clusters
    out = []
    for record in records:
        member_of = number_of.get((record.bin or "", record.account or ""))
        if member_of is not None:
            count = len(clusters[member_of - 1].stalls)
            text = say("verify.note.cluster", lang, count=count, cluster=member_of)
            record = replace(record.noted("cluster", text), cluster=member_of)
        out.append(record)
    return out, clusters


def verify_photos(
    paths: Iterable[str | os.PathLike[str]],
    registry: Registry,
    *,
    expect: str | Stall | None = None,
    keyring: Keyring | None = None,
    lang: str | None = None,
) -> list[Record]:
    """The records of :func:`check_photos` (one or more per photo, never an exception for
    a bad file)."""
    return list(check_photos(paths, registry, expect=expect, keyring=keyring, lang=lang).records)
