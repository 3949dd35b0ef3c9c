"""Answer variables and the hotline text."""

from __future__ import annotations

import pytest

from bot.catalogue.answers import (
    ELLIPSIS,
    TOPICS,
    answer_text,
    answer_vars,
    fee_short,
    source_text,
    time_text,
)

KEYS = {
    "procedure_name",
    "procedure_code",
    "url",
    "source",
    "details",
    "has_more",
    "missing",
}


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_the_contract_keys(catalogue, topic):
    values = answer_vars(catalogue.get("1.001456"), topic)
    assert KEYS <= set(values)
    assert values["procedure_code"] == "1.001456"
    assert values["source"] == "Cổng Dịch vụ công quốc gia, thu thập giữa năm 2026"
    assert values["details"] and len(values["details"]) <= 900
    assert values["missing"] is False


def test_fee_and_time_come_from_the_record(catalogue):
    proc = catalogue.get("1.001456")
    fee = answer_vars(proc, "fee")["details"]
    assert "• Trực tiếp: 200,000 Việt Nam Đồng" in fee
    assert "160,000 Việt Nam Đồng" in fee
    assert answer_vars(proc, "processing_time")["details"].endswith("8 Ngày làm việc")
    assert fee_short(proc.channels[0]).endswith("Việt Nam Đồng")


def test_time_without_unit_is_not_invented(catalogue):
    proc = catalogue.get("1.001193")
    details = answer_vars(proc, "processing_time")["details"]
    assert "1 (cổng không ghi đơn vị)" in details
    assert "ngày" not in details.lower()
    assert time_text(proc.channels[0]) == "1 (cổng không ghi đơn vị)"


def test_documents_are_trimmed_for_chat(catalogue):
    proc = catalogue.get("1.001193")
    values = answer_vars(proc, "documents", max_items=3, max_chars=900)
    lines = values["details"].split("\n")
    assert values["has_more"] is True and lines[-1] == ELLIPSIS
    assert sum(line.startswith("• ") for line in lines) == 3
    assert lines[0] == "Giấy tờ phải nộp:"  # group header kept
    small = answer_vars(proc, "documents", max_items=50, max_chars=300)
    assert len(small["details"]) <= 300 and small["has_more"]
    full = answer_vars(catalogue.get("1.003677"), "documents")  # khai báo tạm vắng
    assert full["has_more"] is False and ELLIPSIS not in full["details"]
    assert full["details"].count("• ") == len(catalogue.get("1.003677").documents)
    assert ".doc" not in full["details"]  # template file names are for staff


def test_missing_topic(catalogue):
    values = answer_vars(catalogue.get("1.000178"), "fee")  # portal: no fee
    assert values["missing"] is True and values["has_more"] is False
    assert "chưa có thông tin" in values["details"]
    assert answer_vars(catalogue.get("3.000337"), "legal_basis")["missing"] is True


def test_online_and_where(catalogue):
    online = answer_vars(catalogue.get("1.004194"), "online")
    assert "Có thể nộp trực tuyến" in online["details"]
    assert online["url"] in online["details"]
    where = answer_vars(catalogue.get("1.014061"), "where")["details"]
    assert "Cấp xã" in where and "Công an cấp Xã" in where


def test_unknown_topic(catalogue):
    with pytest.raises(ValueError, match="unknown topic"):
        answer_vars(catalogue.get("1.001193"), "weather")


def test_answer_text_for_hotline_staff(catalogue):
    proc = catalogue.get("1.001456")
    text = answer_text(proc)
    for label in (
        "Thành phần hồ sơ:",
        "Lệ phí:",
        "Thời hạn giải quyết:",
        "Nơi nộp hồ sơ:",
        "Nộp hồ sơ trực tuyến:",
        "Căn cứ pháp lý:",
    ):
        assert label in text
    assert proc.url in text and "1022" in text
    assert "Nguồn: Cổng Dịch vụ công quốc gia, thu thập giữa năm 2026" in text
    assert proc.collected["imported"] in text
    assert source_text(proc) in text
    assert "Mẫu: Mau TK01a" in answer_text(proc)  # staff get the form file names
