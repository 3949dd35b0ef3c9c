"""Free-text search over the procedure catalogue, for citizens' wording.

Citizens write "làm hộ chiếu ở đâu", "dang ky ket hon", "cccd", "sổ đỏ". The query
goes through :mod:`bot.text` (abbreviations expanded, diacritics folded), question
words are stripped (``search_terms.yml``), colloquial words also tried in the
portal's wording, and unknown words corrected against the catalogue's vocabulary
with rapidfuzz. Candidates come from an inverted index (one NumPy ``bincount`` per
query); each candidate is then scored against its name, plain-language name and
aliases:

* coverage: the IDF-weighted share of the query's words found in the field,
* phrase: the share of the query's adjacent word pairs found in order,
* precision: the IDF-weighted share of the field's words the query covers, so the
  general procedure beats its long, specific variants.

A field that is exactly the query's words earns a small bonus and the curated
popularity prior breaks near-ties. Scores lie in [0, 1] and are comparable across
queries, which makes the thresholds in :meth:`SearchIndex.resolve` meaningful: a
best score below ``NONE_BELOW`` is "none" (hand off to the hotline), two different
procedures within ``AMBIGUOUS_GAP`` of each other are "ambiguous" (ask "Ý bạn
là...?"). The thresholds were set on ``tests/data/search_dev.yml``.
Procedures whose names differ only by the level that runs them ("(thực hiện tại
cấp tỉnh)" / "(… cấp trung ương)") form a family; the commune or province variant
is ranked first and siblings never make a result ambiguous.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.catalogue.model import Procedure
from bot.catalogue.store import normalize_code
from bot.text import expand, fold_token, normalize

TERMS_PATH = Path(__file__).with_name("search_terms.yml")

#: Below this score nothing fits: the bot hands off to the hotline.
NONE_BELOW = 0.45
#: Two different procedures closer than this are ambiguous.
AMBIGUOUS_GAP = 0.05
#: At most this many candidates are offered when ambiguous.
MAX_CHOICES = 4
#: Candidates re-scored in full per query.
CANDIDATES = 60

W_COVERAGE, W_PHRASE, W_PRECISION = 0.55, 0.20, 0.25
W_PRIOR = 0.05
#: IDF mass of matched words that makes a match fully specific; a lone common
#: word ("tên", "thuế") scores proportionally less.
SPECIFIC = 5.5
#: Bonus when the query's words are exactly one field's words ("cccd", "sổ đỏ").
W_EXACT = 0.04
#: Weight of a word matched only after spelling correction.
CORRECTED = 0.85
#: Weight of a word typed with accents that match only once folded ("vâng" in
#: "tạm vắng", "thuê" in "thuế").
ACCENT_MISMATCH = 0.5
_LEVEL_RANK = {"Cấp xã": 0, "Cấp tỉnh": 1}

_WORD_RE = re.compile(r"\w+")
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


def _pairs(tokens: Sequence[str]) -> set:
    return set(zip(tokens, tokens[1:]))


@dataclass
class _Field:
    tokens: Tuple[str, ...]
    token_set: frozenset
    pairs: set
    weight: float  # sum of IDF of the distinct tokens


@dataclass
class SearchTerms:
    """Stop phrases and synonyms from ``search_terms.yml``.

    Multi-word stop phrases and synonyms are compared folded. Single stop words
    are compared with their accents ("cần" is a question word, "căn" in "căn
    cước" is not); ``stop_folded`` serves unaccented queries.
    """

    stop_phrases: List[Tuple[str, ...]]
    stop_words: frozenset
    stop_folded: frozenset
    synonyms: List[Tuple[Tuple[str, ...], Tuple[str, ...]]]

    @classmethod
    def load(cls, path: Path = TERMS_PATH) -> SearchTerms:
        """Read and fold the vocabulary file."""
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        phrases = {tuple(words(p)) for p in raw.get("stop_phrases", [])}
        multi = sorted((p for p in phrases if len(p) > 1), key=len, reverse=True)
        singles = [tokens_of(p) for p in raw.get("stop_phrases", [])]
        accented = frozenset(p[0][0] for p in singles if len(p) == 1)
        folded = frozenset(p[0][1] for p in singles if len(p) == 1)
        synonyms = [
            (tuple(words(k)), tuple(words(v)))
            for k, v in (raw.get("synonyms") or {}).items()
        ]
        synonyms.sort(key=lambda kv: len(kv[0]), reverse=True)
        return cls(multi, accented, folded, synonyms)


Pair = Tuple[str, str]  # (accented word, folded canonical word)
Term = Tuple[str, float, "str | None"]  # (folded word, weight, accent key)


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


class SearchIndex:
    """Ranks procedures for a free-text question; built once per catalogue."""

    def __init__(
        self, procedures: Sequence[Procedure], terms: SearchTerms | None = None
    ) -> None:
        """Index the procedures' names, plain-language names and aliases."""
        self.terms = terms or SearchTerms.load()
        self.procedures = list(procedures)
        self._by_code = {p.code: i for i, p in enumerate(self.procedures)}
        field_tokens: List[List[List[str]]] = []
        families: Dict[str, int] = {}
        self._family: List[int] = []
        df: Dict[str, int] = {}
        self._accents: List[Dict[str, frozenset]] = []
        for proc in self.procedures:
            accents: Dict[str, set] = {}
            for text in (proc.name, proc.short_name, *proc.aliases):
                for accented, folded in expand_pairs(tokens_of(text or "")):
                    key = accent_key(accented)
                    if key:
                        accents.setdefault(folded, set()).add(key)
            self._accents.append({k: frozenset(v) for k, v in accents.items()})
            base = base_name(proc.name)
            fields = [canonical_words(base)]
            head = _HEAD_RE.split(base, maxsplit=1)[0]
            if head != base and len(head.split()) >= 2:
                fields.append(canonical_words(head))
            # Names in short forms ("công ty TNHH") also in full, as queries are.
            for name_field in list(fields):
                spelled = self._spell_out([(w, w) for w in name_field])
                if spelled is not None:
                    fields.append([w for _, w in spelled])
            for text in [proc.short_name, *proc.aliases]:
                if text:
                    pairs = expand_pairs(tokens_of(text))
                    fields.append(
                        [f for a, f in pairs if a not in self.terms.stop_words]
                    )
            fields = [f for f in fields if f]
            field_tokens.append(fields)
            self._family.append(families.setdefault(base, len(families)))
            for tok in {t for f in fields for t in f}:
                df[tok] = df.get(tok, 0) + 1
        n = max(1, len(self.procedures))
        self.idf = {t: math.log(1.0 + n / c) for t, c in df.items()}
        self.max_idf = math.log(1.0 + n / 0.5)
        self.vocab = sorted(self.idf)
        self._fields: List[List[_Field]] = [
            [self._make_field(f) for f in fields] for fields in field_tokens
        ]
        self._known_pairs = {
            p for fields in self._fields for f in fields for p in f.pairs
        }
        self._level_rank = [
            min((_LEVEL_RANK.get(lv, 2) for lv in p.levels), default=2)
            for p in self.procedures
        ]
        # Inverted index: token -> doc ids, for one bincount per query.
        postings: Dict[str, List[int]] = {}
        for doc, fields in enumerate(field_tokens):
            for tok in {t for f in fields for t in f}:
                postings.setdefault(tok, []).append(doc)
        self._postings = {
            t: np.asarray(ids, dtype=np.int32) for t, ids in postings.items()
        }
        self._prior = np.asarray([p.popularity for p in self.procedures], dtype=float)

    def _make_field(self, tokens: List[str]) -> _Field:
        distinct = frozenset(tokens)
        return _Field(
            tokens=tuple(tokens),
            token_set=distinct,
            pairs=_pairs(tokens),
            weight=sum(self.idf.get(t, self.max_idf) for t in distinct),
        )

    # ----------------------------------------------------------------- query side

    def _spell_out(self, tokens: List[Pair]) -> List[Pair] | None:
        """``tokens`` with every synonym replaced, or ``None`` if none occurs."""
        present = {f for _, f in tokens}
        replaced = tokens
        for phrase, by in self.terms.synonyms:
            if phrase[0] in present:
                replaced = _replace(replaced, phrase, [(w, w) for w in by])
        return replaced if replaced != tokens else None

    def _strip_phrases(self, tokens: List[Pair]) -> List[Pair]:
        present = {f for _, f in tokens}
        for phrase in self.terms.stop_phrases:
            if phrase[0] in present and len(phrase) <= len(tokens):
                tokens = _replace(tokens, phrase, ())
        return tokens

    def _strip_words(self, tokens: List[Pair]) -> List[Pair]:
        """Folded words without question words.

        An accented word is dropped when it is an accented stop word. A word
        typed without accents that folds to a stop word ("can": "cần" or
        "căn"?) is kept only when it forms a known phrase with a neighbour
        ("can cuoc", "so do", "o to").
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
            kept.append((accented, folded))
        return kept

    def _correct(self, token: str) -> Tuple[str, float]:
        """A known spelling for an unknown word, with the weight it keeps."""
        if token in self.idf or len(token) < 4 or not token.isalpha():
            return token, 1.0
        match = process.extractOne(
            token, self.vocab, scorer=OSA.normalized_similarity, score_cutoff=0.75
        )
        if match is None:
            return token, 1.0
        return match[0], CORRECTED

    def analyze(self, query: str) -> List[List[Term]]:
        """Readings of the query: lists of (word, weight, accent key).

        Question words are removed; the accent key is ``None`` for a word
        typed without diacritics or corrected for spelling.
        """
        tokens = expand_pairs(tokens_of(query), self._known_pairs)
        tokens = self._strip_phrases(tokens)
        variants = [tokens]
        replaced = self._spell_out(tokens)
        if replaced is not None:
            variants.append(replaced)
        readings: List[List[Term]] = []
        for variant in variants:
            reading = []
            for accented, folded in self._strip_words(variant):
                word, weight = self._correct(folded)
                key = accent_key(accented) if word == folded else None
                reading.append((word, weight, key))
            if reading and reading not in readings:
                readings.append(reading)
        return readings

    # ---------------------------------------------------------------- scoring

    def _score_doc(
        self,
        fields: List[_Field],
        qweights: Dict[str, float],
        qpairs: set,
        qtotal: float,
    ) -> float:
        """Calibrated score of one procedure for one reading of the query.

        Each feature takes its best field: coverage from the field holding most
        of the query (often the full name), precision from the field the query
        holds most of (an alias, the plain-language name or the name's head).
        """
        coverage = phrase = precision = matched_best = 0.0
        exact = 0.0
        for f in fields:
            matched = [t for t in qweights if t in f.token_set]
            if not matched:
                continue
            matched_idf = sum(self.idf.get(t, 0.0) * qweights[t] for t in matched)
            cov = matched_idf / qtotal
            if cov > coverage:
                coverage, matched_best = cov, matched_idf
            if qpairs:
                phrase = max(phrase, len(qpairs & f.pairs) / len(qpairs))
            elif len(f.tokens) == 1:  # one word: only a one-word field is the phrase
                phrase = 1.0
            precision = max(precision, min(1.0, matched_idf / f.weight))
            if len(matched) == len(qweights) == len(f.token_set):
                exact = 1.0
        if not coverage:
            return 0.0
        specific = min(1.0, matched_best / SPECIFIC)
        base = specific * (
            W_COVERAGE * coverage + W_PHRASE * phrase + W_PRECISION * precision
        )
        return (1 - W_PRIOR - W_EXACT) * min(1.0, base) + W_EXACT * exact

    def _score_reading(self, reading: List[Term]) -> Dict[int, float]:
        qweights: Dict[str, float] = {}
        qkeys: Dict[str, set] = {}
        for tok, w, key in reading:
            qweights[tok] = max(w, qweights.get(tok, 0.0))
            if key:
                qkeys.setdefault(tok, set()).add(key)
        qpairs = _pairs([t for t, _, _ in reading])
        qtotal = sum(self.idf.get(t, self.max_idf) for t in qweights)
        known = [t for t in qweights if t in self._postings]
        if not known or qtotal <= 0:
            return {}
        ids = np.concatenate([self._postings[t] for t in known])
        weights = np.concatenate(
            [np.full(len(self._postings[t]), self.idf[t]) for t in known]
        )
        acc = np.bincount(ids, weights=weights, minlength=len(self.procedures))
        acc += self._prior * 1e-3  # ties: the more asked procedure first
        k = min(CANDIDATES, len(acc))
        top = np.argpartition(-acc, k - 1)[:k] if k < len(acc) else np.arange(len(acc))
        scores = {}
        for doc in top.tolist():
            if acc[doc] < 1e-2:
                continue
            weights_here = qweights
            if qkeys:
                accents = self._accents[doc]
                mismatched = [
                    t
                    for t, keys in qkeys.items()
                    if t in accents and not keys & accents[t]
                ]
                if mismatched:
                    weights_here = dict(qweights)
                    for t in mismatched:
                        weights_here[t] *= ACCENT_MISMATCH
            best = self._score_doc(self._fields[doc], weights_here, qpairs, qtotal)
            if best > 0:
                scores[doc] = best + W_PRIOR * self._prior[doc]
        return scores

    def _ranked(self, query: str) -> List[Tuple[int, float]]:
        code = normalize_code(query)
        if code in self._by_code and re.search(r"\d\.\d{6}", query or ""):
            return [(self._by_code[code], 1.0)]
        scores: Dict[int, float] = {}
        for reading in self.analyze(query or ""):
            for doc, s in self._score_reading(reading).items():
                scores[doc] = max(s, scores.get(doc, 0.0))
        return sorted(
            scores.items(),
            key=lambda kv: (-round(kv[1], 6), self._level_rank[kv[0]], kv[0]),
        )

    # ------------------------------------------------------------------- API

    def search(self, query: str, top: int = 5) -> List[SearchHit]:
        """The ``top`` best procedures for ``query``, best first."""
        ranked = self._ranked(query)[: max(0, top)]
        return [
            SearchHit(self.procedures[d], round(min(1.0, max(0.0, s)), 4))
            for d, s in ranked
        ]

    def resolve(self, query: str) -> Resolution:
        """Confident answer, a short list to choose from, or nothing."""
        ranked = self._ranked(query)
        if not ranked or ranked[0][1] < NONE_BELOW:
            hits = [SearchHit(self.procedures[d], round(s, 4)) for d, s in ranked[:3]]
            return Resolution("none", None, hits)
        best_doc, best = ranked[0]
        seen = {self._family[best_doc]}
        choices = [SearchHit(self.procedures[best_doc], round(best, 4))]
        for doc, s in ranked[1:]:
            if best - s > AMBIGUOUS_GAP or len(choices) >= MAX_CHOICES:
                break
            if self._family[doc] in seen:
                continue  # same procedure at another level: not a real choice
            seen.add(self._family[doc])
            choices.append(SearchHit(self.procedures[doc], round(s, 4)))
        if len(choices) > 1:
            return Resolution("ambiguous", None, choices)
        return Resolution("confident", self.procedures[best_doc], choices)
