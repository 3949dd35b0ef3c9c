"""Free-text search over the procedure catalogue, for citizens' wording.

Citizens write "làm hộ chiếu ở đâu", "dang ky ket hon", "cccd", "sổ đỏ", or tell
a whole life event ("bố mẹ mất không để lại di chúc, anh em muốn chia đất"). The
query goes through :mod:`bot.text` (abbreviations expanded, diacritics folded),
question words are stripped (``search_terms.yml``), colloquial words and phrases
are also tried in the portal's wording (the ``colloquial`` vocabulary), and
unknown words corrected against the catalogue's vocabulary with rapidfuzz.
Candidates come from an inverted index (one NumPy ``bincount`` per query); each
candidate is then scored against its name, plain-language name, aliases and
keyword phrases (primary fields: ``search_keywords.yml`` gives every procedure
without a curated entry two to four phrases in citizens' words) and, at a
discount, its result documents and field (lĩnh vực). In names longer than
``LONG_FIELD`` words, which list many cases, a question's words count only
within the best ``WINDOW``-word stretch:

* coverage: the IDF-weighted share of the query's words found in one field, or
  in all the procedure's fields together (long questions spread over them);
  words the catalogue never uses weigh less, and so does a long question's
  excess, so that context ("ở Hà Đông", "tháng trước") does not sink the score,
* phrase: the share of the query's adjacent word pairs found in order,
* precision: the IDF-weighted share of the field's words the query covers, so the
  general procedure beats its long, specific variants.

A field that is exactly the query's words earns a small bonus and the curated
popularity prior breaks near-ties. Last, the leading candidates gain as much as
the question resembles their texts (:mod:`bot.catalogue.examples`): every
procedure's name and keyword phrases, and for the curated ones example messages
in citizens' words. Scores lie in [0, 1] and are comparable across
queries, which makes the thresholds in :meth:`SearchIndex.resolve` meaningful: a
best score below ``NONE_BELOW`` is "none" (hand off to the hotline), two different
procedures within ``AMBIGUOUS_GAP`` of each other are "ambiguous" (ask "Ý bạn
là...?"), and so is a best score under ``CONFIDENT_FROM``. The thresholds
were set on ``tests/data/search_dev.yml`` and ``search_dev2.yml``.
Procedures whose names differ only by the level that runs them ("(thực hiện tại
cấp tỉnh)" / "(… cấp trung ương)") form a family; it is ranked once, as the
commune or province variant, and siblings never make a result ambiguous.
Procedures a citizen files at the commune or province get a small bonus over
ministry-only ones, and a fully online variant ("toàn trình") yields to the
ordinary one unless the question asks for online filing.

Siblings that share their words differ in what they do to the object ("cấp
lại", "cấp đổi", "điều chỉnh", "xóa") and for whom ("có yếu tố nước ngoài").
These aspects are read from names and questions (``aspects`` in
``search_terms.yml``); a procedure whose aspects agree with the question's is
preferred. Variants of a curated procedure ("Đăng ký kết hôn có yếu tố nước
ngoài") inherit its alias words at half weight, so the curated one does not win
on its aliases alone; when the question asks for what the variant adds ("chồng
em quốc tịch Pháp"), the variant is matched like its curated parent.

Citizens tell more than they ask. The request is the last part after a marker
("muốn", "giờ", "cần", "xin") or the last sentence, unless a question
came first; papers to bring or compare with ("có cần mang cccd không") weigh
half; spans of time ("2 năm") and years are left out. A procedure only
organizations file yields to one citizens file unless the question speaks of a
business. An accented word whose tone alone differs from a catalogue word
("giây" for "giấy") is read as if typed without marks.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.catalogue.audience import (
    age_range,
    asked_ages,
    asks_about_forces,
    first_issue,
    fits_ages,
    for_armed_forces,
    held_papers,
    with_foreign_party,
)
from bot.catalogue.examples import ExampleIndex, load_examples
from bot.catalogue.model import Procedure
from bot.catalogue.store import normalize_code, read_code_texts
from bot.text import expand, fold_token, normalize

TERMS_PATH = Path(__file__).with_name("search_terms.yml")
KEYWORDS_PATH = Path(__file__).with_name("search_keywords.yml")

#: Below this score nothing fits: the bot hands off to the hotline.
NONE_BELOW = 0.5
#: From this many words on, a message's best match is "none" only below
#: ``LONG_NONE_BELOW``.
LONG_MESSAGE, LONG_NONE_BELOW = 20, 0.45
#: Two different procedures closer than this are ambiguous.
AMBIGUOUS_GAP = 0.06
#: A best score below this is only a guess: offer the top choices.
CONFIDENT_FROM = 0.6
#: At most this many candidates are offered when ambiguous.
MAX_CHOICES = 4
#: Candidates re-scored in full per query.
CANDIDATES = 100

W_COVERAGE, W_PHRASE, W_PRECISION = 0.55, 0.20, 0.25
W_PRIOR = 0.05
#: IDF mass of matched words that makes a match fully specific; a lone common
#: word ("tên", "thuế") scores proportionally less.
SPECIFIC = 5.5
#: Bonus when the query's words are exactly one field's words ("cccd", "sổ đỏ").
W_EXACT = 0.04
#: Markers tried, from the last, when looking for where the request starts.
FOCUS_TRIES = 3
#: Leading candidates scored on the whole message to tell how sure a split
#: message's answer is.
LIFT_POOL = 10
#: Weight of the situation told before the request in a long message.
CONTEXT = 0.5
#: A story of ``LONG_STORY`` words or more carries the substance ("Bố tôi mất
#: hôm 20/11 … giờ muốn làm giấy chứng tử. Cần mang giấy tờ gì, bao lâu?"):
#: it weighs ``LONG_CONTEXT``.
LONG_STORY, LONG_CONTEXT = 20, 0.8
#: A phrase rewritten into k times as many words weighs k**-EXPANSION per word.
EXPANSION = 0.5
#: Weight of a word matched only after spelling correction.
CORRECTED = 0.85
#: Weight of a word typed with accents that match only once folded ("vâng" in
#: "tạm vắng", "thuê" in "thuế").
ACCENT_MISMATCH = 0.5
#: Weight of an accented word whose accents no procedure uses ("mưa" is only
#: "mua" folded): it is another word, nearly unknown to the catalogue.
ACCENT_UNKNOWN = 0.2
#: Share of a message's words typed with diacritics from which a word typed
#: without any is held to that form ("khủng long" is not "lồng").
HELD_FROM = 0.6
#: How much a procedure's weaker reading pulls its score down.
BLEND = 0.2
#: Leading candidates scored on every reading before blending.
BLEND_POOL = 30
#: Share of a matched word pair's IDF added to the matched mass.
W_PAIR = 0.5
#: Names longer than ``LONG_FIELD`` words list many cases ("chuyển nhượng,
#: thừa kế, tặng cho ...; cho thuê ...; góp vốn ..."): a question's words
#: count there only within the best ``WINDOW``-word stretch.
LONG_FIELD, WINDOW = 40, 24
#: Weight of a match in a secondary field (result document, lĩnh vực).
SECONDARY = 0.5
#: Coverage over all fields together counts this much of a single field's.
UNION = 0.9
#: Share of max IDF a word absent from the catalogue adds to a query's mass.
OOV_IDF = 0.35
#: Query IDF mass beyond this counts only ``LONG_SLOPE``: long questions tell
#: context that no procedure name holds.
LONG_MASS, LONG_SLOPE = 16.0, 0.35
#: Cost of a procedure only organizations file (no "Công dân Việt Nam" among
#: who may file) when the question speaks of no business or organization.
W_PERSON = 0.08
#: Cost of a procedure for people the asker is not among (``audience.py``).
W_AUDIENCE = 0.08
#: A leading candidate (among the first ``EXAMPLE_POOL``) whose example
#: messages resemble the question beyond ``EXAMPLE_FROM`` (cosine) gains up to
#: ``W_EXAMPLE``.
EXAMPLE_POOL, EXAMPLE_FROM, W_EXAMPLE = 10, 0.1, 0.1
#: Questions shorter than this many words gain proportionally less.
EXAMPLE_WORDS = 4
#: A long message its words match with no confidence: the procedures of its
#: nearest example messages start ``RECALL_DROP`` below the best score (or the
#: "none" line) and gain up to ``W_RECALL`` (``SearchIndex._recalled``).
RECALL_DROP, W_RECALL = 0.1, 0.4
#: Bonus for procedures citizens file locally (commune or province).
W_LEVEL = 0.03
#: Fully online variants yield to the ordinary one unless asked for, even
#: when a keyword phrase matches them exactly ("cấp lại đăng ký xe online").
ONLINE_PENALTY = ONLINE_BONUS = 0.1
#: Aspects (search_terms.yml): a procedure whose name has an aspect the
#: question asks for gains ``ASPECT_MATCH`` per aspect, and each one asked for
#: but absent costs ``ASPECT_MISSING``; one that only has aspects the question
#: does not ask for ("cấp lại", "có yếu tố nước ngoài") loses ``ASPECT_EXTRA``.
ASPECT_MATCH, ASPECT_EXTRA, ASPECT_MISSING = 0.03, 0.03, 0.01
#: What a leading candidate loses per asked aspect it lacks and a leading
#: sibling has.
W_ASKED = 0.03
_LEVEL_RANK = {"Cấp xã": 0, "Cấp tỉnh": 1}
_ONLINE_RE = re.compile(r"\b(?:onl|online|truc tuyen|toan trinh|qua mang|tren mang)\b")

_WORD_RE = re.compile(r"\w+")
# Words after which citizens state their request ("cần" only with its accents:
# "can" is also "căn"). Not "thì": "làm lại bằng thì nộp ở đâu" asks before it.
# A new sentence: "… ghi sai năm sinh. Đính chính sổ đỏ thì nộp ở đâu?"
_SENTENCE_RE = re.compile(r"[.?!]+\s+(?=\w)")
# Not after "có": "có cần mang … không" asks yes or no, the request is before.
_FOCUS_RE = re.compile(
    r"(?:^|[\s,.;:!?])(?<!có\s)(?<!co\s)(muốn|muon|giờ|gio|cần|xin)(?=\s)"
    # "cần mang gì", "cần những giấy tờ gì": what to bring, not the request.
    r"(?!\s+(?:mang|đem|dem|những|nhung|gì|gi|j|chuẩn bị|chuan bi|giấy tờ|giay to|"
    r"bao|mấy|may|nộp|nop|làm gì|lam gi|hỏi|hoi)\b)"
)
_CONSONANT_Y_RE = re.compile(r"([bcdghklmnpqrstvx]+)y")
_CONSONANT_BASE_Y_RE = re.compile(r"^([bcdghklmnpqrstvxđ]+)y$")
_LEVEL_NOTE_RE = re.compile(
    r"\(\s*(?:thuc hien\s+)?(?:tai|o)\s+cap\b[^)]*\)"
    r"|\(\s*cap\s+(?:trung uong|tinh|xa|huyen|bo)\s*\)"
    r"|\s(?:thuc hien\s+)?tai\s+cap\s+(?:trung uong|tinh|xa|huyen)"
    r"(?:\s*,\s*cap\s+(?:trung uong|tinh|xa|huyen))*\s*\.?$"
)
_LEADING_RE = re.compile(r"^\W*thu tuc\s*:?\s*")
# Where a long portal name turns from the procedure to its qualifiers: the part
# before is indexed too, so "gia hạn giấy phép xây dựng" is not drowned by
# "(công trình không theo tuyến/theo tuyến trong đô thị/…)".
_HEAD_RE = re.compile(r"\s*\(|\s+doi voi\s|\s+trong truong hop\s|\s+cho\s|\s*;")


@dataclass(frozen=True)
class SearchHit:
    """One ranked procedure with its calibrated score in [0, 1]."""

    procedure: Procedure
    score: float


@dataclass(frozen=True)
class Resolution:
    """What a procedure mention refers to.

    ``status`` is ``"confident"`` (``best`` is the answer), ``"ambiguous"``
    (``candidates`` are the choices to offer) or ``"none"`` (nothing fits).
    """

    status: str
    best: Procedure | None
    candidates: List[SearchHit] = field(default_factory=list)


def _fold_table() -> Dict[int, str]:
    """Per-character :func:`bot.text.fold_token` for Latin letters with marks.

    ``str.translate`` with this table gives the same result as ``fold`` on NFC
    text, an order of magnitude faster, which matters when indexing.
    """
    table = {}
    for cp in range(0xC0, 0x1EFA):
        ch = chr(cp)
        folded = fold_token(ch)
        if folded != ch:
            table[cp] = folded
    for cp in range(0x300, 0x370):  # stray combining marks
        table[cp] = ""
    return table


_FOLD = _fold_table()


def fast_fold(text: str) -> str:
    """Same as :func:`bot.text.fold` (normalised, no diacritics), faster."""
    return normalize(text).translate(_FOLD)


@lru_cache(maxsize=65536)
def canonical(token: str) -> str:
    """Fold spelling variants together: ky/ki, ly/li, quy/qui."""
    if token == "quy":
        return "qui"
    m = _CONSONANT_Y_RE.fullmatch(token)
    return m.group(1) + "i" if m else token


def tokens_of(text: str) -> List[Tuple[str, str]]:
    """(accented, folded canonical) word pairs of normalised ``text``."""
    return [
        (w, canonical(w.translate(_FOLD))) for w in _WORD_RE.findall(normalize(text))
    ]


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
TONE_MARKS = "".join(sorted(_TONES))


@lru_cache(maxsize=65536)
def accent_key(word: str) -> str | None:
    """A word's letters and tone, independent of where the tone mark sits.

    "hoà" and "hòa" (old and new tone placement) share a key; "vâng", "vắng"
    and "vàng", or "thuê" and "thuế", do not. ``None`` for a word typed
    without any diacritics (it carries no accent information).
    """
    decomposed = unicodedata.normalize("NFD", word)
    if decomposed == word and "đ" not in word:
        return None
    tones = "".join(sorted(c for c in decomposed if c in _TONES))
    base = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if c not in _TONES)
    )
    if base == "quy":
        base = "qui"
    else:
        base = _CONSONANT_BASE_Y_RE.sub(r"\1i", base)
    return base + tones


def canonical_words(text: str) -> List[str]:
    """Canonical word tokens of already folded ``text``."""
    return [canonical(w) for w in _WORD_RE.findall(text)]


def expand_pairs(tokens: List[Tuple[str, str]], known_pairs=frozenset()):
    """Abbreviations spelled out with :func:`bot.text.expand`, word by word.

    ``expand`` looks words up without their accents, so "hồng" in "sổ hồng"
    would become "không" (teencode "hong"). Only words typed without accents
    are expanded, and not when they form a known phrase with a neighbour
    ("so hong", "can cuoc").
    """
    out: List[Tuple[str, str]] = []
    for i, (accented, folded) in enumerate(tokens):
        if accented == folded and not accented.isdigit():
            prev = tokens[i - 1][1] if i else None
            nxt = tokens[i + 1][1] if i + 1 < len(tokens) else None
            if (prev, folded) not in known_pairs and (folded, nxt) not in known_pairs:
                spelled = expand(accented)
                if spelled != accented:
                    out.extend(tokens_of(spelled))
                    continue
        out.append((accented, folded))
    return out


def words(text: str) -> List[str]:
    """Folded, canonical word tokens of ``text``."""
    return [canonical(w) for w in _WORD_RE.findall(fast_fold(text))]


def base_name(name: str) -> str:
    """A name without the level note and a leading "Thủ tục" (folded)."""
    text = _LEADING_RE.sub("", fast_fold(name))
    return _LEVEL_NOTE_RE.sub("", text).strip(" .;,")


_NAMED_LEVELS = ("cap xa", "cap tinh", "cap huyen")


def _named_level(folded_name: str) -> int:
    """Rank of the level a (folded) name's level note mentions, commune first."""
    note = _LEVEL_NOTE_RE.search(folded_name)
    text = note.group(0) if note else ""
    return next((i for i, lv in enumerate(_NAMED_LEVELS) if lv in text), 3)


#: Units of time after a number ("2 năm", "3 tháng"): the situation, not the
#: request, and "nam" would match "Việt Nam".
_TIME_UNITS = frozenset({"nam", "thang", "ngay", "tuan", "lan", "gio", "hom"})
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


def _strip_quantities(tokens: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """``tokens`` without spans of time ("2 năm", "3 tháng") and years."""
    out = []
    skip = False
    for i, (accented, folded) in enumerate(tokens):
        if skip:
            skip = False
            continue
        if folded.isdigit():
            nxt = tokens[i + 1][1] if i + 1 < len(tokens) else None
            if nxt in _TIME_UNITS:
                skip = True
                continue
            if _YEAR_RE.fullmatch(folded):
                continue
        out.append((accented, folded))
    return out


#: Words after which a message names papers to bring or compare with ("có
#: cần mang cccd không", "ghi sai so với CCCD") or to have certified ("sao y
#: cccd", "công chứng sổ đỏ"): those papers are not the request, so the paper
#: words named next weigh ``ATTACHED``.
_ATTACH_MARKERS = (
    ("mang",),
    ("kem",),
    ("so", "voi"),
    ("xuat", "trinh"),
    ("sao", "y"),
    ("chung", "thuc"),
    ("cong", "chung"),
    ("photo",),
)
_PAPER_WORDS = frozenset(
    "can cuoc cong dan chung minh nhan the ho khau so giay to khai sinh ban sao "
    "anh chieu dinh danh".split()
)
_PAPER_JOINS = frozenset({"voi", "va", "hoac", "hay", "ca", "cua", "goc"})
ATTACHED = 0.5


def _attached(tokens: List[Tuple[str, str]], scale: List[float]) -> List[float]:
    """``scale`` with paper words after an attachment marker weighed less."""
    folded = [f for _, f in tokens]
    out = list(scale)
    for i, (accented, word) in enumerate(tokens):
        marker = next(
            (m for m in _ATTACH_MARKERS if tuple(folded[i : i + len(m)]) == m), None
        )
        # "mạng" typed without marks is "mang" too: "qua mang", "tren mang".
        if marker is None or (
            word == "mang"
            and (accented != "mang" or (i and folded[i - 1] in ("qua", "tren")))
        ):
            continue
        # The papers named next, joined by "với", "và", "hoặc"...
        loose = 1  # one other word may come first ("mang theo", "mang cả")
        for j in range(i + len(marker), len(folded)):
            if folded[j] in _PAPER_WORDS:
                out[j] = scale[j] * ATTACHED
            elif folded[j] not in _PAPER_JOINS:
                if not loose:
                    break
                loose -= 1
    return out


def _pairs(tokens: Sequence[str]) -> set:
    return set(zip(tokens, tokens[1:]))


@dataclass
class _Field:
    tokens: Tuple[str, ...]
    token_set: frozenset
    pairs: set
    weight: float  # sum of IDF of the distinct tokens
    #: Word positions, kept for long names only (see ``LONG_FIELD``).
    positions: Dict[str, Tuple[int, ...]] | None = None


def _best_window(
    positions: Dict[str, Tuple[int, ...]], mass: Dict[str, float], width: int
) -> set:
    """The matched words of the ``width``-word stretch holding most ``mass``."""
    hits = sorted((i, t) for t in mass for i in positions.get(t, ()))
    counts: Dict[str, int] = {}
    here = best_mass = 0.0
    start = 0
    best = (0, 0)  # slice of ``hits``
    for end, (i, t) in enumerate(hits):
        counts[t] = counts.get(t, 0) + 1
        if counts[t] == 1:
            here += mass[t]
        while hits[start][0] <= i - width:
            old = hits[start][1]
            counts[old] -= 1
            if not counts[old]:
                here -= mass[old]
            start += 1
        if here > best_mass:
            best_mass, best = here, (start, end + 1)
    return {t for _, t in hits[best[0] : best[1]]}


Pair = Tuple[str, str]  # (accented word, folded canonical word)
#: (folded word, weight, accent key, share): ``share`` is ``CONTEXT`` for the
#: situation told before the request, else 1.
Term = Tuple[str, float, "str | None", float]
#: A phrase to replace: its folded words, their accent keys (``None`` when the
#: vocabulary word is written without accents) and the words it becomes.
Rule = Tuple[Tuple[str, ...], Tuple["str | None", ...], Tuple[str, ...]]


def _rules(mapping: Dict[str, str] | None) -> Dict[str, List[Rule]]:
    """Replacement rules by first folded word, longest phrase first."""
    rules: Dict[str, List[Rule]] = {}
    for key, value in (mapping or {}).items():
        pairs = tokens_of(str(key))
        if not pairs:
            continue
        folded = tuple(f for _, f in pairs)
        keys = tuple(accent_key(a) for a, _ in pairs)
        rules.setdefault(folded[0], []).append((folded, keys, tuple(words(value))))
    for options in rules.values():
        options.sort(key=lambda r: len(r[0]), reverse=True)
    return rules


def _matches(tokens: Sequence[Pair], at: int, rule: Rule) -> bool:
    """True when ``rule``'s phrase starts at ``tokens[at]``.

    A word typed with accents must have the vocabulary word's accents ("mất"
    is not "mặt"); one typed without accents matches the folded word.
    """
    phrase, keys, _ = rule
    if at + len(phrase) > len(tokens):
        return False
    for (accented, folded), word, key in zip(
        tokens[at : at + len(phrase)], phrase, keys
    ):
        if folded != word:
            return False
        if key is not None and accented != folded:
            typed = accent_key(accented)
            if typed is not None and typed != key:
                return False
    return True


def rewrite(
    tokens: List[Pair],
    rules: Dict[str, List[Rule]],
    weights: List[float] | None = None,
    scale: List[float] | None = None,
) -> List[Pair] | None:
    """``tokens`` with known phrases replaced, or ``None`` if none occurs.

    One left-to-right pass, longest phrase first at each position; replaced
    words are not looked up again. ``weights``, when given, receives one
    weight per output word: a phrase spelled out in more words counts about
    as much as the phrase did (``EXPANSION``), so "sổ đỏ" written as the
    certificate's six-word name does not outweigh the rest of the question;
    ``scale`` (one weight per input word) carries over to what replaces it.
    """
    out: List[Pair] = []
    changed = False
    i = 0
    while i < len(tokens):
        for rule in rules.get(tokens[i][1], ()):
            if _matches(tokens, i, rule):
                out.extend((w, w) for w in rule[2])
                if weights is not None and rule[2]:
                    grown = len(rule[2]) / len(rule[0])
                    told = min(scale[i : i + len(rule[0])]) if scale else 1.0
                    weights.extend([told * min(1.0, grown**-EXPANSION)] * len(rule[2]))
                i += len(rule[0])
                changed = True
                break
        else:
            out.append(tokens[i])
            if weights is not None:
                weights.append(scale[i] if scale else 1.0)
            i += 1
    return out if changed else None


@dataclass
class SearchTerms:
    """Stop phrases, abbreviations and colloquial wording from ``search_terms.yml``.

    Multi-word stop phrases are compared folded. Single stop words are compared
    with their accents ("cần" is a question word, "căn" in "căn cước" is not);
    ``stop_folded`` serves unaccented queries. ``synonyms`` (short forms) are
    applied to queries and procedure names alike; ``colloquial`` (citizens'
    words for the portal's) to queries only.
    """

    stop_phrases: List[Tuple[str, ...]]
    stop_words: frozenset
    stop_folded: frozenset
    synonyms: Dict[str, List[Rule]]
    colloquial: Dict[str, List[Rule]]
    #: aspect -> (phrases read in names, in questions, blanked first).
    aspects: Dict[str, Tuple[Tuple[str, ...], ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = TERMS_PATH) -> SearchTerms:
        """Read and fold the vocabulary file."""
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        phrases = {tuple(words(p)) for p in raw.get("stop_phrases", [])}
        # Longest first, then alphabetical: set order changes with the hash
        # seed, and overlapping phrases must strip the same way every run.
        multi = sorted((p for p in phrases if len(p) > 1), key=lambda p: (-len(p), p))
        singles = [tokens_of(p) for p in raw.get("stop_phrases", [])]
        accented = frozenset(p[0][0] for p in singles if len(p) == 1)
        folded = frozenset(p[0][1] for p in singles if len(p) == 1)
        synonyms = _rules(raw.get("synonyms"))
        colloquial = _rules(
            {**(raw.get("synonyms") or {}), **(raw.get("colloquial") or {})}
        )
        aspects = {}
        for name, spec in (raw.get("aspects") or {}).items():
            in_names = tuple(_phrase(p) for p in spec.get("name") or ())
            in_queries = tuple(_phrase(p) for p in spec.get("query") or ())
            unless = tuple(_phrase(p) for p in spec.get("unless") or ())
            aspects[name] = (in_names, in_names + in_queries, unless)
        return cls(multi, accented, folded, synonyms, colloquial, aspects)

    def aspects_of(self, tokens: Sequence[str], query: bool = False) -> frozenset:
        """The aspects whose phrases occur in the folded ``tokens``."""
        text = f" ^ {' '.join(tokens)} "
        found = set()
        for name, (in_names, in_queries, unless) in self.aspects.items():
            here = text
            for phrase in unless:
                here = here.replace(phrase, " ")
            if any(p in here for p in (in_queries if query else in_names)):
                found.add(name)
        return frozenset(found)

    def name_aspects(self, name: str) -> Tuple[frozenset, bool]:
        """A procedure name's aspects, and whether one alternative has none."""
        parts = [canonical_words(part) for part in re.split(r"[/;]", base_name(name))]
        found = [self.aspects_of(part) for part in parts if part]
        return frozenset().union(*found), not all(found)


def _phrase(text: str) -> str:
    """A vocabulary phrase as it is looked for: folded words between spaces."""
    anchor = "^ " if text.lstrip().startswith("^") else ""
    return f" {anchor}{' '.join(words(text))} "


def _replace(
    tokens: List[Pair], phrase: Tuple[str, ...], by: Sequence[Pair]
) -> List[Pair]:
    """``tokens`` with every folded occurrence of ``phrase`` replaced by ``by``."""
    out: List[Pair] = []
    i, n = 0, len(phrase)
    while i < len(tokens):
        if tuple(t[1] for t in tokens[i : i + n]) == phrase:
            out.extend(by)
            i += n
        else:
            out.append(tokens[i])
            i += 1
    return out


def load_keywords(path: Path = KEYWORDS_PATH) -> Dict[str, List[str]]:
    """Citizens' phrases per procedure code (``search_keywords.yml``)."""
    return read_code_texts(path, "keywords")


def _unparsed(proc: Procedure) -> Tuple[List[str], str, str]:
    """A procedure's result documents and field, who may file it, and the
    start of its steps.

    The catalogue parses a record's details lazily; reading the stored JSON
    here keeps every record unparsed (fast load, small memory).
    """
    details = proc.__dict__.get("_details")
    if details is not None:
        found = json.loads(details)
        result, who = found.get("result") or [], found.get("who") or ""
        steps = found.get("steps") or ""
    else:
        result, who, steps = proc.result or [], proc.who or "", proc.steps or ""
    return [proc.field or "", *(r[:200] for r in result[:3])], who, steps[:1000]


#: Who may file, as the portal names individuals: a citizen's question is
#: about a procedure they can file themselves, unless it speaks of a business.
_PERSONS = ("Công dân Việt Nam", "Người Việt Nam định cư", "Người nước ngoài")
_ORGANIZATION_RE = re.compile(
    r"\b(?:cong ty|cty|doanh nghiep|dn|hop tac xa|htx|to chuc|co so|trung tam|"
    r"ngan hang|nha truong|truong hoc|benh vien|chi nhanh|van phong|nha may|"
    r"nha xuong|dai l[iy]|cua hang|tiem)\b"
)


class SearchIndex:
    """Ranks procedures for a free-text question; built once per catalogue."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        terms: SearchTerms | None = None,
        keywords: Dict[str, List[str]] | None = None,
        examples: Dict[str, List[str]] | None = None,
    ) -> None:
        """Index names, plain-language names, aliases, keywords, results, fields."""
        self.terms = terms or SearchTerms.load()
        if keywords is None:
            keywords = load_keywords()
        self.procedures = list(procedures)
        self._by_code = {p.code: i for i, p in enumerate(self.procedures)}
        if examples is None:
            examples = load_examples()
        # Every procedure is compared with its name and keyword phrases too:
        # were only the ones with examples to gain, every question would be
        # pulled towards them.
        self._examples = ExampleIndex(
            {
                p.code: [p.name, *keywords.get(p.code, ()), *examples.get(p.code, ())]
                for p in self.procedures
            }
        )
        field_tokens: List[List[List[str]]] = []
        secondary_tokens: List[frozenset] = []
        families: Dict[str, int] = {}
        self._family: List[int] = []
        self._person: List[bool] = []  # individuals may file it
        self._forces: List[bool] = []  # for the armed forces' own people
        df: Dict[str, int] = {}
        self._accents: List[Dict[str, frozenset]] = []
        all_accents: Dict[str, set] = {}
        # Base names between spaces, to find one inside another.
        self._padded_names = [
            f" {' '.join(canonical_words(base_name(p.name)))} " for p in self.procedures
        ]
        inherited = self._inherited_aliases()
        for doc, proc in enumerate(self.procedures):
            accents: Dict[str, set] = {}
            phrases = keywords.get(proc.code, ())
            for text in (proc.name, proc.short_name, *proc.aliases, *phrases):
                for accented, folded in expand_pairs(tokens_of(text or "")):
                    # A word the portal writes without marks is a form too:
                    # "mua" (buy) is not what "mưa" (rain) asks about.
                    key = accent_key(accented) or folded
                    accents.setdefault(folded, set()).add(key)
            self._accents.append({k: frozenset(v) for k, v in accents.items()})
            base = base_name(proc.name)
            fields = [canonical_words(base)]
            head = _HEAD_RE.split(base, maxsplit=1)[0]
            if head != base and len(head.split()) >= 2:
                fields.append(canonical_words(head))
            # Names in short forms ("công ty TNHH") also in full, as queries are.
            for name_field in list(fields):
                spelled = rewrite([(w, w) for w in name_field], self.terms.synonyms)
                if spelled is not None:
                    fields.append([w for _, w in spelled])
            # Keyword phrases count as aliases: a curated alias earns no more.
            for text in [proc.short_name, *proc.aliases, *phrases]:
                if text:
                    fields.append(self._content_words(text))
            fields = [f for f in fields if f]
            field_tokens.append(fields)
            primary = {t for f in fields for t in f}
            secondary = set()
            texts, who, steps = _unparsed(proc)
            self._person.append(any(p in who for p in _PERSONS))
            # Only where the name leaves it out: one that says so is matched
            # by the words of those who ask for it.
            self._forces.append(
                for_armed_forces(f"{proc.address} {steps}")
                and not for_armed_forces(proc.name)
            )
            for text in texts:
                pairs = tokens_of(text)
                for accented, folded in pairs:
                    key = accent_key(accented) or folded
                    all_accents.setdefault(folded, set()).add(key)
                secondary.update(f for _, f in pairs)
                spelled = rewrite(pairs, self.terms.synonyms)
                if spelled is not None:
                    secondary.update(f for _, f in spelled)
            for tok in primary | secondary:
                df[tok] = df.get(tok, 0) + 1
            secondary |= inherited.get(doc, set())
            secondary_tokens.append(frozenset(secondary - primary))
            self._family.append(families.setdefault(base, len(families)))
        for accents in self._accents:
            for tok, keys in accents.items():
                all_accents.setdefault(tok, set()).update(keys)
        self._all_accents = {k: frozenset(v) for k, v in all_accents.items()}
        self._all_letters = {
            k: frozenset(key.rstrip(TONE_MARKS) for key in v)
            for k, v in all_accents.items()
        }
        n = max(1, len(self.procedures))
        self.idf = {t: math.log(1.0 + n / c) for t, c in df.items()}
        self.max_idf = math.log(1.0 + n / 0.5)
        self.vocab = sorted(self.idf)
        self._fields: List[List[_Field]] = [
            [self._make_field(f) for f in fields] for fields in field_tokens
        ]
        self._primary = [
            frozenset(t for f in fields for t in f) for fields in field_tokens
        ]
        # Inherited alias words the catalogue never uses are not indexed.
        self._secondary = [frozenset(t for t in s if t in df) for s in secondary_tokens]
        # Adjacent word pairs ("khai tử", "sổ đỏ") are far rarer than their
        # words; a matched pair adds its own IDF to how specific a match is.
        self._doc_pairs = [
            frozenset(p for f in fields for p in f.pairs) for fields in self._fields
        ]
        pair_df: Dict[Tuple[str, str], int] = {}
        for pairs in self._doc_pairs:
            for pair in pairs:
                pair_df[pair] = pair_df.get(pair, 0) + 1
        self.pair_idf = {p: math.log(1.0 + n / c) for p, c in pair_df.items()}
        self._known_pairs = {
            p for fields in self._fields for f in fields for p in f.pairs
        }
        citizen = set(_LEVEL_RANK)
        names = [fast_fold(p.name) for p in self.procedures]
        self._level_rank = [
            min((_LEVEL_RANK.get(lv, 2) for lv in p.levels), default=2)
            for p in self.procedures
        ]
        # Within a family (one procedure run at several levels) the variant a
        # citizen files at: commune, then province; then the one whose name
        # says so ("(thực hiện tại cấp xã)" beside an old "cấp huyện" copy).
        # Only where a name states its level or the levels do not overlap:
        # "Gia hạn nộp thuế" (tax) and "Thủ tục gia hạn nộp thuế" (customs)
        # share a base name, not a procedure.
        members: Dict[int, List[int]] = {}
        for doc, fam in enumerate(self._family):
            members.setdefault(fam, []).append(doc)
        self._preferred: Dict[int, int] = {}  # doc -> its family's citizen variant
        for docs in members.values():
            levels = [set(self.procedures[d].levels) for d in docs]
            disjoint = sum(map(len, levels)) == len(set().union(*levels))
            noted = any(_LEVEL_NOTE_RE.search(names[d]) for d in docs)
            if len(docs) > 1 and (noted or disjoint):
                pick = min(
                    docs,
                    key=lambda d: (self._level_rank[d], _named_level(names[d]), d),
                )
                self._preferred.update((d, pick) for d in docs)
        self._local = np.asarray(
            [bool(citizen & set(p.levels)) for p in self.procedures], dtype=float
        )
        self._online_only = np.asarray(["toan trinh" in n for n in names], dtype=float)
        self._age_ranges = [age_range(n) for n in names]
        self._foreign_party = [with_foreign_party(n) for n in names]
        self._aspects = [self.terms.name_aspects(p.name) for p in self.procedures]
        self._first_issue = [
            first_issue(name.strip(), not aspects)
            for name, (aspects, _) in zip(self._padded_names, self._aspects)
        ]
        self._aspect_parent = self._aspect_parents()
        self._aspect_children: Dict[int, List[Tuple[int, frozenset]]] = {}
        for child, (parent, extra, _) in self._aspect_parent.items():
            self._aspect_children.setdefault(parent, []).append((child, extra))
        # Inverted index: token -> doc ids and match weights, one bincount per query.
        postings: Dict[str, List[Tuple[int, float]]] = {}
        for doc in range(len(self.procedures)):
            for tok in self._primary[doc]:
                postings.setdefault(tok, []).append((doc, 1.0))
            for tok in self._secondary[doc]:
                postings.setdefault(tok, []).append((doc, SECONDARY))
        self._postings = {
            t: (
                np.asarray([d for d, _ in ids], dtype=np.int32),
                np.asarray([w for _, w in ids], dtype=float) * self.idf[t],
            )
            for t, ids in postings.items()
        }
        self._prior = np.asarray([p.popularity for p in self.procedures], dtype=float)
        self._corrections: Dict[str, Tuple[str, float]] = {}

    def _by_score(self, scores: Dict[int, float]) -> List[Tuple[int, float]]:
        """Best first; near-equal scores by level (commune first), then doc."""
        return sorted(
            scores.items(),
            key=lambda kv: (-round(kv[1], 6), self._level_rank[kv[0]], kv[0]),
        )

    def _prefer_citizen_level(
        self, ranked: List[Tuple[int, float]]
    ) -> List[Tuple[int, float]]:
        """Each family ranked once, as the variant a citizen files at.

        Variants of one procedure differ only by the level that runs it; which
        of them matched best depends on their keyword phrases, not on what
        was asked. The others stay reachable by their code.
        """
        best: Dict[int, float] = {}  # citizen variant -> its family's best score
        for doc, s in ranked:
            pick = self._preferred.get(doc)
            if pick is not None and s > best.get(pick, -1.0):
                best[pick] = s
        if not best:
            return ranked
        scores = {doc: s for doc, s in ranked if doc not in self._preferred}
        scores.update(best)
        return self._by_score(scores)

    def _aspect_parents(self) -> Dict[int, Tuple[int, frozenset, int]]:
        """Variants of a curated procedure that differ from it by aspects.

        "Đăng ký khai sinh có yếu tố nước ngoài" is "Đăng ký khai sinh" for a
        foreign party: when the question asks for what the variant adds, the
        variant is matched like its curated parent (names, aliases, prior).
        Gives the parent, the aspects added and how many words longer the
        variant's name is.
        """
        names = self._padded_names
        parents = sorted(
            (
                d
                for d, p in enumerate(self.procedures)
                if p.aliases and len(names[d].split()) >= 2
            ),
            key=lambda d: -len(names[d]),
        )
        found: Dict[int, Tuple[int, frozenset, int]] = {}
        for doc, name in enumerate(names):
            for parent in parents:
                if parent != doc and names[parent] != name and names[parent] in name:
                    extra = self._aspects[doc][0] - self._aspects[parent][0]
                    if extra:
                        longer = len(name.split()) - len(names[parent].split())
                        found[doc] = (parent, extra, longer)
                    break
        return found

    def _inherited_aliases(self) -> Dict[int, set]:
        """Words of curated aliases, for the variants of a curated procedure.

        "Đăng ký kết hôn có yếu tố nước ngoài" is asked about in the words
        citizens use for "Đăng ký kết hôn" ("cưới", "giấy đăng ký kết hôn").
        A procedure whose name holds a curated procedure's whole name gets
        that procedure's alias words as secondary words (half weight), so the
        curated one does not win on its aliases alone.
        """
        names = self._padded_names
        curated = []
        for proc, name in zip(self.procedures, names):
            if proc.aliases and len(name.split()) >= 2:
                texts = [proc.short_name, *proc.aliases]
                pairs = [p for t in texts for p in expand_pairs(tokens_of(t or ""))]
                curated.append((name, {f for _, f in pairs}))
        found: Dict[int, set] = {}
        for doc, name in enumerate(names):
            for parent, alias_words in curated:
                if parent != name and parent in name:
                    found.setdefault(doc, set()).update(alias_words)
        return found

    def _content_words(self, text: str) -> List[str]:
        """Folded words of an alias or phrase, question words left out."""
        pairs = expand_pairs(tokens_of(text))
        return [f for a, f in pairs if a not in self.terms.stop_words]

    def _make_field(self, tokens: List[str]) -> _Field:
        distinct = frozenset(tokens)
        positions = None
        if len(tokens) > LONG_FIELD:
            found: Dict[str, List[int]] = {}
            for i, t in enumerate(tokens):
                found.setdefault(t, []).append(i)
            positions = {t: tuple(v) for t, v in found.items()}
        return _Field(
            tokens=tuple(tokens),
            token_set=distinct,
            pairs=_pairs(tokens),
            weight=sum(self.idf.get(t, self.max_idf) for t in distinct),
            positions=positions,
        )

    # ----------------------------------------------------------------- query side

    def _strip_phrases(self, tokens: List[Pair]) -> List[Pair]:
        present = {f for _, f in tokens}
        for phrase in self.terms.stop_phrases:
            if phrase[0] in present and len(phrase) <= len(tokens):
                tokens = _replace(tokens, phrase, ())
        return tokens

    def _strip_words(self, tokens: List[Pair]) -> List[int]:
        """The words that are not question words.

        An accented word is dropped when it is an accented stop word. A word
        typed without accents that folds to a stop word ("can": "cần" or
        "căn"?) is kept only when it forms a known phrase with a neighbour
        ("can cuoc", "so do", "o to"). Returns the kept positions.
        """
        kept = []
        for i, (accented, folded) in enumerate(tokens):
            if accented in self.terms.stop_words:
                continue
            if accented == folded and folded in self.terms.stop_folded:
                prev = tokens[i - 1][1] if i else None
                nxt = tokens[i + 1][1] if i + 1 < len(tokens) else None
                if (prev, folded) not in self._known_pairs and (
                    folded,
                    nxt,
                ) not in self._known_pairs:
                    continue
            kept.append(i)
        return kept

    def _correct(self, token: str) -> Tuple[str, float]:
        """A known spelling for an unknown word, with the weight it keeps."""
        if token in self.idf or len(token) < 4 or not token.isalpha():
            return token, 1.0
        cached = self._corrections.get(token)
        if cached is not None:
            return cached
        match = process.extractOne(
            token, self.vocab, scorer=OSA.normalized_similarity, score_cutoff=0.75
        )
        found = (token, 1.0) if match is None else (match[0], CORRECTED)
        if len(self._corrections) < 50_000:
            self._corrections[token] = found
        return found

    def analyze(self, query: str, focus: bool = True) -> List[List[Term]]:
        """Readings of the query: lists of (word, weight, accent key, share).

        Question words are removed; the accent key is ``None`` for a word
        corrected for spelling or typed without diacritics (in a message
        mostly typed with them, such a word is held to its own form). The
        second reading, when there is one, has citizens' words in the
        portal's wording.
        """
        return self._analyze(query, focus)[0]

    def _analyze(self, query: str, focus: bool) -> Tuple[List[List[Term]], bool]:
        """:meth:`analyze`, and whether the query was split into parts."""
        literal: List[Term] = []
        portal: List[Term] = []
        rewritten = False
        if focus:
            parts = self._focus_parts(query or "")
        else:
            parts = [(self._analyze_part(query or ""), 1.0)]
        for part, share in parts:
            rewritten = rewritten or len(part) > 1
            literal.extend((w, weight, k, share) for w, weight, k, _ in part[0])
            portal.extend((w, weight, k, share) for w, weight, k, _ in part[-1])
        readings = [r for r in (literal, portal) if r]
        if not rewritten or literal == portal:
            readings = readings[:1]
        return readings, len(parts) > 1

    def _focus_parts(self, query: str) -> List[Tuple[List[List[Term]], float]]:
        """The query's readings per part: the situation, then the request.

        Long messages tell the situation first and ask last, after "muốn",
        "giờ", "cần" or "xin" ("hồi trước cưới có đăng ký nhưng mất
        sổ, giờ đăng ký lại kết hôn"), or in a sentence of its own ("… ghi sai
        năm sinh. Đính chính sổ đỏ thì nộp ở đâu?"). The words before the last
        such marker or sentence that has at least two words of substance on
        each side weigh ``CONTEXT``.
        """
        text = normalize(query)
        # Only the last few markers: a message of nothing but "muốn muốn ..."
        # must not cost one analysis per marker.
        starts = [m.start(1) for m in _FOCUS_RE.finditer(text)]
        # Not after a question: "Xin … ở đâu ạ? Em đang ở trọ …" asks first.
        starts += [m.end() for m in _SENTENCE_RE.finditer(text) if "?" not in m.group()]
        for start in sorted(starts)[-FOCUS_TRIES:][::-1]:
            request = self._analyze_part(text[start:])
            if len(request[0]) < 2:
                continue  # "..., cần gì": nothing asked after the marker
            situation = self._analyze_part(text[:start])
            if len(situation[0]) >= 2:
                share = CONTEXT if len(situation[0]) < LONG_STORY else LONG_CONTEXT
                return [(situation, share), (request, 1.0)]
            break
        return [(self._analyze_part(query), 1.0)]

    def _analyze_part(self, text: str) -> List[List[Term]]:
        """The literal reading of ``text`` and, if it differs, the portal's."""
        tokens = expand_pairs(tokens_of(text), self._known_pairs)
        tokens = _strip_quantities(self._strip_phrases(tokens))
        attached = _attached(tokens, [1.0] * len(tokens))
        variants = [(tokens, attached)]
        grown: List[float] = []
        replaced = rewrite(tokens, self.terms.colloquial, grown, attached)
        if replaced is not None:
            variants.append((replaced, grown))
        # In a message typed mostly with diacritics, a word typed without any
        # is that word ("long" in "khủng long" is not "lồng"). The portal's
        # wording (second variant) carries no marks and is not held.
        marked = [accent_key(a) is not None for a, _ in tokens if a.isalpha()]
        held = bool(marked) and sum(marked) / len(marked) >= HELD_FROM
        readings: List[List[Term]] = []
        for n, (variant, scale) in enumerate(variants):
            reading = []
            for i in self._strip_words(variant):
                accented, folded = variant[i]
                word, weight = self._correct(folded)
                key = None
                if word == folded:
                    key = accent_key(accented)
                    if key is None and held and n == 0 and accented.isalpha():
                        key = folded
                reading.append((word, weight * scale[i], key, 1.0))
            readings.append(reading)
        return readings

    # ---------------------------------------------------------------- scoring

    def _score_doc(
        self,
        doc: int,
        qweights: Dict[str, float],
        qpairs: set,
        qtotal: float,
        qfull: Dict[str, float],
    ) -> float:
        """Calibrated score of one procedure for one reading of the query.

        Each feature takes its best field: coverage from the field holding most
        of the query (often the full name) or from all fields together,
        precision from the field the query holds most of (an alias, the
        plain-language name or the name's head). How specific the match is
        counts the situation's words in full (``qfull``): telling the story
        first must not make the answer less certain.
        """
        coverage = phrase = precision = matched_best = 0.0
        exact = 0.0
        scattered: set = set()  # long-name words matched outside the best stretch
        fields = self._fields[doc]
        primary, secondary = self._primary[doc], self._secondary[doc]
        # The query's words this procedure holds, with their IDF mass (as
        # weighed, and with the situation in full): few, so cheap per field.
        mass = {
            t: self.idf.get(t, 0.0) * w for t, w in qweights.items() if t in primary
        }
        full = {t: self.idf.get(t, 0.0) * qfull[t] for t in mass}
        for f in fields:
            matched = [t for t in mass if t in f.token_set]
            if not matched:
                continue
            if f.positions is not None and len(matched) > 1:
                near = _best_window(f.positions, mass, WINDOW)
                scattered.update(t for t in matched if t not in near)
                matched = [t for t in matched if t in near]
            matched_idf = sum(mass[t] for t in matched)
            coverage = max(coverage, matched_idf / qtotal)
            matched_best = max(matched_best, sum(full[t] for t in matched))
            if qpairs:
                phrase = max(phrase, len(qpairs & f.pairs) / len(qpairs))
            elif len(f.tokens) == 1:  # one word: only a one-word field is the phrase
                phrase = 1.0
            precision = max(precision, min(1.0, matched_idf / f.weight))
            if len(matched) == len(qweights) == len(f.token_set):
                exact = 1.0
        # Words found only far apart in a long name, and in no other field,
        # do not count: they describe different cases.
        scattered = {
            t
            for t in scattered
            if not any(t in f.token_set for f in fields if f.positions is None)
        }
        union = union_full = 0.0
        for t, w in qweights.items():
            if t in mass:
                if t not in scattered:
                    union += mass[t]
                    union_full += full[t]
            elif t in secondary:
                union += self.idf.get(t, 0.0) * w * SECONDARY
                union_full += self.idf.get(t, 0.0) * qfull[t] * SECONDARY
        if not union:
            return 0.0
        coverage = max(coverage, UNION * union / qtotal)
        pairs_here = qpairs & self._doc_pairs[doc]
        pair_mass = sum(self.pair_idf[p] for p in pairs_here)
        specific = min(
            1.0, (max(matched_best, union_full) + W_PAIR * pair_mass) / SPECIFIC
        )
        base = specific * (
            W_COVERAGE * min(1.0, coverage)
            + W_PHRASE * phrase
            + W_PRECISION * precision
        )
        return (1 - W_PRIOR - W_EXACT) * min(1.0, base) + W_EXACT * exact

    def _score_reading(
        self,
        reading: List[Term],
        online: bool,
        asked: frozenset,
        only: Sequence[int] | None = None,
        person: bool = False,
    ) -> Dict[int, float]:
        qweights: Dict[str, float] = {}
        qfull: Dict[str, float] = {}  # without the context share
        qmass: Dict[str, float] = {}  # what each word asks for, matched or not
        qkeys: Dict[str, set] = {}
        oov = OOV_IDF * self.max_idf
        for tok, w, key, share in reading:
            qmass[tok] = max(w * share * self.idf.get(tok, oov), qmass.get(tok, 0.0))
            if key and tok in self._all_accents and key not in self._all_accents[tok]:
                # Only the tone differs from a word the catalogue uses ("giây"
                # for "giấy"): a slip, read as if typed without marks. Other
                # letters ("mưa" for "mua"): another word that folds the same.
                if key.rstrip(TONE_MARKS) not in self._all_letters[tok]:
                    w *= ACCENT_UNKNOWN
                key = None
            qweights[tok] = max(w * share, qweights.get(tok, 0.0))
            qfull[tok] = max(w, qfull.get(tok, 0.0))
            if key:
                qkeys.setdefault(tok, set()).add(key)
        qpairs = _pairs([t for t, *_ in reading])
        qtotal = sum(qmass.values())
        if qtotal > LONG_MASS:
            qtotal = LONG_MASS + LONG_SLOPE * (qtotal - LONG_MASS)
        known = [t for t in qweights if t in self._postings]
        if not known or qtotal <= 0:
            return {}
        ids = np.concatenate([self._postings[t][0] for t in known])
        weights = np.concatenate([self._postings[t][1] * qweights[t] for t in known])
        acc = np.bincount(ids, weights=weights, minlength=len(self.procedures))
        acc += self._prior * 1e-3  # ties: the more asked procedure first
        k = min(CANDIDATES, len(acc))
        top = np.argpartition(-acc, k - 1)[:k] if k < len(acc) else np.arange(len(acc))
        pool = top.tolist() if only is None else list(only)
        if asked and only is None:
            # A curated procedure's variant the question asks for, which its
            # own words may leave out of the pool ("khai sinh" + "quốc tịch Pháp").
            pool += [
                child
                for doc in pool
                for child, extra in self._aspect_children.get(doc, ())
                if extra <= asked
            ]
        scores = {}
        for doc in dict.fromkeys(pool):
            if acc[doc] < 1e-2:
                continue
            weights_here, full_here = qweights, qfull
            if qkeys:
                accents = self._accents[doc]
                mismatched = [
                    t
                    for t, keys in qkeys.items()
                    if t in accents and not keys & accents[t]
                ]
                if mismatched:
                    weights_here, full_here = dict(qweights), dict(qfull)
                    for t in mismatched:
                        weights_here[t] *= ACCENT_MISMATCH
                        full_here[t] *= ACCENT_MISMATCH
            best = self._score_doc(doc, weights_here, qpairs, qtotal, full_here)
            prior = self._prior[doc]
            parent, extra, longer = self._aspect_parent.get(doc, (None, None, 0))
            if parent is not None and extra <= asked:
                as_parent = self._score_doc(
                    parent, weights_here, qpairs, qtotal, full_here
                )
                # The plainest variant first ("… có yếu tố nước ngoài" before
                # "… có yếu tố nước ngoài tại khu vực biên giới").
                best = max(best, as_parent - 1e-3 * longer)
                prior = max(prior, self._prior[parent])
            if best > 0:
                bonus = W_PRIOR * prior + W_LEVEL * self._local[doc]
                if person and not self._person[doc]:
                    bonus -= W_PERSON
                if self._online_only[doc]:
                    bonus += ONLINE_BONUS if online else -ONLINE_PENALTY
                aspects, plain = self._aspects[doc]
                agreed = len(aspects & asked)
                bonus += ASPECT_MATCH * agreed - ASPECT_MISSING * (len(asked) - agreed)
                if aspects and not plain and not agreed:
                    bonus -= ASPECT_EXTRA
                scores[doc] = best + bonus
        return scores

    def _ranked(self, query: str, focus: bool = True) -> List[Tuple[int, float]]:
        code = normalize_code(query)
        if code in self._by_code and re.search(r"\d\.\d{6}", query or ""):
            return [(self._by_code[code], 1.0)]
        folded = fast_fold(query or "")
        online = bool(_ONLINE_RE.search(folded))
        person = not _ORGANIZATION_RE.search(folded)
        readings, split = self._analyze(query or "", focus)
        # Aspects are read before question words are dropped ("làm lại").
        asked = self.terms.aspects_of(canonical_words(folded), query=True).union(
            *(self.terms.aspects_of([w for w, *_ in r], query=True) for r in readings)
        )
        ranked = self._rank_readings(readings, online, asked, person=person)
        if split and ranked:
            # The request decides the order; how well the catalogue fits the
            # message as a whole decides how sure the answer is. The whole
            # message is scored on the leading candidates only (cheap).
            whole, _ = self._analyze(query or "", focus=False)
            pool = [doc for doc, _ in ranked[:LIFT_POOL]]
            best = self._rank_readings(whole, online, asked, pool, person)
            lift = best[0][1] - ranked[0][1] if best else 0.0
            if lift > 0:
                ranked = [(doc, score + lift) for doc, score in ranked]
        cost = self._audience_cost(folded, asked)
        ranked = self._for_whom(ranked, cost)
        ranked = self._doing_what_is_asked(ranked, asked)
        ranked = self._resembling(
            query or "", self._prefer_citizen_level(ranked), asked
        )
        return self._recalled(query or "", ranked, asked, cost)

    def _audience_cost(self, folded: str, asked: frozenset) -> Callable[[int], float]:
        """What a procedure costs when the asker is not among those it is for
        (``audience.py``): ``W_AUDIENCE`` for the forces' own ones unless the
        question speaks of the forces, for age-bound ones when no age stated
        fits, and for those with a foreign party ("… có yếu tố nước ngoài")
        when the question names none (``asked``: its aspects), and for the
        first issue of a paper the asker says they hold."""
        forces = asks_about_forces(folded)
        ages = asked_ages(folded)
        foreign = "foreign" in asked
        held = held_papers(folded)

        def cost(doc: int) -> float:
            misfit = (
                (self._forces[doc] and not forces)
                or not fits_ages(ages, self._age_ranges[doc])
                or (self._foreign_party[doc] and not foreign)
                or self._first_issue[doc] in held
            )
            return W_AUDIENCE if misfit else 0.0

        return cost

    def _for_whom(
        self, ranked: List[Tuple[int, float]], cost: Callable[[int], float]
    ) -> List[Tuple[int, float]]:
        """``ranked`` less each procedure's audience ``cost``."""
        costs = {doc: cost(doc) for doc, _ in ranked}
        if not any(costs.values()):
            return ranked
        return self._by_score({doc: s - costs[doc] for doc, s in ranked})

    def _doing_what_is_asked(
        self, ranked: List[Tuple[int, float]], asked: frozenset
    ) -> List[Tuple[int, float]]:
        """Leading candidates that do not do what is asked ("đăng ký lại",
        "thay đổi") less ``W_ASKED`` per such aspect, when a leading sibling
        does it: the choice is between them. Where none does, the order and
        the scores stay (no fair match is made poor)."""
        pool = ranked[:EXAMPLE_POOL]
        offered = set().union(*(self._aspects[doc][0] for doc, _ in pool)) & asked
        if not offered or not W_ASKED:
            return ranked
        head = {
            doc: s - W_ASKED * len(offered - self._aspects[doc][0]) for doc, s in pool
        }
        # The best stays as sure as it was: this orders, it does not judge.
        lift = pool[0][1] - max(head.values())
        lifted = {doc: s + lift for doc, s in head.items()}
        return self._by_score(lifted) + ranked[EXAMPLE_POOL:]

    @staticmethod
    def _none_below(query: str) -> float:
        """The best score below which nothing fits ``query``."""
        if len(words(query or "")) >= LONG_MESSAGE:
            # Long messages score lower (most of their words tell the story):
            # a fair match is offered as a choice, not turned down.
            return LONG_NONE_BELOW
        return NONE_BELOW

    def _resembling(
        self,
        query: str,
        ranked: List[Tuple[int, float]],
        asked: frozenset = frozenset(),
    ) -> List[Tuple[int, float]]:
        """Leading candidates gain as much as the question resembles their
        example messages (``examples.py``) beyond ``EXAMPLE_FROM``; a
        re-issue ("cấp lại …") only when ``asked`` for."""
        codes = [self.procedures[doc].code for doc, _ in ranked[:EXAMPLE_POOL]]
        sims = self._examples.similar(query, codes)
        if not sims:
            return ranked
        # A word or two ("gplx") matches the shortest examples best, whatever
        # they ask: there the names and aliases decide.
        weight = W_EXAMPLE * min(1.0, len(words(query)) / EXAMPLE_WORDS)
        head = {}
        # Examples reorder fair matches; they do not make a poor one fair
        # ("giấy phép nuôi rồng" resembles "nuôi trồng thủy sản").
        floor = self._none_below(query)
        for doc, s in ranked[:EXAMPLE_POOL]:
            sim = sims.get(self.procedures[doc].code, 0.0)
            gain = weight * (sim - EXAMPLE_FROM) / (1 - EXAMPLE_FROM)
            if self._unasked_reissue(doc, asked):
                gain = 0.0
            head[doc] = s + max(0.0, gain) if s >= floor else s
        # Only the head gains, so it stays ahead of the rest.
        return self._by_score(head) + ranked[EXAMPLE_POOL:]

    def _unasked_reissue(self, doc: int, asked: frozenset) -> bool:
        """A re-issue ("cấp lại …") the question does not ask for.

        Its example messages tell the first issue's story plus "mất" or
        "lại": unless the question asks for that (or for another of its
        aspects: "đổi, điều chỉnh"), they resemble the first issue's
        questions, which they must not win.
        """
        aspects, plain = self._aspects[doc]
        return "again" in aspects and not aspects & asked and not plain

    def _recalled(
        self,
        query: str,
        ranked: List[Tuple[int, float]],
        asked: frozenset,
        cost: Callable[[int], float],
    ) -> List[Tuple[int, float]]:
        """A long message its words match with no confidence: the procedures
        of the most similar example messages in the whole catalogue join the
        leading ones, from ``RECALL_DROP`` below the best score (or below the
        "none" line, if the best is under it) and gaining up to ``W_RECALL``.

        A story shares few words with a procedure's name but many with how
        citizens tell it ("bố mẹ mất, muốn đứng ra lo cho em" is "giám hộ").
        Starting below the "none" line, only a close example (cosine about
        0.33 or more) makes a fair match of a message nothing else fits;
        long messages about no procedure resemble examples less (0.31 at
        most in the development sets).
        """
        if not ranked or len(words(query)) < LONG_MESSAGE:
            return ranked
        best = ranked[0][1]
        if best >= CONFIDENT_FROM:
            return ranked
        start = max(best, self._none_below(query)) - RECALL_DROP
        scores = dict(ranked)
        for code, sim in self._examples.nearest(query).items():
            doc = self._by_code[code]
            doc = self._preferred.get(doc, doc)  # ranked holds citizen variants
            if self._unasked_reissue(doc, asked):
                continue
            if cost(doc):
                continue  # not for the asker: resembling does not make it so
            gain = W_RECALL * (sim - EXAMPLE_FROM) / (1 - EXAMPLE_FROM)
            here = scores.get(doc, 0.0)
            scores[doc] = max(here, max(here, start) + gain)
        return self._by_score(scores)

    def _rank_readings(
        self,
        readings: List[List[Term]],
        online: bool,
        asked: frozenset,
        only: Sequence[int] | None = None,
        person: bool = False,
    ) -> List[Tuple[int, float]]:
        """Procedures ranked by their best reading, with the readings blended."""
        per_reading = [
            self._score_reading(r, online, asked, only, person) for r in readings
        ]
        scores: Dict[int, float] = {}
        for found in per_reading:
            for doc, s in found.items():
                scores[doc] = max(s, scores.get(doc, 0.0))
        if len(per_reading) > 1 and BLEND:
            if only is None:
                # A leading procedure one reading's candidate pool missed is
                # scored on that reading too, not blended as 0. (With ``only``
                # every reading has scored the same procedures already.)
                lead = sorted(scores, key=scores.get, reverse=True)[:BLEND_POOL]
                for reading, found in zip(readings, per_reading):
                    missed = [doc for doc in lead if doc not in found]
                    if missed:
                        found.update(
                            self._score_reading(reading, online, asked, missed, person)
                        )
            # A procedure both readings agree on beats one that only one
            # reading (the literal words, or the portal's) happens to fit.
            for doc, s in scores.items():
                low = min(found.get(doc, 0.0) for found in per_reading)
                scores[doc] = s - BLEND * (s - low)
        return self._by_score(scores)

    # ------------------------------------------------------------------- API

    def search(self, query: str, top: int = 5) -> List[SearchHit]:
        """The ``top`` best procedures for ``query``, best first."""
        ranked = self._ranked(query)[: max(0, top)]
        return [
            SearchHit(self.procedures[d], round(min(1.0, max(0.0, s)), 4))
            for d, s in ranked
        ]

    def resolve(self, query: str) -> Resolution:
        """Confident answer, a short list to choose from, or nothing.

        Below ``NONE_BELOW`` nothing fits. Different procedures within
        ``AMBIGUOUS_GAP`` of the best, or a best score under
        ``CONFIDENT_FROM``, make the answer a choice among the top ones.
        """
        ranked = self._ranked(query)
        if not ranked or ranked[0][1] < self._none_below(query):
            hits = [SearchHit(self.procedures[d], round(s, 4)) for d, s in ranked[:3]]
            return Resolution("none", None, hits)
        best_doc, best = ranked[0]
        seen = {self._family[best_doc]}
        choices = [SearchHit(self.procedures[best_doc], round(best, 4))]
        gap = AMBIGUOUS_GAP if best >= CONFIDENT_FROM else 1.0
        limit = MAX_CHOICES if best >= CONFIDENT_FROM else 3
        for doc, s in ranked[1:]:
            if best - s > gap or len(choices) >= limit:
                break
            if self._family[doc] in seen:
                continue  # same procedure at another level: not a real choice
            seen.add(self._family[doc])
            choices.append(SearchHit(self.procedures[doc], round(s, 4)))
        if len(choices) > 1:
            return Resolution("ambiguous", None, choices)
        return Resolution("confident", self.procedures[best_doc], choices)
