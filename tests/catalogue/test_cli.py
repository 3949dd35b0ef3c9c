"""``citizen-bot lookup`` / ``procedure``: exit codes and the JSON contract."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bot.catalogue import cli
from bot.cli import main

BIN = Path(sys.executable).with_name("citizen-bot")


def test_lookup_json_contract(capsys):
    assert (
        main(["lookup", "làm", "hộ", "chiếu", "ở", "đâu", "--top", "3", "--json"]) == 0
    )
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert {"code", "name", "score"} <= set(hits[0])
    assert hits[0]["code"] == "1.001456"
    assert [h["score"] for h in hits] == sorted(
        (h["score"] for h in hits), reverse=True
    )


def test_lookup_text(capsys):
    assert main(["lookup", "dang ky ket hon"]) == 0
    out = capsys.readouterr().out
    assert "1. 1.000894" in out and len(out.strip().split("\n")) == 6


def test_lookup_nothing_found(capsys):
    assert main(["lookup", "asdfgh", "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "Không tìm thấy" in captured.err


def test_lookup_empty_query_and_bad_top(capsys):
    assert cli.cmd_lookup(argparse.Namespace(query=["  "], top=5, json=False)) == 2
    assert "hãy nhập" in capsys.readouterr().err
    assert cli.cmd_lookup(argparse.Namespace(query=["cccd"], top=0, json=False)) == 2
    assert "--top" in capsys.readouterr().err


def test_procedure_json_and_text(capsys):
    assert main(["procedure", " 1.001193 ", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["code"] == "1.001193" and data["online"] is True
    assert data["documents"] and data["source"]["url"] == data["url"]
    assert main(["procedure", "1.001193"]) == 0
    assert "Thành phần hồ sơ:" in capsys.readouterr().out


def test_procedure_unknown_code(capsys):
    assert main(["procedure", "9.999999"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "9.999999" in captured.err


def test_installed_console_script():
    result = subprocess.run(
        [str(BIN), "procedure", "1.004194", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["code"] == "1.004194"
    result = subprocess.run(
        [str(BIN), "procedure", "0.000000"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2 and "0.000000" in result.stderr
