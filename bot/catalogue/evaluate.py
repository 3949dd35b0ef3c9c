"""Measure the procedure search on a question set.

Usage::

    .venv/bin/python -m bot.catalogue.evaluate tests/data/search_dev.yml [--json]

The file holds ``questions: [{q: ..., code: ...}]``; ``code: null`` marks a
question about no procedure, which should resolve to "none". Prints top-1 and
top-3 accuracy overall and for questions typed without diacritics, how the
resolver decided, and every miss; with ``--tone-slips`` also the accuracy on
the accented questions with two words' tones mistyped (seeded).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.catalogue.search import TONE_MARKS, base_name
from bot.catalogue.store import Catalogue, load_catalogue, normalize_code
from bot.text import fold, normalize


@dataclass
class Report:
    """Accuracy figures and misses of one evaluation run."""

    questions: int = 0
    top1: int = 0
    top3: int = 0
    unaccented: int = 0
    unaccented_top1: int = 0
    unaccented_top3: int = 0
    statuses: Dict[str, int] = field(default_factory=dict)
    negatives: int = 0
    negatives_none: int = 0
    unknown_codes: List[str] = field(default_factory=list)
    #: Misses by where the expected code ranked and how it relates to the top.
    miss_kinds: Dict[str, int] = field(default_factory=dict)
    misses: List[Dict[str, Any]] = field(default_factory=list)

    def rate(self, hits: int, total: int) -> float:
        """``hits / total`` (0 when there is nothing to count)."""
        return hits / total if total else 0.0

    def lines(self) -> List[str]:
        """The report as ``name: value`` lines, then the misses."""
        out = [
            f"questions: {self.questions}",
            f"top1: {self.rate(self.top1, self.questions):.3f} ({self.top1})",
            f"top3: {self.rate(self.top3, self.questions):.3f} ({self.top3})",
            f"unaccented questions: {self.unaccented}",
            f"unaccented top1: {self.rate(self.unaccented_top1, self.unaccented):.3f}"
            f" ({self.unaccented_top1})",
            f"unaccented top3: {self.rate(self.unaccented_top3, self.unaccented):.3f}"
            f" ({self.unaccented_top3})",
            "resolve: "
            + ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items())),
        ]
        if self.negatives:
            out.append(
                f"not-a-procedure questions resolved to none: "
                f"{self.negatives_none}/{self.negatives}"
            )
        if self.miss_kinds:
            out.append(
                "misses by kind: "
                + ", ".join(f"{k}={v}" for k, v in sorted(self.miss_kinds.items()))
            )
        if self.unknown_codes:
            out.append(f"expected codes not in the catalogue: {self.unknown_codes}")
        for miss in self.misses:
            got = ", ".join(f"{c} ({s:.2f})" for c, s in miss["got"]) or "-"
            out.append(f"miss: {miss['q']!r} expected {miss['expected']} got {got}")
        return out


def load_questions(path: Path) -> List[Dict[str, Any]]:
    """The ``questions`` list of a YAML question set."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list):
        raise ValueError(f"{path}: expected a 'questions' list")
    return questions


_VOWELS = frozenset("aeiouy")


def with_tone_slips(question: str, rng: random.Random, words: int = 2) -> str:
    """``question`` with the tone of up to ``words`` accented words changed.

    Citizens type fast on phones: "giây khai sinh", "đăng kí kêt hôn". Only
    the tone changes (or goes); the letters, "ư" or "đ" included, stay.
    """
    tokens = question.split(" ")
    marked = [i for i, t in enumerate(tokens) if t.isalpha() and fold(t) != t.lower()]
    for i in rng.sample(marked, min(words, len(marked))):
        decomposed = unicodedata.normalize("NFD", tokens[i])
        old = next((c for c in decomposed if c in TONE_MARKS), "")
        base = "".join(c for c in decomposed if c not in TONE_MARKS)
        new = rng.choice([t for t in (*TONE_MARKS, "") if t != old])
        at = next((j for j, c in enumerate(base) if c.lower() in _VOWELS), None)
        if at is not None:
            # After the first vowel's own marks (the circumflex of "ê" ...).
            end = at + 1
            while end < len(base) and unicodedata.combining(base[end]):
                end += 1
            tokens[i] = unicodedata.normalize("NFC", base[:end] + new + base[end:])
    return " ".join(tokens)


def miss_kinds(codes: List[str], expected: str, catalogue: Catalogue) -> List[str]:
    """Kinds of a top-1 miss (``codes``: the ten best, best first), to tell
    near misses from lost questions.

    ``rank 2-3`` / ``rank 4-10`` / ``rank >10`` say where the expected
    procedure ranked; ``same name`` that the top one bears its name (a
    duplicate or level copy); ``curated`` that the expected one has a curated
    entry, ``top curated`` that the top one has; ``none`` that nothing was
    found.
    """
    if not codes:
        return ["none"]
    rank = codes.index(expected) + 1 if expected in codes else 11
    kinds = ["rank 2-3" if rank <= 3 else "rank 4-10" if rank <= 10 else "rank >10"]
    top, want = catalogue.get(codes[0]), catalogue.get(expected)
    if top and want and base_name(top.name) == base_name(want.name):
        kinds.append("same name")
    if want and want.aliases:
        kinds.append("curated")
    if top and top.aliases:
        kinds.append("top curated")
    return kinds


def evaluate(questions: List[Dict[str, Any]], catalogue: Catalogue) -> Report:
    """Run every question through search and resolve."""
    report = Report()
    for item in questions:
        q = str(item.get("q", ""))
        expected = item.get("code")
        resolution = catalogue.resolve(q)
        if expected is None:
            report.negatives += 1
            if resolution.status == "none":
                report.negatives_none += 1
            else:
                got = [(h.procedure.code, h.score) for h in resolution.candidates[:3]]
                report.misses.append({"q": q, "expected": "none", "got": got})
            continue
        expected = normalize_code(str(expected))
        if catalogue.get(expected) is None:
            report.unknown_codes.append(expected)
        report.statuses[resolution.status] = (
            report.statuses.get(resolution.status, 0) + 1
        )
        found = catalogue.search(q, top=10)  # ten for the miss kinds
        hits = found[:3]
        codes = [h.procedure.code for h in hits]
        unaccented = fold(q) == normalize(q)
        report.questions += 1
        report.unaccented += unaccented
        if codes[:1] == [expected]:
            report.top1 += 1
            report.unaccented_top1 += unaccented
        if expected in codes:
            report.top3 += 1
            report.unaccented_top3 += unaccented
        if codes[:1] != [expected]:
            ranked = [h.procedure.code for h in found]
            for kind in miss_kinds(ranked, expected, catalogue):
                report.miss_kinds[kind] = report.miss_kinds.get(kind, 0) + 1
            got = [(h.procedure.code, h.score) for h in hits]
            report.misses.append({"q": q, "expected": expected, "got": got})
    return report


def main(argv: List[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "questions", type=Path, help="YAML file with a 'questions' list"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--tone-slips",
        action="store_true",
        help="also measure with the tone of two words of each accented question "
        "changed (seeded), as citizens mistype on phones",
    )
    args = parser.parse_args(argv)
    try:
        questions = load_questions(args.questions)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    catalogue = load_catalogue()
    report = evaluate(questions, catalogue)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False, indent=1))
    else:
        print("\n".join(report.lines()))
    if args.tone_slips:
        accented = [
            item
            for item in questions
            if item.get("code") and fold(str(item["q"])) != normalize(str(item["q"]))
        ]
        rng = random.Random(2026)
        slipped = [{**it, "q": with_tone_slips(str(it["q"]), rng)} for it in accented]
        clean, typed = evaluate(accented, catalogue), evaluate(slipped, catalogue)
        print(
            f"accented questions: {clean.questions}, top1 "
            f"{clean.rate(clean.top1, clean.questions):.3f}; with two tones "
            f"slipped: top1 {typed.rate(typed.top1, typed.questions):.3f}, "
            f"top3 {typed.rate(typed.top3, typed.questions):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
