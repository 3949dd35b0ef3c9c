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

from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.catalogue.store import read_code_texts
from bot.text import expand, fold, normalize

EXAMPLES_PATH = Path(__file__).with_name("search_examples.yml")
#: The procedures of this many most similar examples count, each with its
#: most similar one.
NEIGHBOURS = 3


def load_examples(path: Path = EXAMPLES_PATH) -> Dict[str, List[str]]:
    """Example messages per procedure code (``search_examples.yml``)."""
    return read_code_texts(path, "examples")


def _prepared(text: str) -> str:
    return fold(expand(normalize(text or "")))


class ExampleIndex:
    """How much a question resembles each procedure's example messages."""

    def __init__(self, examples: Dict[str, List[str]]) -> None:
        texts = [(code, _prepared(m)) for code, ms in examples.items() for m in ms]
        texts = [(code, t) for code, t in texts if t.strip()]
        self._rows: Dict[str, List[int]] = {}
        for row, (code, _) in enumerate(texts):
            self._rows.setdefault(code, []).append(row)
        self._owners = [code for code, _ in texts]  # row -> code
        # Words and word pairs; character n-grams inside words, which slips
        # and missing letters leave mostly intact.
        self._vectorizers = [
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                sublinear_tf=True,
                min_df=2 if len(texts) > 20 else 1,
            ),
        ]
        self._matrices = []  # per vectorizer: examples x features
        self._analyzers = []
        if texts:
            for vectorizer in self._vectorizers:
                self._matrices.append(vectorizer.fit_transform([t for _, t in texts]))
                self._analyzers.append(vectorizer.build_analyzer())

    def __len__(self) -> int:
        return len(self._owners)

    def _vector(self, which: int, text: str) -> np.ndarray:
        """``text`` as the fitted TF-IDF vector (dense), L2-normalized.

        What ``TfidfVectorizer.transform`` computes, without its input checks
        and sparse plumbing, which cost more than the rest of a search.
        """
        vectorizer = self._vectorizers[which]
        vocabulary = vectorizer.vocabulary_
        counts = Counter(
            vocabulary[f] for f in self._analyzers[which](text) if f in vocabulary
        )
        vector = np.zeros(len(vocabulary))
        if counts:
            index = np.fromiter(counts, dtype=int, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=float))
            vector[index] = tf * vectorizer.idf_[index]
            vector /= np.linalg.norm(vector)
        return vector

    def similar(
        self, query: str, codes: Sequence[str], neighbours: int | None = None
    ) -> Dict[str, float]:
        """Similarity of ``query`` to the examples of ``codes``.

        The mean cosine over words and characters; each code keeps its most
        similar example, and only the codes of the ``neighbours`` most
        similar examples count (one close example beats many loose ones).
        """
        neighbours = neighbours or NEIGHBOURS
        text = _prepared(query)
        owners = [(c, r) for c in dict.fromkeys(codes) for r in self._rows.get(c, ())]
        if not owners or not text.strip():
            return {}
        return self._nearest(text, owners, neighbours)

    def nearest(self, query: str, neighbours: int | None = None) -> Dict[str, float]:
        """:meth:`similar` over every procedure's texts."""
        text = _prepared(query)
        if not self._owners or not text.strip():
            return {}
        return self._nearest(text, None, neighbours or NEIGHBOURS)

    def _nearest(self, text, owners, neighbours: int) -> Dict[str, float]:
        """Codes of the ``neighbours`` rows most similar to ``text`` (of
        ``owners``' rows, or of all), each with its best similarity."""
        rows = [r for _, r in owners] if owners is not None else None
        sims = sum(
            (matrix if rows is None else matrix[rows]) @ self._vector(which, text)
            for which, matrix in enumerate(self._matrices)
        ) / len(self._matrices)
        found: Dict[str, float] = {}
        for i in np.argsort(-sims)[:neighbours]:
            if sims[i] > 0:
                code = self._owners[i] if owners is None else owners[i][0]
                found[code] = max(found.get(code, 0.0), float(sims[i]))
        return found
