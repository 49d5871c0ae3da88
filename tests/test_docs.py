"""The map and the references stay true: ``docs/architecture.md`` and ``docs/references.md``.

Every citation in the source (``vietqr-spec §4.3``, ``market-sim §5.2``, ``qr-print §4.1``,
``EMVCo MPM §4.7.3``, ``EMVCo MPM Table 3.6``, ``NAPAS VietQR §5.2.3.2``) must resolve to a
heading of ``docs/references.md``; any other use of ``§`` in the source is a stray form.
The architecture page must name every room and every module of the package.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "cashless"
REFERENCES = ROOT / "docs" / "references.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

DOCUMENTS = r"(?:vietqr-spec|market-sim|qr-print|EMVCo MPM|NAPAS VietQR)"
SECTION = re.compile(rf"({DOCUMENTS}) §(\d+(?:\.\d+)*)")
TABLE = re.compile(r"(EMVCo MPM) Table (\d+\.\d+)")


def _citations(text: str) -> set[tuple[str, str]]:
    """``(document, "§5.2")`` and ``(document, "Table 3.6")`` pairs cited in ``text``."""
    found = {(doc, f"§{number}") for doc, number in SECTION.findall(text)}
    return found | {(doc, f"Table {number}") for doc, number in TABLE.findall(text)}


def _source_lines() -> list[tuple[str, int, str]]:
    lines = []
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            lines.append((name, number, line))
    return lines


def _headings() -> set[tuple[str, str]]:
    text = REFERENCES.read_text(encoding="utf-8")
    cited: set[tuple[str, str]] = set()
    for line in text.splitlines():
        if line.startswith("#"):
            cited |= _citations(line)
    return cited


def _resolves(citation: tuple[str, str], headings: set[tuple[str, str]]) -> bool:
    """A heading for the section itself or for one of its parents (§5.2.3.2 -> §5.2 -> §5)."""
    document, ref = citation
    if ref.startswith("Table"):
        return citation in headings
    parts = ref[1:].split(".")
    return any((document, "§" + ".".join(parts[:n])) in headings for n in range(len(parts), 0, -1))


def test_citation_patterns() -> None:
    assert _citations("see vietqr-spec §4.3 and EMVCo MPM Table 3.6, NAPAS VietQR §5.2.3.2.") == {
        ("vietqr-spec", "§4.3"),
        ("EMVCo MPM", "Table 3.6"),
        ("NAPAS VietQR", "§5.2.3.2"),
    }
    headings = {("NAPAS VietQR", "§5.2"), ("EMVCo MPM", "Table 3.6")}
    assert _resolves(("NAPAS VietQR", "§5.2.3.2"), headings)
    assert not _resolves(("NAPAS VietQR", "§5.3"), headings)
    assert not _resolves(("NAPAS VietQR", "§5"), headings)  # a child does not cover its parent
    assert not _resolves(("EMVCo MPM", "Table 3.7"), headings)


def test_every_citation_resolves_to_a_heading() -> None:
    headings = _headings()
    unresolved = [
        f"{name}:{number}: {document} {ref}"
        for name, number, line in _source_lines()
        for document, ref in sorted(_citations(line))
        if not _resolves((document, ref), headings)
    ]
    assert unresolved == [], "citations without a heading in docs/references.md:\n" + "\n".join(
        unresolved
    )


def test_no_stray_section_signs() -> None:
    stray = []
    for name, number, line in _source_lines():
        rest = TABLE.sub("", SECTION.sub("", line))
        if "§" in rest:
            stray.append(f"{name}:{number}: {line.strip()}")
    assert stray == [], (
        "a '§' not in a citation form (vietqr-spec / market-sim / qr-print / EMVCo MPM / "
        "NAPAS VietQR §N.M):\n" + "\n".join(stray)
    )


def test_references_headings_are_unique() -> None:
    lines = [
        line for line in REFERENCES.read_text(encoding="utf-8").splitlines() if line[:1] == "#"
    ]
    seen: dict[tuple[str, str], str] = {}
    for line in lines:
        # The first citation in a heading is the one it defines.
        found = SECTION.search(line) or TABLE.search(line)
        if found is None:
            continue
        key = (found.group(1), found.group(0))
        assert key not in seen, f"two headings define {found.group(0)}: {seen[key]!r}, {line!r}"
        seen[key] = line


def _mentions(text: str, name: str) -> bool:
    """Whether ``name`` appears as a whole name (``qr.py`` is not found in ``vietqr.py``)."""
    return re.search(rf"(?<![\w.-]){re.escape(name)}", text) is not None


def _rooms() -> list[str]:
    return sorted(p.parent.name for p in SOURCE.glob("*/__init__.py"))


def test_architecture_names_every_room_and_top_level_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    rooms = _rooms()
    assert {"payload", "banks", "stalls", "sim", "policy", "cli"} <= set(rooms)
    missing = [f"{room}/" for room in rooms if not _mentions(text, f"{room}/")]
    missing += [p.name for p in sorted(SOURCE.glob("*.py")) if not _mentions(text, p.name)]
    assert missing == [], f"docs/architecture.md does not mention: {missing}"


@pytest.mark.parametrize("room", _rooms())
def test_architecture_names_every_module_of_a_room(room: str) -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    modules = sorted(p.name for p in (SOURCE / room).glob("*.py") if p.name != "__init__.py")
    missing = [m for m in modules if not _mentions(text, m)]
    assert missing == [], f"docs/architecture.md does not describe {room}/: {missing}"
