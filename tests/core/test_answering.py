"""Which procedure and topic a turn is about (bot.answering), on a fake catalogue."""

from dataclasses import dataclass, field
from typing import List, Optional

import pytest

from bot import answering


@dataclass
class Proc:
    code: str
    name: str
    short_name: str = ""


@dataclass
class Hit:
    procedure: Proc
    score: float


@dataclass
class Resolution:
    status: str
    best: Optional[Proc] = None
    candidates: List[Hit] = field(default_factory=list)


PASSPORT = Proc("1.001456", "Cấp hộ chiếu phổ thông")
BIRTH = Proc("1.001193", "Thủ tục đăng ký khai sinh")
BIRTH_FOREIGN = Proc("2.000528", "Đăng ký khai sinh có yếu tố nước ngoài")


class FakeCatalogue:
    """Resolves a few phrases; anything else is 'none'."""

    table = {
        "hộ chiếu": Resolution("confident", PASSPORT, [Hit(PASSPORT, 0.9)]),
        "khai sinh": Resolution(
            "ambiguous", BIRTH, [Hit(BIRTH, 0.7), Hit(BIRTH_FOREIGN, 0.68)]
        ),
    }

    def get(self, code):
        return {p.code: p for p in (PASSPORT, BIRTH, BIRTH_FOREIGN)}.get(code)

    def resolve(self, query):
        for phrase, res in self.table.items():
            if phrase in query:
                return res
        return Resolution("none")


CAT = FakeCatalogue()


@pytest.mark.parametrize(
    "intent,topic",
    [
        ("ask_documents", "documents"),
        ("ask_fee", "fee"),
        ("ask_processing_time", "processing_time"),
        ("ask_where_to_submit", "where"),
        ("ask_online_submission", "online"),
        ("ask_legal_basis", "legal_basis"),
        ("ask_procedure", "overview"),
    ],
)
def test_mention_answers_with_topic_of_intent(intent, topic):
    d = answering.decide(CAT, intent, "làm hộ chiếu", mention="hộ chiếu")
    assert (d.kind, d.topic, d.procedure) == (answering.ANSWER, topic, PASSPORT)


def test_follow_up_without_mention_keeps_procedure_in_context():
    d = answering.decide(
        CAT, "ask_fee", "còn lệ phí thì sao?", current_code=PASSPORT.code
    )
    assert (d.kind, d.topic, d.procedure) == (answering.ANSWER, "fee", PASSPORT)


def test_new_mention_replaces_procedure_in_context():
    d = answering.decide(
        CAT,
        "ask_fee",
        "lệ phí làm hộ chiếu",
        mention="hộ chiếu",
        current_code=BIRTH.code,
    )
    assert d.procedure == PASSPORT


def test_ambiguous_mention_offers_candidates():
    d = answering.decide(CAT, "ask_documents", "đăng ký khai sinh", mention="khai sinh")
    assert d.kind == answering.CHOOSE
    assert [h.procedure.code for h in d.candidates] == [BIRTH.code, BIRTH_FOREIGN.code]
    assert d.topic == "documents"


def test_ambiguous_follow_up_containing_current_procedure_answers_it():
    d = answering.decide(
        CAT, "ask_fee", "khai sinh thì sao", current_code=BIRTH_FOREIGN.code
    )
    assert (d.kind, d.procedure) == (answering.ANSWER, BIRTH_FOREIGN)


def test_button_choice_keeps_previous_topic():
    d = answering.decide(
        CAT, "choose_procedure", "", chosen_code=BIRTH.code, previous_topic="fee"
    )
    assert (d.kind, d.topic, d.procedure) == (answering.ANSWER, "fee", BIRTH)


def test_unknown_mention_is_not_found_never_a_guess():
    d = answering.decide(
        CAT,
        "ask_fee",
        "lệ phí nuôi rồng",
        mention="nuôi rồng",
        current_code=PASSPORT.code,
    )
    assert d.kind == answering.NOT_FOUND and d.procedure is None


def test_question_without_any_procedure_asks_which():
    d = answering.decide(CAT, "ask_fee", "lệ phí bao nhiêu")
    assert (d.kind, d.topic) == (answering.ASK_WHICH, "fee")


def test_bare_name_after_which_question_keeps_topic():
    d = answering.decide(
        CAT, "ask_procedure", "hộ chiếu", mention="hộ chiếu", previous_topic="fee"
    )
    assert (d.kind, d.topic, d.procedure) == (answering.ANSWER, "fee", PASSPORT)


def test_general_question_about_unknown_thing_is_not_found():
    d = answering.decide(CAT, "ask_procedure", "thủ tục nuôi rồng")
    assert d.kind == answering.NOT_FOUND


def test_weak_full_text_match_does_not_replace_procedure_in_context():
    class Weak(FakeCatalogue):
        def resolve(self, query):
            return Resolution("confident", BIRTH, [Hit(BIRTH, 0.55)])

    d = answering.decide(
        Weak(), "ask_legal_basis", "văn bản nào quy định", current_code=PASSPORT.code
    )
    assert d.procedure == PASSPORT
    strong = FakeCatalogue()
    d = answering.decide(strong, "ask_fee", "thế còn hộ chiếu", current_code=BIRTH.code)
    assert d.procedure == PASSPORT


HEALTH_CARD = Proc("1.001939", "Đăng ký đóng, cấp thẻ BHYT")
HEALTH_CARD_AGAIN = Proc("1.002759", "Cấp lại, đổi, điều chỉnh thông tin thẻ BHYT")


class StoryCatalogue(FakeCatalogue):
    """The whole message tells more than its mention."""

    table = {
        "mất thẻ bhyt": Resolution(
            "confident", HEALTH_CARD_AGAIN, [Hit(HEALTH_CARD_AGAIN, 0.9)]
        ),
        "thẻ bhyt": Resolution("confident", HEALTH_CARD, [Hit(HEALTH_CARD, 0.9)]),
        **FakeCatalogue.table,
    }


def test_whole_message_is_read_before_the_mention():
    # NLU tags only "thẻ bhyt"; the message says it was lost.
    d = answering.decide(
        StoryCatalogue(),
        "ask_where_to_submit",
        "mất thẻ bhyt làm lại ở đâu",
        mention="thẻ bhyt",
    )
    assert d.kind == answering.ANSWER and d.procedure is HEALTH_CARD_AGAIN


def test_mention_is_tried_when_the_message_fits_nothing():
    d = answering.decide(
        StoryCatalogue(), "ask_fee", "cái đó hết bao nhiêu", mention="thẻ bhyt"
    )
    assert d.kind == answering.ANSWER and d.procedure is HEALTH_CARD


class AgreeingCatalogue(FakeCatalogue):
    table = {
        **FakeCatalogue.table,  # "khai sinh": ambiguous, BIRTH first
        "gks": Resolution("confident", BIRTH, [Hit(BIRTH, 0.9)]),
        "có yếu tố nước ngoài": Resolution(
            "confident", BIRTH_FOREIGN, [Hit(BIRTH_FOREIGN, 0.9)]
        ),
    }


def test_a_confident_mention_that_agrees_with_the_first_choice_is_answered():
    cat = AgreeingCatalogue()
    d = answering.decide(cat, "ask_fee", "làm khai sinh (gks) cho con", mention="gks")
    assert d.kind == answering.ANSWER and d.procedure is BIRTH
    # A mention pointing at another choice leaves the choice to the citizen.
    d = answering.decide(
        cat, "ask_fee", "làm khai sinh cho con", mention="có yếu tố nước ngoài"
    )
    assert d.kind == answering.CHOOSE
