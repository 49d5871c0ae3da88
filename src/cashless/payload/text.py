"""Vietnamese text helpers: NFC normalisation and folding to printable ASCII.

EMV ``ans`` fields (merchant name, city, purpose) hold printable ASCII only, so every
Vietnamese string bound for such a field goes through :func:`fold`, the one function that
removes tone and vowel marks.

>>> fold("Chợ Điện Biên")
'Cho Dien Bien'
>>> fold("ủng hộ lũ lụt")
'ung ho lu lut'
>>> fold("Đặng Thị Hương")
'Dang Thi Huong'
>>> is_ans("Rau cai 5k"), is_ans("Rau cải")
(True, False)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "is_ans", "nfc"]

# Letters that NFD does not split into an ASCII base plus marks. Vietnamese needs only đ/Đ
# (replaced on their own, they are common); the Icelandic eth Ð (U+00D0) looks identical to Đ
# and turns up in mistyped names; the rest are other Latin letters with a usual ASCII spelling.
_OTHER_LETTERS = {
    "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ħ": "h", "Ħ": "H",
    "ŧ": "t", "Ŧ": "T", "ı": "i", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "þ": "th", "Þ": "Th",
}  # fmt: skip
_OTHER_LETTERS_RE = re.compile("[" + "".join(_OTHER_LETTERS) + "]")
_OTHER_LETTERS_TABLE = str.maketrans(_OTHER_LETTERS)
# ASCII control characters that are not whitespace (whitespace is handled by str.split).
_CONTROLS_TABLE = str.maketrans(dict.fromkeys([*range(0x20), 0x7F]))


def nfc(text: str) -> str:
    """Return ``text`` in Unicode normalisation form C (composed letters).

    >>> len("e\\u0302\\u0301"), len(nfc("e\\u0302\\u0301"))
    (3, 1)
    """
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Fold ``text`` to printable ASCII (0x20-0x7E).

    Tone and vowel marks are removed (NFC, then NFD with combining marks dropped), ``đ``/``Đ``
    become ``d``/``D``, other Latin letters lose their marks the same way, and whatever is still
    not printable ASCII (emoji, CJK, control characters) is dropped. Runs of whitespace (tabs,
    newlines, no-break spaces) become one space and the ends are stripped. The result is a
    fixed point: ``fold(fold(s)) == fold(s)``.

    >>> fold("  Bún  bò\\tHuế\\u00a0🍜 ")
    'Bun bo Hue'
    >>> fold("ĐƯỜNG Lê Lợi")
    'DUONG Le Loi'
    """
    if text.isascii():
        folded = text if text.isprintable() else " ".join(text.split()).translate(_CONTROLS_TABLE)
    else:
        # NFD(NFC(s)) == NFD(s), so one NFD pass does "NFC first, then strip the marks".
        folded = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
        if _OTHER_LETTERS_RE.search(folded):
            folded = folded.translate(_OTHER_LETTERS_TABLE)
        # split() first so that no-break and other Unicode spaces survive as separators;
        # the ASCII encode then drops combining marks, emoji, CJK, zero-width characters.
        folded = " ".join(folded.split()).encode("ascii", "ignore").decode("ascii")
        if not folded.isprintable():
            folded = folded.translate(_CONTROLS_TABLE)
    if "  " in folded or folded[:1] == " " or folded[-1:] == " ":
        folded = " ".join(folded.split())
    return folded


def is_ans(text: str) -> bool:
    """True if every character of ``text`` is printable ASCII (0x20-0x7E), the EMV ``ans`` set.

    >>> is_ans("Pho 24"), is_ans("Phở"), is_ans("tab\\there")
    (True, False, False)
    """
    return text.isascii() and text.isprintable()
