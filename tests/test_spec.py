"""The spec table: every EMV and NAPAS data object once, and the codec reading from it."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

import pytest

from cashless.errors import FormatError
from cashless.payload import emv, spec
from cashless.payload.spec import OBJECTS, lookup, max_length

PAYLOAD = Path(spec.__file__).parent
CITATION = re.compile(
    r"(?:vietqr-spec §\d+(?:\.\d+)?|EMVCo MPM (?:§\d+(?:\.\d+)*|Table \d+\.\d+)"
    r"|NAPAS VietQR §\d+(?:\.\d+)*)"
)


@pytest.mark.parametrize(
    ("path", "limit"),
    [("38.01.01", 19), ("54", 13), ("59", 25), ("60", 15), ("62.08", 25), ("38.01.00", 6)],
)
def test_max_length_of_the_fields_the_issue_names(path: str, limit: int) -> None:
    assert max_length(path) == limit


def test_every_id_of_every_template_is_in_the_table() -> None:
    expected = (
        {f"{n:02d}" for n in range(100)}
        | {f"62.{n:02d}" for n in range(1, 100)}
        | {f"64.{n:02d}" for n in range(100)}
        | {"38.00", "38.01", "38.01.00", "38.01.01", "38.02"}
    )
    assert expected <= OBJECTS.keys()
    assert "62.00" not in OBJECTS  # 62 has no sub-ID 00 (EMVCo MPM Table 3.7)


@pytest.mark.parametrize("path", sorted(OBJECTS))
def test_each_entry_is_sound(path: str) -> None:
    entry = OBJECTS[path]
    assert entry.path == path
    assert entry.format in spec.FORMATS
    assert 1 <= entry.min_length <= entry.max_length <= spec.MAX_VALUE
    assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.name)
    assert CITATION.fullmatch(entry.clause), entry.clause
    assert entry.template == (path in spec.TEMPLATES)


def test_named_fields_keep_their_emv_meaning() -> None:
    assert lookup("01").name == "point_of_initiation"
    assert lookup("62.08").name == "purpose"
    assert lookup("64.01").format == "S"  # the one name field where accents belong
    assert lookup("59").format == "ans"
    assert [e.name for e in spec.ADDITIONAL_TEXT][-1] == "purpose"
    assert len(spec.ADDITIONAL_TEXT) == 8


def test_templates_agree_with_the_parser() -> None:
    for number in range(100):
        tag = f"{number:02d}"
        assert emv.is_template(tag) == (tag in spec.TEMPLATES), tag
        assert emv.is_template(tag, parent="62") == (f"62.{tag}" in spec.TEMPLATES), tag
    assert "38.01" in spec.TEMPLATES  # nested by GUID, not by the generic rule
    assert not emv.is_template("15") and not lookup("15").template


def test_service_codes_and_guids() -> None:
    assert spec.SERVICE_CODES == ("QRIBFTTA", "QRIBFTTC", "QRPUSH", "QRCASH")
    assert set(spec.TRANSFER_SERVICES) <= set(spec.SERVICE_CODES)
    assert spec.GUIDS[spec.NAPAS_GUID] == "vietqr"
    assert spec.GUIDS[spec.VNPAY_GUID] == "vnpay-qr"
    assert next(iter(spec.GUIDS)) == spec.NAPAS_GUID  # scheme_of tries NAPAS first


@pytest.mark.parametrize("path", ["", "100", "62.00", "38.03", "1", None, 54, "64.01.00"])
def test_unknown_paths_are_a_format_error(path: object) -> None:
    with pytest.raises(FormatError) as info:
        lookup(path)  # type: ignore[arg-type]
    assert info.value.code == "bad-id"
    with pytest.raises(FormatError):
        max_length(path)  # type: ignore[arg-type]


def _code_tokens(path: Path) -> list[tokenize.TokenInfo]:
    with path.open(encoding="utf-8") as handle:
        return list(tokenize.generate_tokens(handle.readline))


OTHER_MODULES = sorted(p for p in PAYLOAD.glob("*.py") if p.name != "spec.py")


@pytest.mark.parametrize("path", OTHER_MODULES, ids=lambda p: p.name)
def test_no_other_module_writes_a_limit_or_code_down(path: Path) -> None:
    tokens = _code_tokens(path)
    numbers = {t.string for t in tokens if t.type == tokenize.NUMBER}
    assert numbers.isdisjoint({"13", "15", "19", "25", "99", "512"}), path.name
    strings = {t.string.strip("\"'") for t in tokens if t.type == tokenize.STRING}
    facts = {"704", "VN", spec.NAPAS_GUID, spec.VNPAY_GUID, *spec.SERVICE_CODES}
    assert strings.isdisjoint(facts), path.name


@pytest.mark.parametrize("path", OTHER_MODULES, ids=lambda p: p.name)
def test_one_tlv_serialiser(path: Path) -> None:
    source = path.read_text("utf-8")
    assert not re.search(r"\{len\([^)]*\):02d\}", source), path.name


@pytest.mark.parametrize("path", sorted(PAYLOAD.glob("*.py")), ids=lambda p: p.name)
def test_every_section_sign_is_a_known_citation(path: Path) -> None:
    """``§`` only in the three forms that docs/references.md resolves."""
    source = path.read_text("utf-8")
    spans = [range(*m.span()) for m in CITATION.finditer(source)]
    stray = [
        source[max(at - 20, 0) : at + 8]
        for at, char in enumerate(source)
        if char == "§" and not any(at in span for span in spans)
    ]
    assert stray == []
