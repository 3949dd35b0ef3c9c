"""The evaluation script on a small question file."""

from __future__ import annotations

import json

from bot.catalogue import evaluate


def _write(tmp_path, text):
    path = tmp_path / "q.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_figures_and_misses(tmp_path, capsys):
    path = _write(
        tmp_path,
        "questions:\n"
        "  - {q: 'dang ky ket hon', code: '1.000894'}\n"
        "  - {q: 'làm hộ chiếu', code: '1.001456'}\n"
        "  - {q: 'làm hộ chiếu', code: '1.010386'}\n"
        "  - {q: 'asdfgh', code: null}\n",
    )
    assert evaluate.main([str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["questions"], report["top1"], report["top3"]) == (3, 2, 3)
    assert (report["unaccented"], report["unaccented_top1"]) == (1, 1)
    assert report["negatives_none"] == 1
    assert [m["expected"] for m in report["misses"]] == ["1.010386"]
    assert evaluate.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "top1: 0.667 (2)" in out and "unaccented top1: 1.000 (1)" in out
    assert "miss: 'làm hộ chiếu' expected 1.010386" in out


def test_bad_file(tmp_path, capsys):
    assert evaluate.main([str(_write(tmp_path, "foo: 1\n"))]) == 2
    assert evaluate.main([str(tmp_path / "missing.yml")]) == 2
    assert "error" in capsys.readouterr().err


def test_tone_slips_change_tones_only(tmp_path, capsys):
    import random

    from bot.text import fold

    question = "đăng ký kết hôn ở phường nào"
    slipped = evaluate.with_tone_slips(question, random.Random(3))
    assert slipped != question and fold(slipped) == fold(question)
    changed = [a != b for a, b in zip(slipped.split(), question.split())]
    assert 1 <= sum(changed) <= 2
    assert evaluate.with_tone_slips(question, random.Random(3)) == slipped
    assert evaluate.with_tone_slips("dang ky ket hon", random.Random(3)) == (
        "dang ky ket hon"
    )
    path = _write(tmp_path, "questions:\n  - {q: 'làm hộ chiếu', code: '1.001456'}\n")
    assert evaluate.main([str(path), "--tone-slips"]) == 0
    assert "with two tones slipped: top1" in capsys.readouterr().out
