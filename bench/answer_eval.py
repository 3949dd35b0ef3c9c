"""Which procedure the assistant answers: NLU model plus ``bot.answering.decide``.

Usage::

    .venv/bin/python -m bench.answer_eval [--model models/citizen-bot.tar.gz]
        [tests/data/search_dev2.yml ...]

``make eval`` measures the search on whole questions and the NLU on its own;
a citizen meets both together: the NLU tags a procedure mention, ``decide``
resolves the message and the mention against the catalogue and answers,
offers choices, or asks. For each question of the (development) sets, short
(< 20 words) and long, this prints how often the first reply answers the
expected procedure (``right``), answers another one (``wrong``: the worst
case), or offers choices that hold it (``choices``). ``--mention-first``
resolves the mention before the message (the order before 2026-11-27), for
comparison in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import List, Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SETS = [ROOT / "tests" / "data" / f"search_dev{n}.yml" for n in ("2", "6", "7")]


def mention_of(parsed: dict) -> Optional[str]:
    """The first ``procedure`` entity the NLU found, if any."""
    for entity in parsed.get("entities") or []:
        if entity.get("entity") == "procedure":
            return entity.get("value")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Parse every question, decide, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--model", default=str(ROOT / "models" / "citizen-bot.tar.gz"))
    parser.add_argument("--mention-first", action="store_true")
    args = parser.parse_args(argv)

    from bot.answering import ANSWER, decide
    from bot.catalogue import load_catalogue
    from bot.catalogue.evaluate import load_questions
    from bot.catalogue.search import LONG_MESSAGE, words
    from bot.nlu.evaluate import parse_all

    catalogue = load_catalogue()
    items = [
        (path.stem, str(q["q"]), str(q["code"]))
        for path in args.sets
        for q in load_questions(path)
        if q.get("code")
    ]
    parsed: List[dict] = asyncio.run(parse_all(args.model, [q for _, q, _ in items]))
    counts: Counter = Counter()
    for (name, text, expected), nlu in zip(items, parsed):
        intent = (nlu.get("intent") or {}).get("name")
        mention = mention_of(nlu)
        if args.mention_first and mention:
            # decide() reads ``text`` first: swapping the two tries the
            # mention first, as the earlier order did.
            decision = decide(catalogue, intent, mention, mention=text)
        else:
            decision = decide(catalogue, intent, text, mention=mention)
        key = "long" if len(words(text)) >= LONG_MESSAGE else "short"
        answered = decision.procedure.code if decision.kind == ANSWER else None
        offered = [hit.procedure.code for hit in decision.candidates or []]
        for group in (f"{name} {key}", f"all {key}", "all"):
            counts[group, "questions"] += 1
            counts[group, "right"] += answered == expected
            counts[group, "wrong"] += answered is not None and answered != expected
            counts[group, "choices"] += answered is None and expected in offered
    order = "mention first" if args.mention_first else "whole message first"
    print(f"order: {order}")
    for group in sorted({g for g, _ in counts}):
        n = counts[group, "questions"]
        print(
            f"{group}: {n} questions, right {counts[group, 'right'] / n:.3f}, "
            f"wrong {counts[group, 'wrong'] / n:.3f}, "
            f"choices holding it {counts[group, 'choices'] / n:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
