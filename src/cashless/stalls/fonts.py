"""Fonts for printed cards: DejaVu Sans from matplotlib's data, and the check that a font
covers every character to print (needs the ``print`` extra).

No font file ships with cashless: DejaVu Sans covers Vietnamese and comes with matplotlib
(qr-print §5.1). Any TrueType or OpenType file can be used instead; every face is checked
against the text before anything is drawn, so a missing letter is an error, not a box.

>>> regular, bold = default_fonts()
>>> regular.name, bold.name
('DejaVuSans.ttf', 'DejaVuSans-Bold.ttf')
>>> check_fonts("Chợ Điện Biên — Quầy 12", (regular, bold))
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from pathlib import Path

from cashless.errors import LayoutError, require_extra

require_extra("print", "fpdf", "fontTools", "matplotlib", "segno", "PIL")

__all__ = ["card_fonts", "check_fonts", "default_fonts", "missing_glyphs"]

_SHOWN = 8  # missing characters named in an error; the rest are counted


def default_fonts() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold from matplotlib's data folder.

    The folder is found without importing matplotlib (13 MB and a noticeable start-up
    for two file names); only a layout this does not know falls back to asking it.
    """
    from importlib.util import find_spec

    faces = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    spec = find_spec("matplotlib")
    for package in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(package) / "mpl-data" / "fonts" / "ttf"
        if all((folder / face).is_file() for face in faces):
            return folder / faces[0], folder / faces[1]
    import matplotlib  # the package only, not pyplot

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / faces[0], folder / faces[1]


def card_fonts(font: str | os.PathLike[str] | None) -> tuple[Path, Path]:
    """The regular and bold faces: ``font`` for both when given, else :func:`default_fonts`."""
    if font is None:
        return default_fonts()
    return Path(font), Path(font)


def missing_glyphs(text: str, font: str | os.PathLike[str]) -> list[str]:
    """Characters of ``text`` (other than whitespace) the font's cmap does not cover.

    Raises :class:`~cashless.errors.LayoutError` (with ``source`` the font's path) when
    the file cannot be read or is not a font.

    >>> regular, _ = default_fonts()
    >>> missing_glyphs("Chợ Điện Biên — Quầy 12", regular)
    []
    >>> missing_glyphs("Chợ", regular.parent / "cmr10.ttf")
    ['ợ']
    """
    from fontTools.ttLib import TTFont, TTLibError

    try:
        # open the file here: TTFont leaks its own handle when the file is no font
        with open(font, "rb") as stream, TTFont(stream, lazy=True) as face:
            cmap = face.getBestCmap() or {}
    except OSError as exc:
        raise LayoutError(f"cannot read the font: {exc.strerror or exc}", source=str(font)) from exc
    # fontTools reports damaged files with its own error, but also with assertions and
    # struct errors (a TrueType collection with a bad header, for one)
    except (TTLibError, AssertionError, struct.error) as exc:
        raise LayoutError(f"not a TrueType or OpenType font ({exc})", source=str(font)) from exc
    return sorted({c for c in text if not c.isspace() and ord(c) not in cmap})


def check_fonts(text: str, fonts: Iterable[str | os.PathLike[str]]) -> None:
    """Raise :class:`~cashless.errors.LayoutError` unless every font covers ``text``.

    >>> regular, _ = default_fonts()
    >>> check_fonts("Chợ", [regular.parent / "cmr10.ttf"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    cashless.errors.LayoutError: .../cmr10.ttf: font has no glyph for 'ợ' (U+1EE3); choose a font that has them
    """
    for font in dict.fromkeys(fonts):
        missing = missing_glyphs(text, font)
        if missing:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:_SHOWN])
            if len(missing) > _SHOWN:
                shown += f" and {len(missing) - _SHOWN} more"
            raise LayoutError(
                f"font has no glyph for {shown}; choose a font that has them", source=str(font)
            )
