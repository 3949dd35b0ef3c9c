"""Vietnamese text handling: folding, abbreviations, splitting."""

from bot.text import expand, fold, normalize, split_message, tokens, truncate


def test_fold_removes_diacritics_and_d_stroke():
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    assert fold("Giấy  tờ\tgì?") == "giay to gi?"


def test_normalize_composes_nfc_and_strips_controls():
    decomposed = "ho\u0302\u0323 chie\u0302\u0301u"  # "hộ chiếu" in NFD
    assert normalize(decomposed) == "hộ chiếu"
    assert normalize("a\x00b\u200bc") == "a b c"


def test_expand_teencode_and_abbreviations():
    assert expand("lam cccd ko dc") == "lam căn cước công dân không được"
    assert expand("GKS cho con") == "giấy khai sinh cho con"
    assert expand("abc") == "abc"


def test_tokens_keep_vietnamese_syllables():
    assert tokens("Làm hộ chiếu, ở đâu?") == ["làm", "hộ", "chiếu", "ở", "đâu"]


def test_truncate_cuts_at_word_boundary():
    text = "một hai ba bốn năm sáu bảy tám chín mười"
    out = truncate(text, 20)
    assert len(out) <= 20 and out.endswith("…")
    assert not out[:-1].endswith(" ")
    assert truncate("ngắn", 20) == "ngắn"


def test_split_message_respects_limit_and_sentences():
    text = " ".join(f"Câu số {i} nói về thủ tục hành chính." for i in range(200))
    parts = split_message(text, 500)
    assert all(len(p) <= 500 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_split_message_hard_cuts_a_single_long_word():
    parts = split_message("x" * 1200, 500)
    assert [len(p) for p in parts] == [500, 500, 200]
    assert split_message("", 10) == []
