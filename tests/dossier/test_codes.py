"""Dossier codes: extraction from what citizens type, validation, parts."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dossier.codes import (
    EXAMPLE_CODE,
    extract_code,
    is_valid_code,
    make_code,
    parse_code,
)

CANON = "000.00.06.H26-231027-0361"


@pytest.mark.parametrize(
    "text",
    [
        "000.00.06.H26-231027-0361",
        "000.00.06.h26-231027-0361",
        "ma ho so la 000.00.06.h26 - 231027 - 0361 nhe",
        "Mã hồ sơ: 000 . 00 . 06 . H26 - 231027 - 0361.",
        "000.00.06.H26–231027–0361",  # en dashes from a word processor
        "000.00.06.H26 — 231027 — 0361",
        "000.00.06.H26 231027 0361",
        "000.00.06.H26_231027_0361",
        # full-width characters, from a phone keyboard
        "０００.００.０６.Ｈ２６-２３１０２７-０３６１",
        "hs 000.00.06.H 26-231027-0361 của tôi sao rồi?",
        "(000.00.06.H26-231027-0361)",
        "mã:000.00.06.H26-231027-0361",
    ],
)
def test_extract_code_accepts_reasonable_writings(text: str) -> None:
    assert extract_code(text) == CANON


def test_extract_code_from_a_pasted_receipt() -> None:
    receipt = (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\n"
        "Mã hồ sơ: 000.A0.01.H26-210212-9090\n"
        "Ngày nhận: 12/02/2021 - Ngày hẹn trả: 19/02/2021\n"
        "Điện thoại: 0912345678"
    )
    assert extract_code(receipt) == "000.A0.01.H26-210212-9090"


def test_extract_code_prefers_a_code_with_a_real_date() -> None:
    text = "000.00.06.H26-231399-0001 nhầm, đúng là 000.00.06.H26-231027-0361"
    assert extract_code(text) == CANON


def test_extract_code_returns_a_malformed_date_for_the_caller_to_reject() -> None:
    code = extract_code("000.00.06.H26-231399-0001")
    assert code == "000.00.06.H26-231399-0001"
    assert not is_valid_code(code)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "hồ sơ của tôi đến đâu rồi",
        "0912.345.678",
        "000.00.06.H26-231027-036",  # 3-digit sequence
        "000.00.06.H26-23102-0361",  # 5-digit date
        "000.00.06.26-231027-0361",  # no H
        "000.00.06.H26-231027-03611",  # 5-digit sequence
        "1000.00.06.H26-231027-0361",  # 4-character first part
    ],
)
def test_extract_code_finds_nothing_in_other_text(text: str | None) -> None:
    assert extract_code(text) is None


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        (CANON, True),
        ("000.A0.01.H26-210212-9090", True),
        ("000.00.06.H26-240229-0001", True),  # leap day
        ("000.00.06.H26-230229-0001", False),
        ("000.00.06.H26-231327-0361", False),
        ("000.00.06.h26-231027-0361", False),  # not canonical: extract first
        (" 000.00.06.H26-231027-0361", False),
        ("", False),
        (None, False),
    ],
)
def test_is_valid_code(code: str | None, valid: bool) -> None:
    assert is_valid_code(code) is valid


def test_parse_and_make_code_round_trip() -> None:
    parts = parse_code(CANON)
    assert parts.agency == "000.00.06.H26"
    assert parts.received == date(2023, 10, 27)
    assert parts.sequence == 361
    assert make_code(parts.agency, parts.received, parts.sequence) == CANON


def test_example_code_is_valid() -> None:
    assert is_valid_code(EXAMPLE_CODE)
    assert extract_code(EXAMPLE_CODE) == EXAMPLE_CODE
