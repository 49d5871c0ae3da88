"""cashless.stalls.qr: segmentation, symbol settings, outputs, and zxing-cpp round trips."""

from __future__ import annotations

import io
import itertools

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from cashless.errors import CashlessError, CharsetError, LengthError, OutputError, UsageError
from cashless.stalls.qr import make_qr, matrix_rows, save, segment, to_image

ALNUM = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def vietqr_like(account: str = "0123456789", stall: int = 123) -> str:
    """The 153-character synthetic static payload of qr-print §1.

    Built by hand so this file depends on nothing but the module under test; the CRC is a
    placeholder, which the QR layer does not care about.
    """
    inner = _tlv("00", "970436") + _tlv("01", account)
    mai = _tlv("00", "A000000727") + _tlv("01", inner) + _tlv("02", "QRIBFTTA")
    body = (
        _tlv("00", "01")
        + _tlv("01", "11")
        + _tlv("38", mai)
        + _tlv("53", "704")
        + _tlv("58", "VN")
        + _tlv("59", "NGUYEN THI TRAM")
        + _tlv("60", "DIEN BIEN")
        + _tlv("62", _tlv("08", f"Cho Dien Bien quay {stall}"))
    )
    return body + "6304A1B2"


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def decode_one(image: Image.Image) -> zxingcpp.Barcode:
    found = decode(image)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return found[0]


# --- segmentation -------------------------------------------------------------------


def segment_bits(parts: list[tuple[str, str]], group_bits: dict[str, int]) -> int:
    total = 0
    for text, mode in parts:
        n = len(text)
        total += 4 + group_bits[mode]
        if mode == "numeric":
            total += 10 * (n // 3) + (0, 4, 7)[n % 3]
        elif mode == "alphanumeric":
            total += 11 * (n // 2) + 6 * (n % 2)
        else:
            total += 8 * len(text.encode("utf-8"))
    return total


def brute_force_bits(text: str, group_bits: dict[str, int]) -> int:
    best = None
    for modes in itertools.product(("numeric", "alphanumeric", "byte"), repeat=len(text)):
        if any(
            (m == "numeric" and not c.isdigit()) or (m == "alphanumeric" and c not in ALNUM)
            for c, m in zip(text, modes, strict=True)
        ):
            continue
        parts: list[tuple[str, str]] = []
        for c, m in zip(text, modes, strict=True):
            if parts and parts[-1][1] == m:
                parts[-1] = (parts[-1][0] + c, m)
            else:
                parts.append((c, m))
        bits = segment_bits(parts, group_bits)
        best = bits if best is None else min(best, bits)
    assert best is not None
    return best


VERSION_1_9 = {"numeric": 10, "alphanumeric": 9, "byte": 8}


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123A b.", min_size=1, max_size=8))
def test_segment_is_minimal_against_brute_force(text: str) -> None:
    parts = segment(text)
    assert "".join(p for p, _ in parts) == text
    assert segment_bits(parts, VERSION_1_9) == brute_force_bits(text, VERSION_1_9)


def test_segment_respects_mode_charsets() -> None:
    payload = vietqr_like()
    for part, mode in segment(payload):
        if mode == "numeric":
            assert part.isdigit()
        elif mode == "alphanumeric":
            assert set(part) <= ALNUM
    assert segment("") == []


def test_segment_header_lengths_depend_on_version_group() -> None:
    # In versions 10+ a numeric header costs 2 more bits, so short digit runs stay put less often.
    text = "AB1234C"
    assert "".join(p for p, _ in segment(text, version=30)) == text
    with pytest.raises(UsageError, match="version must be a QR version from 1 to 40, not 41"):
        segment(text, version=41)


# --- symbol settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "mixed_version", "single_version"),
    [("L", 5, 7), ("M", 6, 9), ("Q", 8, 11), ("H", 10, 12)],
)
def test_153_char_payload_versions_and_round_trip(
    error: str, mixed_version: int, single_version: int
) -> None:
    payload = vietqr_like()
    assert len(payload) == 153
    for mixed, version in ((True, mixed_version), (False, single_version)):
        qr = make_qr(payload, error=error, mixed=mixed)
        assert (qr.version, qr.error, qr.is_micro) == (version, error, False)
        found = decode_one(to_image(qr, scale=4))
        assert found.text == payload
        assert found.ec_level == error
        assert found.extra["Version"] == str(version)


def test_never_micro_and_never_boosted() -> None:
    qr = make_qr("12345")
    assert (qr.is_micro, qr.version, qr.error) == (False, 1, "M")
    assert make_qr("HELLO WORLD", error="l").error == "L"


def test_default_level_is_m_and_bad_level_rejected() -> None:
    assert make_qr("X").error == "M"
    with pytest.raises(UsageError, match=r"^error \(the error-correction level\) must be one of"):
        make_qr("X", error="Z")
    with pytest.raises(UsageError) as info:
        make_qr("X", error=None)  # type: ignore[arg-type]
    assert info.value.field == "error"
    with pytest.raises(LengthError):
        make_qr("")
    with pytest.raises(CharsetError, match="UTF-8 cannot encode"):
        make_qr("A\ud800")


def test_too_long_payload_is_a_length_error() -> None:
    with pytest.raises(LengthError) as info:
        make_qr("é" * 3000, error="H")
    assert isinstance(info.value, CashlessError)
    assert "3000 characters" in str(info.value)


@pytest.mark.parametrize(
    "text", ["6404vi01Nguyễn Thị Trâm Chợ Điện Biên 0011001234567", "b9.90z6ÂÂ"]
)  # ISO 8859-1 bytes were misread as Shift JIS
def test_non_ascii_text_round_trips_as_utf8(text: str) -> None:
    found = decode_one(to_image(make_qr(text), scale=4))
    assert found.text == text


def test_qrcode_is_an_independent_encoder_that_agrees() -> None:
    # python-qrcode chunks runs of 20+ characters; an optimal splitter is never larger,
    # and both symbols must decode to the same text.
    import qrcode

    for stall in (7, 123):
        payload = vietqr_like(stall=stall)
        for level, constant in (
            ("M", qrcode.constants.ERROR_CORRECT_M),
            ("Q", qrcode.constants.ERROR_CORRECT_Q),
        ):
            other = qrcode.QRCode(error_correction=constant, box_size=4, border=4)
            other.add_data(payload)
            other.make(fit=True)
            ours = make_qr(payload, error=level)
            assert ours.version <= other.version
            theirs = decode_one(other.make_image().get_image().convert("L"))
            assert theirs.text == decode_one(to_image(ours, scale=4)).text == payload


# --- outputs ------------------------------------------------------------------------


def test_matrix_rows_cover_exactly_the_dark_modules() -> None:
    qr = make_qr(vietqr_like())
    rows = matrix_rows(qr)
    for row, runs in zip(qr.matrix, rows, strict=True):
        dark = {x for x, value in enumerate(row) if value}
        covered = {x for start, length in runs for x in range(start, start + length)}
        assert covered == dark


def test_to_image_has_quiet_zone_and_scale() -> None:
    qr = make_qr("HELLO")
    image = to_image(qr, scale=3)
    assert image.mode == "1"
    assert image.size == ((21 + 8) * 3,) * 2
    quiet = image.crop((0, 0, 12, image.height))
    assert quiet.getextrema() == (255, 255)
    for bad in ({"scale": 0}, {"scale": 1.5}, {"border": -1}):
        with pytest.raises(UsageError) as info:
            to_image(qr, **bad)  # type: ignore[arg-type]
        assert info.value.field == next(iter(bad))


@pytest.mark.parametrize(
    ("kind", "magic"), [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")]
)
def test_save_writes_each_kind_atomically(tmp_path, kind: str, magic: bytes) -> None:
    target = tmp_path / f"code.{kind}"
    assert save(make_qr("HELLO"), target) == target
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    stream = io.BytesIO()
    assert save(make_qr("HELLO"), stream, kind=kind) is None
    assert stream.getvalue().startswith(magic)


def test_saved_png_decodes(tmp_path) -> None:
    payload = vietqr_like()
    save(make_qr(payload), tmp_path / "c.png", scale=5)
    assert decode_one(Image.open(tmp_path / "c.png").convert("L")).text == payload


def test_save_rejects_unknown_kinds_and_bad_arguments(tmp_path) -> None:
    with pytest.raises(OutputError, match=r"c\.gif' must end in \.png, \.svg or \.pdf"):
        save(make_qr("X"), tmp_path / "c.gif")
    with pytest.raises(UsageError, match="kind is needed"):
        save(make_qr("X"), io.BytesIO())
    with pytest.raises(UsageError, match="kind must be one of png, svg, pdf, not 'gif'"):
        save(make_qr("X"), tmp_path / "c.png", kind="gif")
    for bad in ({"scale": 0}, {"scale": float("inf")}, {"border": -1}, {"border": 2.5}):
        with pytest.raises(UsageError) as info:
            save(make_qr("X"), tmp_path / "c.png", **bad)  # type: ignore[arg-type]
        assert info.value.field == next(iter(bad))
    with pytest.raises(OutputError, match="cannot write"):
        save(make_qr("X"), tmp_path / "missing" / "c.png")
    assert list(tmp_path.iterdir()) == []


# --- degradation (qr-print §6: each applied separately must still decode) ------------


def _two_px_per_module(payload: str) -> Image.Image:
    return to_image(make_qr(payload), scale=2).convert("L")


def test_degraded_images_still_decode() -> None:
    payload = vietqr_like(account="9704366612", stall=42)
    small = _two_px_per_module(payload)
    assert decode_one(small).text == payload

    big = to_image(make_qr(payload), scale=10).convert("L")
    blurred = big.filter(ImageFilter.GaussianBlur(radius=4))  # sigma 0.4 module
    assert len(blurred.getcolors(256)) > 2  # really grey, not just black and white
    assert decode_one(blurred).text == payload

    jpeg = io.BytesIO()
    to_image(make_qr(payload), scale=3).convert("L").save(jpeg, "JPEG", quality=30)
    jpeg.seek(0)
    assert decode_one(Image.open(jpeg)).text == payload


@settings(max_examples=40, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789ABCZ abcz$%*+-./:,;#@ĐđợễầịữưÂ")),
        min_size=1,
        max_size=120,
    ),
    st.sampled_from(["L", "M", "Q", "H"]),
)
def test_any_text_round_trips(text: str, error: str) -> None:
    qr = make_qr(text, error=error)
    found = decode_one(to_image(qr, scale=3))
    assert (found.text, found.ec_level) == (text, error)
