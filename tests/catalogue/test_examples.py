"""Example messages: loading, similarity, and their pull on the ranking."""

from __future__ import annotations

from pathlib import Path

from bot.catalogue import search
from bot.catalogue.evaluate import load_questions
from bot.catalogue.examples import ExampleIndex, load_examples
from bot.catalogue.search import SearchIndex
from bot.text import fold, normalize

EXAMPLES = {
    "1.000656": [
        "bố tôi vừa mất hôm qua, làm giấy chứng tử ở đâu",
        "ông ngoại mất ở nhà thì báo tử thế nào",
    ],
    "1.005461": [
        "giấy chứng tử của bà mất từ lâu, sổ hộ tịch ở xã cũng không còn",
        "ông mất năm 1990 đã khai tử rồi nhưng sổ gốc bị cháy, làm lại được không",
    ],
}


def test_committed_examples_name_catalogue_procedures(catalogue):
    examples = load_examples()
    assert len(examples) >= 100
    assert all(catalogue.get(code) is not None for code in examples)
    # 21-22 for each curated procedure, 10 for other everyday ones.
    assert all(
        len(messages) >= (15 if catalogue.get(code).aliases else 10)
        for code, messages in examples.items()
    )
    # A third or so typed without diacritics, as citizens do.
    messages = [m for ms in examples.values() for m in ms]
    plain = sum(fold(m) == normalize(m) for m in messages)
    assert 0.2 <= plain / len(messages) <= 0.5
    # No message is given for two procedures.
    assert len({normalize(m) for m in messages}) == len(messages)
    # None is a copy of a held-out question (the scores would measure nothing).
    held_out = load_questions(Path(__file__).parents[1] / "data" / "search_eval.yml")
    asked = {fold(str(q["q"])) for q in held_out}
    assert not asked & {fold(m) for m in messages}


def test_missing_file_gives_no_examples(tmp_path: Path):
    assert load_examples(tmp_path / "absent.yml") == {}
    assert len(ExampleIndex({})) == 0
    assert ExampleIndex({}).similar("khai tử", ["1.000656"]) == {}


def test_similar_reads_folded_words_and_characters():
    index = ExampleIndex(EXAMPLES)
    codes = list(EXAMPLES)
    found = index.similar(
        "so ho tich o xa bi chay mat, lam lai giay chung tu cho ba", codes
    )
    assert max(found, key=found.get) == "1.005461"
    assert all(0 < s <= 1 for s in found.values())
    # Only the codes asked about are compared.
    assert set(index.similar("giấy chứng tử", ["1.000656"])) == {"1.000656"}
    assert index.similar("giấy chứng tử", ["9.999999"]) == {}
    assert index.similar("   ", codes) == {}
    assert index.similar("🙂🙂", codes) == {}


def scores(procs, query, **patches):
    """Top-2 scores by code, from an index built with ``patches`` applied."""
    saved = {name: getattr(search, name) for name in patches}
    try:
        for name, value in patches.items():
            setattr(search, name, value)
        index = SearchIndex(procs, keywords={}, examples=EXAMPLES)
        return {h.procedure.code: h.score for h in index.search(query, top=2)}
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


def test_examples_pull_towards_the_sibling_they_resemble(catalogue):
    procs = [catalogue.get(c) for c in EXAMPLES]
    query = "đăng ký khai tử lại, sổ gốc ở xã bị cháy"
    pulled, plain = scores(procs, query), scores(procs, query, W_EXAMPLE=0.0)
    assert plain["1.005461"] >= search.NONE_BELOW
    gain = {code: pulled[code] - plain[code] for code in plain}
    assert 0 < gain["1.005461"] <= search.W_EXAMPLE + 1e-9
    assert gain["1.005461"] > gain["1.000656"] >= 0


def test_examples_pull_only_leading_candidates(catalogue):
    procs = [catalogue.get(c) for c in EXAMPLES]
    query = "đăng ký khai tử cho bà, sổ hộ tịch ở xã bị cháy không còn"
    # Both fair matches here: only the pool decides.
    pulled = scores(procs, query, EXAMPLE_POOL=1, NONE_BELOW=0.2)
    plain = scores(procs, query, EXAMPLE_POOL=1, NONE_BELOW=0.2, W_EXAMPLE=0.0)
    assert max(plain, key=plain.get) == "1.000656"
    assert pulled["1.005461"] == plain["1.005461"]  # resembles, but second
    assert pulled["1.000656"] > plain["1.000656"]


def test_examples_do_not_lift_a_poor_match(catalogue):
    procs = [catalogue.get(c) for c in EXAMPLES]
    query = "khai tử cho bà, sổ hộ tịch ở xã bị cháy không còn"
    plain = scores(procs, query, W_EXAMPLE=0.0)
    assert max(plain.values()) < search.NONE_BELOW
    assert scores(procs, query) == plain
    assert scores(procs, query, NONE_BELOW=0.2) != plain


def test_small_talk_stays_unmatched(catalogue):
    for query in ("thời tiết hôm nay thế nào", "cảm ơn bạn nhé", "hello"):
        assert catalogue.resolve(query).status == "none"


def test_query_vectors_are_what_scikit_learn_computes():
    import numpy as np

    index = ExampleIndex(EXAMPLES)
    for text in ("lam lai giay chung tu", "ông mất năm 1990, sổ gốc bị cháy", "xyz"):
        for which, vectorizer in enumerate(index._vectorizers):
            expected = vectorizer.transform([text]).toarray().ravel()
            assert np.allclose(index._vector(which, text), expected)


def test_a_re_issue_gains_from_its_examples_only_when_asked(catalogue):
    # The re-issue's texts ("làm lại / mất chứng chỉ hành nghề xây dựng")
    # hold the whole question, so they resemble it more than the first
    # issue's; the question asks for no "lại", so the first issue wins.
    first, again = "1.013237", "1.013217"
    sims = catalogue.index._examples.similar(
        "xin chứng chỉ hành nghề xây dựng", [first, again], neighbours=10
    )
    assert sims[again] > sims[first]
    assert top(catalogue, "xin chứng chỉ hành nghề xây dựng") == first
    assert top(catalogue, "mất chứng chỉ hành nghề xây dựng, xin cấp lại") == again


def top(catalogue, query):
    return catalogue.search(query, top=1)[0].procedure.code


def test_nearest_compares_with_every_procedure():
    index = ExampleIndex(EXAMPLES)
    query = "so ho tich o xa bi chay mat, lam lai giay chung tu cho ba"
    assert index.nearest(query) == index.similar(query, list(EXAMPLES))
    assert index.nearest("   ") == {} and ExampleIndex({}).nearest("khai tử") == {}


# Long stories that never name the procedure (written for this test).
SPLIT_HOUSEHOLD = (
    "Nhà tôi có ba thế hệ ở chung một sổ, vợ chồng tôi và hai cháu muốn ra riêng "
    "thành một hộ khác nhưng vẫn ở cùng địa chỉ đó. Bố tôi là chủ hộ đã đồng ý "
    "rồi. Làm ở công an phường được không ạ, mất bao lâu?"
)
GUARDIAN = (
    "Bố mẹ cháu mất cả rồi, cháu năm nay 12 tuổi đang ở với bà nội 70 tuổi ở xã "
    "Sóc Sơn. Bà muốn đứng ra chăm lo và đại diện cho cháu về giấy tờ, tài sản "
    "bố mẹ để lại. Bà cần làm thủ tục gì ở ủy ban xã ạ?"
)


def test_a_long_story_is_recalled_through_example_messages(catalogue, monkeypatch):
    for message, code in ((SPLIT_HOUSEHOLD, "1.010038"), (GUARDIAN, "1.004837")):
        assert top(catalogue, message) == code
        assert catalogue.resolve(message).status != "none"
    # The words alone find nothing that fits.
    monkeypatch.setattr(SearchIndex, "_recalled", lambda self, q, ranked, *_: ranked)
    for message, code in ((SPLIT_HOUSEHOLD, "1.010038"), (GUARDIAN, "1.004837")):
        assert top(catalogue, message) != code
        assert catalogue.resolve(message).status == "none"


def test_only_long_unsure_messages_are_recalled(catalogue, monkeypatch):
    calls = []
    nearest = catalogue.index._examples.nearest
    monkeypatch.setattr(
        catalogue.index._examples, "nearest", lambda q: calls.append(q) or nearest(q)
    )
    catalogue.search("tách hộ khẩu ra riêng", 3)  # short
    named = (
        "Vợ chồng em cưới nhau được hai tháng rồi mà chưa đi đăng ký. Giờ em muốn "
        "đăng ký kết hôn ở phường nơi em thường trú thì cần những giấy tờ gì ạ?"
    )
    catalogue.search(named, 3)
    assert calls == []  # long, but its words name the procedure: confident
    catalogue.search(SPLIT_HOUSEHOLD, 3)
    assert len(calls) == 1


def test_a_long_message_about_no_procedure_stays_unmatched(catalogue):
    message = (
        "Cuối tuần này cả nhà mình định đưa hai bé đi công viên chơi cả ngày, "
        "mà nghe nói trời sắp chuyển lạnh có mưa phùn. Ad cho mình hỏi thứ bảy "
        "Hà Nội có mưa không, nhiệt độ khoảng bao nhiêu để chuẩn bị áo ấm ạ?"
    )
    assert catalogue.resolve(message).status == "none"
