"""Evaluate the trained NLU on a held-out test set: ``make eval``.

Prints intent macro-F1 overall, for unaccented and for accented messages (a
citizen typing without diacritics must be understood as well), and entity F1
(exact span and label) for ``procedure`` and ``dossier_code``.

Usage::

    python -m bot.nlu.evaluate --model models/citizen-bot.tar.gz \
        --test tests/data/nlu_test.yml [--errors 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Dict, List, Optional, Sequence, Set, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
Span = Tuple[int, int, str]


def is_unaccented(text: str) -> bool:
    """True when the text has no character outside ASCII (no diacritics)."""
    return all(ord(c) < 128 for c in text)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-averaged F1 over the gold labels."""
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    return float(
        f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
    )


def entity_scores(
    gold: List[Set[Span]], predicted: List[Set[Span]]
) -> Dict[str, float]:
    """Micro precision, recall and F1 of exact entity spans."""
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    n_pred = sum(len(p) for p in predicted)
    n_gold = sum(len(g) for g in gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


async def parse_all(model: str, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not one debug line per parsed text
    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="models/citizen-bot.tar.gz")
    parser.add_argument("--test", default="tests/data/nlu_test.yml")
    parser.add_argument(
        "--errors", type=int, default=15, help="misclassifications to list"
    )
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)

    from rasa.shared.nlu.training_data.loading import load_data

    examples = [m for m in load_data(args.test).intent_examples]
    texts = [m.get("text") for m in examples]
    parsed = asyncio.run(parse_all(args.model, texts))

    gold_intents = [m.get("intent") for m in examples]
    pred_intents = [p["intent"]["name"] for p in parsed]
    gold_entities = [
        {(e["start"], e["end"], e["entity"]) for e in m.get("entities") or []}
        for m in examples
    ]
    pred_entities = [
        {(e["start"], e["end"], e["entity"]) for e in p.get("entities") or []}
        for p in parsed
    ]

    unaccented = [i for i, t in enumerate(texts) if is_unaccented(t)]
    accented = [i for i in range(len(texts)) if i not in set(unaccented)]

    def subset(indices: List[int]) -> float:
        return macro_f1(
            [gold_intents[i] for i in indices], [pred_intents[i] for i in indices]
        )

    overall = macro_f1(gold_intents, pred_intents)
    f1_unacc, f1_acc = subset(unaccented), subset(accented)
    accuracy = sum(g == p for g, p in zip(gold_intents, pred_intents)) / len(texts)
    print(
        f"NLU test set: {args.test} "
        f"({len(texts)} messages, {len(unaccented)} unaccented)"
    )
    print(f"intent_accuracy: {accuracy:.3f}")
    print(f"intent_macro_f1: {overall:.3f}")
    print(f"intent_macro_f1_unaccented: {f1_unacc:.3f}")
    print(f"intent_macro_f1_accented: {f1_acc:.3f}")
    print(f"intent_macro_f1_gap_points: {100 * (f1_acc - f1_unacc):.1f}")
    for label in ("procedure", "dossier_code"):
        scores = entity_scores(
            [{s for s in g if s[2] == label} for g in gold_entities],
            [{s for s in p if s[2] == label} for p in pred_entities],
        )
        print(
            f"entity_f1_{label}: {scores['f1']:.3f} "
            f"(precision {scores['precision']:.3f}, recall {scores['recall']:.3f})"
        )
    print(f"entity_f1: {entity_scores(gold_entities, pred_entities)['f1']:.3f}")
    errors = [i for i in range(len(texts)) if gold_intents[i] != pred_intents[i]]
    if errors and args.errors:
        print(
            f"\nFirst {min(args.errors, len(errors))} of {len(errors)} intent errors:"
        )
        for i in errors[: args.errors]:
            print(f"  {gold_intents[i]:>24} -> {pred_intents[i]:<24} {texts[i][:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
