"""Who a procedure is for (bot/catalogue/audience.py) and its use in search."""

from __future__ import annotations

import pytest

from bot.catalogue import search
from bot.catalogue.audience import (
    age_range,
    asked_ages,
    asks_about_forces,
    fits_ages,
    for_armed_forces,
)
from bot.text import fold


def top_code(catalogue, query):
    hits = catalogue.search(query, top=1)
    return hits[0].procedure.code if hits else None


def test_records_for_the_forces_own_people():
    assert for_armed_forces("Bước 1: Sĩ quan, hạ sĩ quan, chiến sĩ nghĩa vụ ...")
    assert for_armed_forces("cán bộ đang công tác trong Công an nhân dân")
    # "ngoại quan nhận" folds to "... quan nhan": checked with its accents.
    assert not for_armed_forces("hàng hóa từ kho ngoại quan nhận vào nội địa")
    assert not for_armed_forces("Công dân Việt Nam nộp hồ sơ tại UBND xã")


@pytest.mark.parametrize(
    "question, forces",
    [
        ("toi la chien si cong an mat the bhyt", True),
        ("bố tôi là bộ đội xuất ngũ", True),
        ("chồng em làm công an, muốn đổi thẻ bhyt", True),
        ("mất thẻ bhyt thì lên công an phường được không", False),
        ("cap lai the bao hiem y te", False),
    ],
)
def test_questions_from_the_forces(question, forces):
    assert asks_about_forces(fold(question)) is forces


def test_age_ranges_from_names():
    assert age_range(fold("Cấp thẻ căn cước cho người dưới 14 tuổi")) == (0, 14)
    assert age_range(fold("Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên")) == (
        14,
        None,
    )
    assert age_range(fold("Đăng ký khai sinh")) is None


@pytest.mark.parametrize(
    "question, ages",
    [
        ("con tôi 15 tuổi làm cccd", [15]),
        ("be 3t lam can cuoc", [3]),
        ("căn cước cho trẻ dưới 14 tuổi", [13]),
        ("người trên 60 tuổi", [61]),
        ("bé 8 tháng tuổi", [0]),
        ("tôi 35 tuổi, làm cho con mới sinh", [35, 0]),
        ("làm thẻ mất 7 ngày", []),
    ],
)
def test_ages_asked(question, ages):
    assert asked_ages(fold(question)) == ages


def test_one_stated_age_that_fits_is_enough():
    under_14 = (0, 14)
    assert fits_ages([35, 10], under_14)
    assert not fits_ages([15], under_14)
    assert fits_ages([14], (14, None)) and not fits_ages([13], (14, None))
    assert fits_ages([], under_14) and fits_ages([15], None)


def test_health_card_reissue_is_the_citizens_not_the_polices(catalogue):
    # 1.001294 "Cấp lại thẻ bảo hiểm y tế" is the police's procedure for its
    # officers; citizens file 1.002759 with social insurance.
    for question in (
        "cấp lại thẻ bảo hiểm y tế",
        "mất thẻ bhyt",
        "mat the bhyt lam lai",
    ):
        assert top_code(catalogue, question) == "1.002759", question
    codes = [
        h.procedure.code
        for h in catalogue.search("tôi là chiến sĩ công an, mất thẻ bhyt", 3)
    ]
    assert "1.001294" in codes


def test_the_stated_age_picks_the_id_card_procedure(catalogue):
    assert top_code(catalogue, "con tôi 15 tuổi làm cccd") == "1.014061"
    assert top_code(catalogue, "con trai 16 tuoi lam can cuoc o dau") == "1.014061"
    assert top_code(catalogue, "làm căn cước cho bé 5 tuổi") == "1.014062"
    assert top_code(catalogue, "căn cước cho trẻ dưới 14 tuổi") == "1.014062"


def test_without_the_cost_the_police_procedure_comes_first(catalogue, monkeypatch):
    # The order above is the audience cost's doing, not the words'.
    monkeypatch.setattr(search, "W_AUDIENCE", 0.0)
    assert top_code(catalogue, "cấp lại thẻ bảo hiểm y tế") == "1.001294"


def test_resembling_examples_do_not_recall_a_procedure_not_for_the_asker(
    catalogue, monkeypatch
):
    message = (
        "Mình làm văn phòng ở công ty tư nhân, tuần trước đi công tác bị mất ví, "
        "trong đó có cái thẻ khám bệnh. Giờ muốn đi khám ở bệnh viện gần nhà cho "
        "chắc thì phải làm lại giấy tờ gì ạ?"
    )
    index = catalogue.index
    police_card = "1.001294"  # for police officers only
    monkeypatch.setattr(index._examples, "nearest", lambda q: {police_card: 0.9})
    assert police_card not in [h.procedure.code for h in catalogue.search(message, 3)]
    # Without its audience cost it would be recalled first.
    monkeypatch.setattr(search, "W_AUDIENCE", 0.0)
    assert top_code(catalogue, message) == police_card


def test_foreign_party_variants_from_names():
    from bot.catalogue.audience import with_foreign_party

    assert with_foreign_party(fold("Đăng ký kết hôn có yếu tố nước ngoài"))
    assert not with_foreign_party(fold("Đăng ký kết hôn"))


STEPFATHER = (
    "Tôi đi bước nữa, chồng tôi muốn nhận con gái riêng 8 tuổi của tôi làm con "
    "nuôi để cháu được như con đẻ. Cả nhà đều ở phường Long Biên, thủ tục làm ở "
    "đâu ạ?"
)


def test_a_family_with_no_foreign_party_gets_the_domestic_procedure(
    catalogue, monkeypatch
):
    # 1.004878 is the step-parent adoption "có yếu tố nước ngoài"; its name
    # tells the story word for word.
    assert top_code(catalogue, STEPFATHER) == "2.001263"
    foreign = STEPFATHER.replace("chồng tôi", "chồng tôi người Hàn Quốc")
    assert top_code(catalogue, foreign) == "1.004878"
    monkeypatch.setattr(search, "W_AUDIENCE", 0.0)
    assert top_code(catalogue, STEPFATHER) == "1.004878"


def test_names_for_foreigners_are_for_a_foreign_party():
    from bot.catalogue.audience import with_foreign_party

    for name in (
        "Gia hạn tạm trú cho người nước ngoài tại Việt Nam",
        "Gia hạn tạm trú cho người đã được cấp giấy miễn thị thực",
    ):
        assert with_foreign_party(fold(name)), name
    assert not with_foreign_party(fold("Gia hạn tạm trú"))


@pytest.mark.parametrize(
    "question, held",
    [
        ("giấy khai sinh của bé chỉ có tên mẹ, giờ bố muốn nhận con", {"birth"}),
        ("giay khai sinh lam nam 2019, phan ten cha de trong", {"birth"}),
        ("căn cước của tôi sai ngày sinh", {"id card"}),
        # An expired passport is replaced by the first issue's procedure.
        ("tôi đã có hộ chiếu cũ, hết hạn rồi", set()),
        ("ba tôi có cccd rồi mà chưa từng khai sinh", {"id card"}),
        ("bà chỉ có chứng minh thư", {"id card"}),
        ("vợ chồng đã đăng ký kết hôn năm 2010", {"marriage"}),
        ("ông tôi mất năm 1998, hồi đó đã khai tử ở xã", {"death"}),
        # Needing, lacking or asking for a paper is not holding it.
        ("làm hộ chiếu có cần căn cước không", set()),
        ("cần có giấy khai sinh không", set()),
        ("con tôi không có giấy khai sinh", set()),
        ("chưa có căn cước thì làm sao", set()),
        ("chúng tôi chưa đăng ký kết hôn", set()),
        ("làm giấy khai sinh cho con", set()),
        # Clause by clause: the card is held, the birth certificate is not.
        ("chưa từng được khai sinh, chỉ có cccd", {"id card"}),
    ],
)
def test_papers_the_asker_holds(question, held):
    from bot.catalogue.audience import held_papers

    assert held_papers(fold(question)) == held


def test_first_issues_from_names():
    from bot.catalogue.audience import first_issue

    assert first_issue("dang ki khai sinh", True) == "birth"
    assert first_issue("thu tuc dang ki khai sinh ket hop dang ki nhan cha", True)
    assert first_issue("cap the can cuoc cho nguoi duoi 14 tuoi", True) == "id card"
    assert first_issue("cap ho chieu pho thong o trong nuoc", True) is None
    # Not a re-issue or change, nor the late registration of someone who
    # holds other papers.
    assert first_issue("cap the can cuoc", False) is None
    assert first_issue("dang ki khai sinh cho nguoi da co ho so giay to", True) is None


FATHER = (
    "Bé nhà tôi 3 tuổi, giấy khai sinh cũ chỉ ghi tên mẹ vì hồi đó chưa cưới. "
    "Giờ anh ấy là bố ruột muốn làm thủ tục nhận con thì cần gì?"
)


def test_a_held_birth_certificate_is_not_registered_again(catalogue, monkeypatch):
    # 1.000689 registers the birth and the father at once; this child's birth
    # is registered already.
    assert top_code(catalogue, FATHER) == "1.001022"
    monkeypatch.setattr(search, "W_AUDIENCE", 0.0)
    assert top_code(catalogue, FATHER) == "1.000689"

