"""End-to-end test stories through the trained model (NLU + dialogue policies).

``rasa test core --fail-on-prediction-errors`` stops at the first wrong intent,
entity or action; the failed story is printed in the assertion message.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "citizen-bot.tar.gz"
STORIES = ROOT / "tests" / "stories"

pytestmark = pytest.mark.slow


def test_there_are_at_least_forty_stories():
    count = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["stories"])
        for p in STORIES.glob("*.yml")
    )
    assert count >= 40


def test_stories_pass_without_prediction_errors(tmp_path):
    assert MODEL.is_file(), "no trained model: run `make train` (make test does)"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(MODEL),
            "--stories",
            str(STORIES),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    failed = tmp_path / "results" / "failed_test_stories.yml"
    # Rasa writes the file either way; without failures it holds only a comment.
    failures = yaml.safe_load(failed.read_text()) if failed.exists() else None
    assert not (failures or {}).get("stories"), failed.read_text()
