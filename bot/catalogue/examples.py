"""Example messages: how citizens ask for the procedures asked about most.

The ranking in :mod:`bot.catalogue.search` reads names, aliases and keyword
phrases; siblings among the popular procedures ("đăng ký khai tử" / "đăng ký
lại khai tử", "nuôi con nuôi trong nước" / "… có yếu tố nước ngoài") share
most of their words, and citizens tell stories rather than names. Example
messages (``search_examples.yml``, written from the portal records) carry
how people word each one. A question is compared with them by TF-IDF cosine
over words, word pairs and character n-grams (scikit-learn), folded so that
diacritics, slips and short forms weigh little; the most similar examples
say which procedures the question resembles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize as l2_normalize

from bot.catalogue.store import normalize_code
from bot.text import expand, fold, normalize

EXAMPLES_PATH = Path(__file__).with_name("search_examples.yml")
#: Examples read per question; each procedure keeps its most similar one.
NEIGHBOURS = 3


def load_examples(path: Path = EXAMPLES_PATH) -> Dict[str, List[str]]:
    """Example messages per procedure code (``search_examples.yml``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        return {}
    found = (raw or {}).get("examples") or {}
    return {
        normalize_code(str(code)): [m for m in messages if isinstance(m, str)]
        for code, messages in found.items()
        if isinstance(messages, list)
    }


def _prepared(text: str) -> str:
    return fold(expand(normalize(text or "")))


class ExampleIndex:
    """Nearest example messages of a question, by procedure code."""

    def __init__(self, examples: Dict[str, List[str]]) -> None:
        texts = [(code, _prepared(m)) for code, ms in examples.items() for m in ms]
        texts = [(code, t) for code, t in texts if t.strip()]
        self._codes = np.asarray([code for code, _ in texts])
        self._vectorizer = None
        if not texts:
            return
        self._vectorizer = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(2, 5),
                        sublinear_tf=True,
                        min_df=2 if len(texts) > 20 else 1,
                    ),
                ),
            ]
        )
        matrix = self._vectorizer.fit_transform([t for _, t in texts])
        self._matrix = l2_normalize(matrix).T.tocsr()

    def __len__(self) -> int:
        return len(self._codes)

    def similar(self, query: str, neighbours: int | None = None) -> Dict[str, float]:
        """Cosine of the ``neighbours`` nearest examples, best per code."""
        neighbours = neighbours or NEIGHBOURS
        text = _prepared(query)
        if self._vectorizer is None or not text.strip():
            return {}
        vector = l2_normalize(self._vectorizer.transform([text]))
        sims = (vector @ self._matrix).toarray().ravel()
        found: Dict[str, float] = {}
        if len(sims) > neighbours:
            near = np.argpartition(-sims, neighbours)[:neighbours]
        else:
            near = range(len(sims))
        for i in near:
            if sims[i] > 0:
                code = str(self._codes[i])
                found[code] = max(found.get(code, 0.0), float(sims[i]))
        return found
