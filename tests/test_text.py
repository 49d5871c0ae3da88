"""Tests for cashless.payload.text: folding Vietnamese to printable ASCII."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashless.payload.text import fold, is_ans, nfc

BASE_VOWELS = "aăâeêioôơuưy"
ASCII_BASE = {"ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u"}
# no tone, grave (huyền), hook (hỏi), tilde (ngã), acute (sắc), dot below (nặng)
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


def vietnamese_letters() -> dict[str, str]:
    """Every Vietnamese letter outside ASCII, mapped to the ASCII letter it folds to."""
    letters = {}
    for vowel in BASE_VOWELS:
        for tone in TONES:
            lower = unicodedata.normalize("NFC", vowel + tone)
            expected = ASCII_BASE.get(vowel, vowel)
            for letter, ascii_letter in ((lower, expected), (lower.upper(), expected.upper())):
                if not letter.isascii():
                    letters[letter] = ascii_letter
    letters["đ"] = "d"
    letters["Đ"] = "D"
    return letters


LETTERS = vietnamese_letters()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chợ Điện Biên", "Cho Dien Bien"),
        ("ủng hộ lũ lụt", "ung ho lu lut"),
        ("Đặng Thị Hương", "Dang Thi Huong"),
        ("NGUYỄN VĂN ĐỨC", "NGUYEN VAN DUC"),
        ("Ngân hàng TMCP Sài Gòn – Hà Nội", "Ngan hang TMCP Sai Gon Ha Noi"),
        ("Rau\u00a0cải\t\tngọt\n", "Rau cai ngot"),
        ("  cá   kho  ", "ca kho"),
        ("Phở 🍜 24", "Pho 24"),
        ("bún\u200bchả", "buncha"),
        ("茶 trà", "tra"),
        ("a\x00b\x07c", "abc"),
        ("Ðặng", "Dang"),  # Icelandic eth typed for Đ
        ("Øresund Straße", "Oresund Strasse"),
        ("Crème brûlée", "Creme brulee"),
        ("", ""),
        ("🍜", ""),
    ],
)
def test_fold_examples(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_decomposed_input_matches_composed() -> None:
    composed = "Đặng Thị Hương"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "Dang Thi Huong"


def test_there_are_134_vietnamese_letters_outside_ascii() -> None:
    assert len(LETTERS) == 134
    assert all(len(letter) == 1 for letter in LETTERS)


@pytest.mark.parametrize("letter", sorted(LETTERS))
def test_every_vietnamese_letter_folds_to_its_ascii_base(letter: str) -> None:
    assert fold(letter) == LETTERS[letter]
    assert fold(f"x{letter}y") == f"x{LETTERS[letter]}y"


def test_all_letters_in_one_string() -> None:
    text = "".join(LETTERS)
    assert fold(text) == "".join(LETTERS.values())
    assert is_ans(fold(text))


def test_nfc() -> None:
    assert nfc("e\u0302\u0301") == "ế"
    assert nfc("ế") == "ế"
    assert nfc("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Pho 24 ~!", True), ("", True), ("Phở", False), ("a\tb", False), ("a\x7f", False)],
)
def test_is_ans(text: str, expected: bool) -> None:
    assert is_ans(text) is expected


@given(st.text())
def test_fold_output_is_printable_ascii_without_space_runs(text: str) -> None:
    folded = fold(text)
    assert is_ans(folded)
    assert "  " not in folded
    assert folded == folded.strip()


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_fold_keeps_printable_ascii_without_space_runs(text: str) -> None:
    normal = " ".join(text.split())
    assert fold(normal) == normal


@given(st.text(alphabet=st.sampled_from([*LETTERS, " ", "a", "B", "\u00a0", "\t"])))
def test_fold_of_vietnamese_text_keeps_one_character_per_letter(text: str) -> None:
    folded = fold(text)
    assert folded == " ".join("".join(LETTERS.get(c, c) for c in text).split())
