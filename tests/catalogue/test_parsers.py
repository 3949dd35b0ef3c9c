"""Parsers of the portal's flattened tables, on snippets of real records."""

from __future__ import annotations

from bot.catalogue import parsers as p
from bot.catalogue.model import UNIT_UNKNOWN

H = p.CHANNEL_HEADER

# ------------------------------------------------------------------ channels


def test_civil_status_time_without_unit_is_kept_raw_and_flagged():
    # 1.001193 (đăng ký khai sinh)
    channels, problems = p.parse_channels(
        H + "Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí"
    )
    assert problems == []
    assert [c.kind for c in channels] == ["online", "postal", "in_person"]
    assert all(c.time_value == 1 and c.time_unit == UNIT_UNKNOWN for c in channels)
    assert all(c.time_text == "1" for c in channels)
    assert all(c.fee_text == "Miễn phí" and c.fee_amount == 0 for c in channels)


def test_time_unit_fee_amount_and_detail():
    # 1.004002 (đăng ký lại phương tiện)
    channels, problems = p.parse_channels(
        H + "Trực tuyến2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy chứng nhận)"
    )
    assert problems == []
    (ch,) = channels
    assert (ch.time_value, ch.time_unit) == (2, "Ngày làm việc")
    assert ch.fee_amount == 70000 and ch.fee_currency == "VND"
    assert ch.fee_text == "70,000 VNĐ (70.000 đồng/Giấy chứng nhận)"
    assert ch.description == ""


def test_description_after_fee_and_usd():
    # 1.001010 (thẻ thường trú) and 1.002992 (time repeated in the description)
    channels, _ = p.parse_channels(H + "Trực tiếp6 Tháng100 USD(100 USD/thẻ.)")
    assert channels[0].time_unit == "Tháng"
    assert (channels[0].fee_amount, channels[0].fee_currency) == (100, "USD")
    channels, _ = p.parse_channels(
        H + "Trực tuyến5 Ngày làm việcMiễn phí05 (năm) ngày làm việc kể từ ngày nhận"
        " hồ sơ đầy đủ, hợp lệ."
    )
    assert channels[0].description.startswith("05 (năm) ngày làm việc")


def test_free_headline_with_priced_detail_claims_no_amount():
    # 3.000340: "Miễn phí" but the detail lists 8.000.000/lần
    channels, _ = p.parse_channels(
        H + "Trực tuyến12 NgàyMiễn phí(Cho một loại hình sản phẩm hoặc dịch vụ:"
        " 8.000.000/lần.)"
    )
    assert channels[0].fee_text.startswith("Miễn phí (Cho một loại hình")
    assert channels[0].fee_amount is None


def test_channel_label_inside_description_does_not_start_a_row():
    # 1.009528: "Trực tuyến tại Cổng…" is a description, not a channel
    channels, _ = p.parse_channels(
        H + "Trực tuyến7 Ngày làm việcMiễn phíTrực tuyến tại Cổng Dịch vụ công quốc"
        " gia.Trực tiếp7 Ngày làm việcMiễn phíTrực tiếp tại Bộ phận Một cửa;"
    )
    assert [c.label for c in channels] == ["Trực tuyến", "Trực tiếp"]
    assert channels[0].description == "Trực tuyến tại Cổng Dịch vụ công quốc gia."


def test_glued_time_and_fee_is_reported_not_guessed():
    # 1.006429: "120 VNĐ" is "1" + "20 VNĐ" or "" + "120 VNĐ"
    channels, problems = p.parse_channels(H + "Trực tuyến120 VNĐ")
    assert problems and "run together" in problems[0]
    assert channels[0].time_value is None and channels[0].time_unit == UNIT_UNKNOWN
    assert channels[0].fee_text == "120 VNĐ" and channels[0].fee_amount is None


def test_time_words_and_missing_fee():
    channels, problems = p.parse_channels(
        H + "Trực tuyếnKhông quy địnhMiễn phíQua Cổng DVC Quốc gia"
        "Trực tiếpKhông có thông tinKhông có thông tinTại Bộ phận Một cửa"
    )
    assert problems == []
    assert channels[0].time_text == "Không quy định" and channels[0].time_value is None
    assert channels[1].time_text == "" and channels[1].fee_text == ""
    assert channels[1].description == "Tại Bộ phận Một cửa"


def test_unparseable_channels_are_reported():
    # 1.009824: the time cell is a sentence
    channels, problems = p.parse_channels(
        H + "Trực tiếpHệ thống giải quyết thủ tục hành chính ngành Thuế thực hiện"
    )
    assert channels == [] and problems == ["channels: no channel rows"]


def test_parse_amount():
    assert p.parse_amount("2,000,000 Việt Nam Đồng") == (2000000.0, "VND")
    assert p.parse_amount("10 USD") == (10.0, "USD")
    assert p.parse_amount("Miễn phí") == (None, None)


# ----------------------------------------------------------------- documents

D = p.DOCUMENT_HEADER


def test_documents_with_groups_copies_and_forms():
    text = (
        "* Giấy tờ phải nộp:" + D + "- Tờ khai đăng ký khai sinh theo mẫu;Mẫu TK01.docx"
        "1 bản chính- Giấy chứng sinh1 bản chính* Giấy tờ phải xuất trình:"
        + D
        + "Hộ chiếu hoặc thẻ căn cước0 bản chính,1 bản sao"
    )
    docs, problems = p.parse_documents(text)
    assert problems == []
    assert [(d.group, d.name, d.form, d.copies) for d in docs] == [
        (
            "Giấy tờ phải nộp",
            "Tờ khai đăng ký khai sinh theo mẫu",
            "Mẫu TK01.docx",
            "1 bản chính",
        ),
        ("Giấy tờ phải nộp", "Giấy chứng sinh", "", "1 bản chính"),
        ("Giấy tờ phải xuất trình", "Hộ chiếu hoặc thẻ căn cước", "", "1 bản sao"),
    ]


def test_form_glued_after_a_legal_number():
    # 1.000823
    docs, _ = p.parse_documents(
        "--" + D + "Đơn đề nghị chuyển đổi Giấy phép theo Mẫu số 08 ban hành kèm theo"
        " Nghị định số 121/2021/NĐ-CP ngày 27/12/2021;Mus08.docx1 bản chính"
    )
    assert docs[0].form == "Mus08.docx"
    assert docs[0].name.endswith("ngày 27/12/2021")
    assert docs[0].group == ""


def test_several_forms_and_enumerated_rows():
    docs, _ = p.parse_documents(
        "--" + D + "Bản khai chung theo mẫuMauBankhaichung.docxMauDanhsach.docx"
        "1 bản chínhb) Phương án huy động vốn;1 bản chính"
    )
    assert docs[0].form == "MauBankhaichung.docx; MauDanhsach.docx"
    assert docs[1].name == "b) Phương án huy động vốn"


def test_copies_inside_prose_do_not_split_a_row():
    docs, _ = p.parse_documents(
        "--" + D + "Giấy tờ chứng minh (01 bản chính hoặc bản sao)1 bản chính"
    )
    assert len(docs) == 1 and docs[0].copies == "1 bản chính"


def test_documents_missing_or_misaligned():
    assert p.parse_documents("--") == ([], [])
    docs, problems = p.parse_documents(
        "); nộp hồ sơ cho cơ quan BHXH nơi đang chi trả trợ cấp"
    )
    assert docs == [] and "no table" in problems[0]


# --------------------------------------------------------------- legal basis

L = p.LEGAL_HEADER


def test_legal_rows_with_glued_names_and_numbers():
    # 2.002043 / 1.004222 snippets
    docs, problems = p.parse_legal(
        L + "Nghị định 126/2020/NĐ-CP126/2020/NĐ-CPLuật Cư trú 202068/2020/QH14"
        "Thông tư 57/2021/TT-BCA57/2021/TT-BCAQuyết định số24/2021/QĐ-TTg"
    )
    assert problems == []
    assert [(d.name, d.number) for d in docs] == [
        ("Nghị định 126/2020/NĐ-CP", "126/2020/NĐ-CP"),
        ("Luật Cư trú 2020", "68/2020/QH14"),
        ("Thông tư 57/2021/TT-BCA", "57/2021/TT-BCA"),
        ("Quyết định số", "24/2021/QĐ-TTg"),
    ]


def test_number_quoted_inside_a_name_is_not_a_row_end():
    docs, _ = p.parse_legal(
        L + "Thông tư số 19/2021/TT-BTC ngày 18/3/2021 của Bộ Tài chính hướng dẫn giao"
        " dịch điện tử trong lĩnh vực thuế19/2021/TT-BTC"
    )
    assert len(docs) == 1 and docs[0].number == "19/2021/TT-BTC"


def test_legal_missing_and_misaligned():
    assert p.parse_legal("Không có thông tin") == ([], [])
    docs, problems = p.parse_legal(": Thông tư 269/2016/TT-BTC ngày 14/11/2016")
    assert docs == [] and "header not found" in problems[0]


# -------------------------------------------------------------------- result


def test_result_strips_page_chrome():
    names, description, problems = p.parse_result(
        "Phiếu Lý lịch tư pháp số 2Mã: KQ.G17.000221Phiếu Lý lịch tư pháp số 1"
        "Mã: KQ.G17.000222Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan"
        " thực hiệnTỉnh/ Thành phốBộ ngành-- Chọn Bộ ngành --Nộp hồ sơ"
    )
    assert names == ["Phiếu Lý lịch tư pháp số 2", "Phiếu Lý lịch tư pháp số 1"]
    assert description == "" and problems == []


def test_result_description_and_empty_result():
    _, description, _ = p.parse_result(
        "Quyết định công nhậnMã: KQ.G01.1Từ khóaKhông có thông tinMô tảThời hạn của"
        " Quyết định là 10 năm.Chọn cơ quan thực hiện"
    )
    assert description == "Thời hạn của Quyết định là 10 năm."
    assert p.parse_result("...Mã: KQ.G01.000279Từ khóa")[2] == ["result: empty"]


def test_text_helpers():
    assert p.clean_text(" a\t b \n\n\n c ") == "a b\nc"
    assert p.is_no_info("Không có thông tin.") and not p.is_no_info("Không")
    assert p.strip_chrome("Không có thông tinTừ khóaKhông có") == "Không có thông tin"
    assert p.split_levels("Cấp bộ, Cấp tỉnh") == ["Cấp bộ", "Cấp tỉnh"]
