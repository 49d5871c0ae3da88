"""Payload string -> QR code (segno), with mixed-mode segments to keep the symbol small.

segno picks one mode for a whole string: a VietQR payload holds lowercase letters, so it
goes to byte mode and needs version 9 at level M. QR codes may mix numeric, alphanumeric
and byte segments (ISO/IEC 18004:2015, 7.4); :func:`segment` finds the split with the
fewest bits (a small dynamic program), which brings a ~150-character payload down to
version 6 (41 instead of 53 modules, so modules 29% larger at the same print size).

Every symbol is a full QR code (never Micro QR), at the error-correction level asked for
(M by default, never silently boosted), with a 4-module quiet zone.

>>> qr = make_qr("00020101021138570010A000000727012700069704360113" + "Cho Dien Bien quay 12")
>>> (qr.version, qr.error, qr.is_micro)
(4, 'M', False)
>>> segment("0011001234567 Cho ABC")
[('0011001234567', 'numeric'), (' Cho ABC', 'byte')]
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from cashless._io import atomic_path
from cashless.errors import CharsetError, LengthError, OutputError, UsageError, require_extra

require_extra("qr", "segno", "PIL")

if TYPE_CHECKING:
    import segno
    from PIL import Image

__all__ = [
    "ERROR_LEVELS",
    "KINDS",
    "QUIET_ZONE",
    "Mode",
    "make_card_code",
    "make_qr",
    "matrix_rows",
    "save",
    "segment",
    "to_image",
]

ERROR_LEVELS = ("L", "M", "Q", "H")
#: File kinds :func:`save` writes.
KINDS = ("png", "svg", "pdf")
#: Modules of light margin around the symbol (ISO/IEC 18004:2015, 6.3.8).
QUIET_ZONE = 4

Mode = Literal["numeric", "alphanumeric", "byte"]
_MODES: tuple[Mode, ...] = ("numeric", "alphanumeric", "byte")
# ISO/IEC 18004:2015, table 5 (alphanumeric mode character set).
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
# Character-count indicator lengths (table 3) for versions 1-9, 10-26 and 27-40.
_COUNT_BITS = {
    "numeric": (10, 12, 14),
    "alphanumeric": (9, 11, 13),
    "byte": (8, 16, 16),
}
_VERSION_GROUPS = ((1, 9), (10, 26), (27, 40))
# Byte segments are UTF-8, without an ECI header: ASCII is the same in every QR byte
# encoding, and decoders guess UTF-8 reliably, whereas ISO 8859-1 (the QR default) is
# often misread as Shift JIS when no ECI is given (zxing-cpp read "ÂÂ" as "ﾂﾂ").
_BYTE_ENCODING = "utf-8"


def _encodable(text: str) -> bool:
    try:
        text.encode(_BYTE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _group(version: int) -> int:
    for index, (low, high) in enumerate(_VERSION_GROUPS):
        if low <= version <= high:
            return index
    raise UsageError(f"must be a QR version from 1 to 40, not {version!r}", field="version")


def _char_cost(char: str, mode: Mode) -> int | None:
    """Cost of one character in sixths of a bit (None when the mode cannot hold it)."""
    if mode == "numeric":
        return 20 if "0" <= char <= "9" else None  # 10 bits per 3 digits
    if mode == "alphanumeric":
        return 33 if char in _ALNUM else None  # 11 bits per 2 characters
    return 48 * len(char.encode(_BYTE_ENCODING))


def segment(text: str, *, version: int = 1) -> list[tuple[str, Mode]]:
    """Split ``text`` into (part, mode) segments with the fewest bits for ``version``.

    Only the version *group* matters (1-9, 10-26, 27-40): it fixes the length of each
    segment header. The result joins back to ``text``.

    >>> segment("ABC123456789abc")
    [('ABC', 'alphanumeric'), ('123456789', 'numeric'), ('abc', 'byte')]
    >>> "".join(part for part, _ in segment("Rau cải 50000"))
    'Rau cải 50000'
    """
    if not text:
        return []
    group = _group(version)
    header = {m: (4 + _COUNT_BITS[m][group]) * 6 for m in _MODES}
    inf = float("inf")
    # cost[m]: fewest sixth-bits to encode text[:i+1] with the last character in mode m;
    # prev[i][m]: the mode of character i-1 on that best path.
    cost: dict[Mode, float] = {m: inf for m in _MODES}
    prev: list[dict[Mode, Mode | None]] = []
    for index, char in enumerate(text):
        new_cost: dict[Mode, float] = {}
        back: dict[Mode, Mode | None] = {}
        for mode in _MODES:
            step = _char_cost(char, mode)
            if step is None:
                new_cost[mode], back[mode] = inf, None
                continue
            if index == 0:
                new_cost[mode], back[mode] = header[mode] + step, None
                continue
            best, best_from = inf, None
            for before in _MODES:
                if cost[before] == inf:
                    continue
                if before == mode:
                    total = cost[before] + step
                else:
                    # Close the previous segment on a whole bit, then open a new one.
                    total = -(-cost[before] // 6) * 6 + header[mode] + step
                if total < best:
                    best, best_from = total, before
            new_cost[mode], back[mode] = best, best_from
        cost = new_cost
        prev.append(back)
    mode = min(_MODES, key=lambda m: cost[m] if cost[m] == inf else -(-cost[m] // 6))
    modes: list[Mode] = []
    for index in range(len(text) - 1, -1, -1):
        modes.append(mode)
        previous = prev[index][mode]
        if previous is not None:
            mode = previous
    modes.reverse()
    segments: list[tuple[str, Mode]] = []
    for char, mode in zip(text, modes, strict=True):
        if segments and segments[-1][1] == mode:
            segments[-1] = (segments[-1][0] + char, mode)
        else:
            segments.append((char, mode))
    return segments


def _segno_content(text: str, version: int) -> list[tuple[str, int, str | None]]:
    from segno import consts

    codes = {
        "numeric": consts.MODE_NUMERIC,
        "alphanumeric": consts.MODE_ALPHANUMERIC,
        "byte": consts.MODE_BYTE,
    }
    return [
        (part, codes[mode], _BYTE_ENCODING if mode == "byte" else None)
        for part, mode in segment(text, version=version)
    ]


def make_qr(payload: str, *, error: str = "M", mixed: bool = True) -> segno.QRCode:
    """Encode ``payload`` as a full QR code at error level ``error`` (L, M, Q or H).

    ``mixed=True`` (the default) uses the minimal-bits segment split; ``mixed=False``
    falls back to segno's single mode for the whole string (byte mode for a payload
    with lowercase letters), in case a scanner ever mishandles mixed-mode symbols.

    >>> payload = "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA"
    >>> make_qr(payload).version, make_qr(payload, mixed=False).version
    (3, 4)
    >>> longer = payload + "62150811Rau cai ngon"
    >>> make_qr(longer).version, make_qr(longer, mixed=False).version
    (4, 6)
    """
    import segno

    level = error.upper() if isinstance(error, str) else error
    if level not in ERROR_LEVELS:
        raise UsageError(
            f"(the error-correction level) must be one of {', '.join(ERROR_LEVELS)}, not {error!r}",
            field="error",
        )
    if not isinstance(payload, str) or not payload:
        raise LengthError("payload: empty; a QR code needs some text")
    if not _encodable(payload):
        raise CharsetError("payload: holds characters UTF-8 cannot encode (lone surrogates)")
    try:
        if not mixed:
            return segno.make_qr(payload, error=level, boost_error=False)
        for low, high in _VERSION_GROUPS:
            # segno takes a list of (text, mode, encoding) segments; its stubs list only str
            segments: Any = _segno_content(payload, low)
            qr = segno.make_qr(segments, error=level, boost_error=False)
            if qr.version <= high:  # type: ignore[operator]
                return qr
        return qr
    except segno.DataOverflowError as exc:
        raise LengthError(
            f"payload: {len(payload)} characters do not fit one QR code at level {level}"
        ) from exc


#: The most a card code holds: Micro QR M4 at level M, alphanumeric mode.
CARD_CODE_LIMIT = 18


def make_card_code(text: str) -> segno.QRCode:
    """A card code as a Micro QR M4 at level M (17 x 17 modules, 2-module quiet zone).

    Payment codes are never Micro QR; this second, small code on a card is, so that bank
    apps (which read QR codes only) never take it for a payment. ``text`` holds at most
    18 characters of the QR alphanumeric set. Raises :class:`~cashless.errors.CharsetError`
    or :class:`~cashless.errors.LengthError` otherwise.

    >>> code = make_card_code("CDB:B07:ABCDEFGH")
    >>> code.designator, code.is_micro, code.symbol_size(border=0)
    ('M4-M', True, (17, 17))
    """
    import segno

    bad = sorted({c for c in text if c not in _ALNUM})
    if bad:
        raise CharsetError(f"a card code holds only 0-9 A-Z $%*+-./: and space, not {bad!r}")
    if not text or len(text) > CARD_CODE_LIMIT:
        raise LengthError(f"a card code is 1 to {CARD_CODE_LIMIT} characters, not {len(text)}")
    return segno.make(
        text, micro=True, version="M4", error="M", mode="alphanumeric", boost_error=False
    )


def matrix_rows(qr: segno.QRCode) -> list[list[tuple[int, int]]]:
    """Runs of dark modules per row of the symbol (no quiet zone): ``[(start, length), ...]``.

    Drawing one rectangle per run instead of one per module keeps vector output small.

    >>> rows = matrix_rows(make_qr("HELLO"))
    >>> len(rows), rows[0][0]
    (21, (0, 7))
    """
    runs: list[list[tuple[int, int]]] = []
    for row in qr.matrix:
        row_runs: list[tuple[int, int]] = []
        start = None
        for x, dark in enumerate(row):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                row_runs.append((start, x - start))
                start = None
        if start is not None:
            row_runs.append((start, len(row) - start))
        runs.append(row_runs)
    return runs


def to_image(qr: segno.QRCode, *, scale: int = 10, border: int = QUIET_ZONE) -> Image.Image:
    """A Pillow image (mode ``"1"``), ``scale`` pixels per module, ``border`` modules of margin.

    >>> to_image(make_qr("HELLO"), scale=2).size
    (58, 58)
    """
    from PIL import Image

    _check_whole("scale", scale, 1)
    _check_whole("border", border, 0)
    size = len(qr.matrix)
    width = size + 2 * border
    rows = bytearray(b"\xff" * (width * width))
    for y, row in enumerate(qr.matrix):
        offset = (y + border) * width + border
        rows[offset : offset + size] = bytes(0 if dark else 255 for dark in row)
    image = Image.frombytes("L", (width, width), bytes(rows))
    if scale != 1:
        image = image.resize((width * scale, width * scale), Image.Resampling.NEAREST)
    return image.convert("1")


def _check_whole(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise UsageError(f"must be a whole number >= {least}, not {value!r}", field=name)


def save(
    qr: segno.QRCode,
    target: str | os.PathLike[str] | BinaryIO,
    *,
    kind: str | None = None,
    scale: float = 10,
    border: int = QUIET_ZONE,
) -> Path | None:
    """Write ``qr`` as PNG, SVG or PDF (``kind``, or the file suffix); files are written atomically.

    For SVG and PDF, ``scale`` is the size of one module in the output unit (px / pt).
    Returns the path written, or None for a stream. A bad ``kind``, ``scale`` or
    ``border`` raises :class:`~cashless.errors.UsageError`; a file suffix other than
    ``.png``, ``.svg`` or ``.pdf`` raises :class:`~cashless.errors.OutputError`.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale < math.inf:
        raise UsageError(f"must be a number > 0, not {scale!r}", field="scale")
    _check_whole("border", border, 0)
    if kind is not None:
        if not isinstance(kind, str) or kind.lower() not in KINDS:
            raise UsageError(f"must be one of {', '.join(KINDS)}, not {kind!r}", field="kind")
        kind = kind.lower()
    if not isinstance(target, (str, os.PathLike)):
        if kind is None:
            raise UsageError("is needed (png, svg or pdf) when writing to a stream", field="kind")
        qr.save(target, **_options(kind, scale, border))
        return None
    path = Path(target)
    kind = kind or path.suffix.lstrip(".").lower()
    if kind not in KINDS:
        raise OutputError(f"{str(target)!r} must end in .png, .svg or .pdf (or give kind)")
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        qr.save(stream, **_options(kind, scale, border))
    return path


def _options(kind: str, scale: float, border: int) -> dict[str, Any]:
    options: dict[str, Any] = {"kind": kind, "scale": scale, "border": border}
    if kind == "svg":
        options["xmldecl"] = False
    return options
