"""Check photographed stall codes against the registry: catch swapped or pasted-over stickers.

Every QR code in each photo is decoded (zxing-cpp), parsed as VietQR and judged:

``ok``
    the code is exactly the registered payload of the stall it should be.
``mismatch``
    the code is not the payload of the stall it should be; the record names that stall
    and the bank account the code really pays (a swapped or pasted-over sticker, or a
    registered account with a changed amount or purpose).
``unknown``
    the photo is not tied to a stall and the code pays an account no stall has.
``not-vietqr``
    a QR code that is not a valid VietQR payload (another scheme, a URL, a bad CRC).
``unreadable``
    no QR code could be decoded (none found, or one found but damaged), or the file
    is not an image.

Which stall a code *should* be is decided in this order:

1. ``expect``: a stall id or a card's printed check code given by the caller (the
   organiser standing at stall A12 types ``--stall A12`` or the code on the card);
2. the photo's file name: ``A12.jpg``, ``A12_morning.jpg``, ``A12-2.png`` (the longest
   stall id the name starts with, followed by ``_``, ``-``, space or ``.``), or else the
   name of its folder (``photos/A12/IMG_0001.jpg``);
3. otherwise the code itself: a code that is a registered payload is ``ok`` for its
   stall; a code paying a registered account with other details is a ``mismatch`` for
   the stall owning that account; anything else is ``unknown``.

When a photo is tied to a stall, every code in it must be that stall's code: a photo of
stall A12 showing stall B07's code is a mismatch (stickers swapped between stalls), so
take one card per photo. Without a tie, a sticker swapped between two registered stalls
cannot be told apart from the real thing; name the photos.

>>> from cashless.stalls.registry import parse_registry
>>> from cashless.stalls.qr import make_qr, to_image
>>> registry = parse_registry("stall_id,stall_name,vendor_name,bank,account\\n"
...                          "A01,Rau,Lan,VCB,0011001234567\\nA02,Thịt,Hà,ACB,257678859\\n")
>>> photo = to_image(make_qr(registry["A02"].payload), scale=4)
>>> [r.verdict for r in verify_image(photo, registry)]
['ok']
>>> (record,) = verify_image(photo, registry, expected=registry["A01"])
>>> record.verdict, record.stall, record.found_stall, record.account
('mismatch', 'A01', 'A02', '257678859')
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cashless.errors import (
    CashlessError,
    NotVietQRError,
    UnknownStallError,
    require_extra,
)

require_extra("verify", "zxingcpp", "PIL", "segno")

from cashless.payload.vietqr import VietQR, parse  # noqa: E402
from cashless.stalls.registry import Registry, Stall, check_code  # noqa: E402

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "IMAGE_SUFFIXES",
    "VERDICTS",
    "Record",
    "expected_stall",
    "judge",
    "verify_image",
    "verify_photos",
]

VERDICTS = ("ok", "mismatch", "unknown", "not-vietqr", "unreadable")
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})
_SEPARATORS = re.compile(r"[_\-. ]")
_COMPARED = ("amount", "purpose", "merchant_name", "service", "bill_number", "reference_label")


@dataclass(frozen=True)
class Record:
    """The verdict on one code (or on a photo where no code could be read).

    ``stall`` is the stall the code should be (``ok``: the stall it is); ``found_stall``
    the stall whose registered payload the code is, if any; ``bin`` (the bank's BIN),
    ``account`` and ``amount`` what the code actually pays.
    """

    photo: str
    index: int
    verdict: str
    stall: str | None = None
    found_stall: str | None = None
    bin: str | None = None
    account: str | None = None
    amount: int | None = None
    check_code: str | None = None
    payload: str | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dict of every field."""
        return asdict(self)


def _differences(code: VietQR, registered: Stall) -> str:
    mine = parse(registered.payload)
    changed = [
        f"{name} {getattr(code, name)!r} instead of {getattr(mine, name)!r}"
        for name in _COMPARED
        if getattr(code, name) != getattr(mine, name)
    ]
    return ", ".join(changed) or "other fields differ"


def _paying(
    verdict: str, code: VietQR, payload: str, exact: Stall | None, stall: str | None, reason: str
) -> Record:
    """A record for a code that parsed: what it pays, and which stall's payload it is."""
    return Record(
        "",
        0,
        verdict,
        stall=stall,
        found_stall=exact.stall_id if exact else None,
        bin=code.bin,
        account=code.account,
        amount=code.amount,
        check_code=check_code(payload),
        payload=payload,
        reason=reason,
    )


def judge(payload: str, registry: Registry, expected: Stall | None = None) -> Record:
    """The verdict on one decoded text (``photo`` and ``index`` left empty)."""
    expected_id = expected.stall_id if expected else None
    try:
        code = parse(payload)
    except NotVietQRError as exc:
        reason = f"{exc.scheme}: {exc.reason}"
        return Record("", 0, "not-vietqr", stall=expected_id, payload=payload, reason=reason)
    except CashlessError as exc:
        reason = f"not a valid VietQR payload: {exc}"
        return Record("", 0, "not-vietqr", stall=expected_id, payload=payload, reason=reason)
    exact = registry.by_payload(payload)
    owners = registry.by_account(code.bin, code.account)
    pays = f"pays {code.bin}/{code.account}"
    if expected is not None:
        if payload == expected.payload:
            reason = f"matches stall {expected.stall_id}"
            return _paying("ok", code, payload, exact, expected_id, reason)
        if exact is not None:
            reason = f"this is stall {exact.stall_id}'s code ({pays})"
        elif expected in owners:
            reason = f"{pays}, stall {expected.stall_id}'s account, but with "
            reason += _differences(code, expected)
        elif owners:
            reason = f"{pays}, the account of stall {owners[0].stall_id}"
        else:
            reason = f"{pays}, an account of no stall in the registry"
        reason += f"; stall {expected.stall_id} should show check code {expected.check_code}"
        return _paying("mismatch", code, payload, exact, expected_id, reason)
    if exact is not None:
        return _paying(
            "ok", code, payload, exact, exact.stall_id, f"matches stall {exact.stall_id}"
        )
    if owners:
        owner = owners[0]
        reason = f"{pays}, stall {owner.stall_id}'s account, but with "
        reason += _differences(code, owner)
        return _paying("mismatch", code, payload, exact, owner.stall_id, reason)
    reason = f"{pays}, an account of no stall in the registry"
    return _paying("unknown", code, payload, exact, None, reason)


def expected_stall(photo: str | os.PathLike[str], registry: Registry) -> Stall | None:
    """The stall a photo was taken for, from its file name or else its folder name."""
    path = Path(photo)
    for name in (path.stem, path.parent.name):
        candidates = [name] + [name[: m.start()] for m in _SEPARATORS.finditer(name)]
        for candidate in sorted(candidates, key=len, reverse=True):
            stall = registry.get(candidate) if candidate else None
            if stall is not None:
                return stall
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


def verify_image(
    image: Image.Image,
    registry: Registry,
    *,
    photo: str = "<image>",
    expected: Stall | None = None,
) -> list[Record]:
    """Decode every QR code in a Pillow image and judge each; see the module docstring."""
    import zxingcpp

    found = zxingcpp.read_barcodes(
        image.convert("L"),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        return_errors=True,
    )
    stall_id = expected.stall_id if expected else None
    if not found:
        return [Record(photo, 0, "unreadable", stall=stall_id, reason="no QR code found")]
    records = []
    for index, barcode in enumerate(found, start=1):
        if not barcode.valid:
            records.append(
                Record(
                    photo,
                    index,
                    "unreadable",
                    stall=stall_id,
                    reason=f"QR code found but not decoded: {barcode.error}",
                )
            )
            continue
        records.append(replace(judge(barcode.text, registry, expected), photo=photo, index=index))
    return records


def _photos(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            out.append(path)
    return out


def verify_photos(
    paths: Iterable[str | os.PathLike[str]],
    registry: Registry,
    *,
    expect: str | Stall | None = None,
) -> list[Record]:
    """Judge every code in every photo; folders are searched (recursively) for images.

    ``expect`` (a stall, stall id or printed check code) ties every photo to one stall;
    otherwise each photo is tied by its file or folder name when that names a stall.
    A missing or non-image file gives an ``unreadable`` record rather than an error.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    forced = _resolve(expect, registry)
    records: list[Record] = []
    for path in _photos(paths):
        expected = forced or expected_stall(path, registry)
        try:
            with Image.open(path) as opened:
                image = ImageOps.exif_transpose(opened)
                image.load()
        except (OSError, UnidentifiedImageError) as exc:
            records.append(
                Record(
                    str(path),
                    0,
                    "unreadable",
                    stall=expected.stall_id if expected else None,
                    reason=f"cannot open the image: {exc}",
                )
            )
            continue
        records += verify_image(image, registry, photo=str(path), expected=expected)
    return records
