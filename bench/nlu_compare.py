"""Compare tokenizers for the Vietnamese NLU on a dev split of the training data.

The held-out test set (tests/data/nlu_test.yml) is never used here: the
training examples are split 80/20 (fixed seed), each candidate pipeline trains
on the 80 % and is scored on the 20 %. Candidates:

* ``folding``: bot.nlu.tokenizer.VietnameseTokenizer (whitespace syllables,
  folded to no diacritics, teencode expanded) — the shipped config.yml;
* ``spacy_pyvi``: SpacyNLP on a saved ``spacy.blank("vi")`` (pyvi word
  segmentation) + SpacyTokenizer, with the same featurizers and classifier.

Usage::

    python -m bench.nlu_compare [--out /tmp/nlu-compare]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = 7


def split_training_data(out: Path) -> Path:
    """Write nlu_data minus 20 % of the examples to out/train, the rest to dev.yml."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "nlu_data" / "nlu"))
    train, dev = data.train_test_split(train_frac=0.8, random_seed=SEED)
    train_dir = out / "train"
    if train_dir.exists():
        shutil.rmtree(train_dir)
    shutil.copytree(ROOT / "nlu_data", train_dir)
    shutil.rmtree(train_dir / "nlu")
    (train_dir / "nlu").mkdir()
    train.persist_nlu(str(train_dir / "nlu" / "train.yml"))
    dev.persist_nlu(str(out / "dev.yml"))
    return train_dir


def spacy_config(out: Path) -> Path:
    """config.yml with the tokenizer replaced by spaCy's vi (pyvi) pipeline."""
    import spacy

    model_dir = out / "spacy-vi"
    spacy.blank("vi").to_disk(model_dir)
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = copy.deepcopy(config["pipeline"])
    pipeline[0] = {"name": "SpacyTokenizer"}
    config["pipeline"] = [{"name": "SpacyNLP", "model": str(model_dir)}, *pipeline]
    path = out / "config-spacy.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def train(config: Path, data: Path, out: Path, name: str) -> float:
    """Train a model; returns seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", str(config), "--data",
         str(data), "--domain", str(ROOT / "domain.yml"), "--out", str(out),
         "--fixed-model-name", name],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def evaluate(model: Path, dev: Path) -> Dict[str, float]:
    """Intent macro-F1 (all/unaccented/accented), entity F1 and parse latency."""
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.evaluate import entity_scores, is_unaccented, macro_f1

    examples = load_data(str(dev)).intent_examples
    agent = Agent.load(str(model))

    async def parse_all():
        out, times = [], []
        for m in examples:
            t0 = time.perf_counter()
            out.append(await agent.parse_message(m.get("text")))
            times.append((time.perf_counter() - t0) * 1000)
        return out, times

    parsed, times = asyncio.run(parse_all())
    gold = [m.get("intent") for m in examples]
    pred = [p["intent"]["name"] for p in parsed]
    unacc = [i for i, m in enumerate(examples) if is_unaccented(m.get("text"))]
    acc = [i for i in range(len(examples)) if i not in set(unacc)]
    ents = entity_scores(
        [{(e["start"], e["end"], e["entity"]) for e in m.get("entities") or []}
         for m in examples],
        [{(e["start"], e["end"], e["entity"]) for e in p.get("entities") or []}
         for p in parsed],
    )
    return {
        "intent_macro_f1": macro_f1(gold, pred),
        "unaccented": macro_f1([gold[i] for i in unacc], [pred[i] for i in unacc]),
        "accented": macro_f1([gold[i] for i in acc], [pred[i] for i in acc]),
        "entity_f1": ents["f1"],
        "parse_ms_p50": statistics.median(times),
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train both candidates on the same split and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="/tmp/nlu-compare")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(SEED)
    data = split_training_data(out)
    candidates = {"folding": ROOT / "config.yml", "spacy_pyvi": spacy_config(out)}
    rows: List[str] = []
    for name, config in candidates.items():
        seconds = train(config, data, out / "models", name)
        scores = evaluate(out / "models" / f"{name}.tar.gz", out / "dev.yml")
        rows.append(
            f"{name}: train_s={seconds:.0f} "
            + " ".join(f"{k}={v:.3f}" for k, v in scores.items())
        )
        print(rows[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
