"""The curated overlay: validation and application."""

from __future__ import annotations

import pytest
import yaml

from bot.catalogue.overlay import (
    OVERLAY_PATH,
    OverlayError,
    apply_overlay,
    load_overlay,
    parse_overlay,
)


def _raw():
    with open(OVERLAY_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_committed_overlay_is_valid_and_covers_common_procedures(catalogue):
    overlay = load_overlay(p.code for p in catalogue)
    assert len(overlay.entries) >= 50
    for code, entry in overlay.entries.items():
        assert catalogue.get(code) is not None
        assert entry.short_name and entry.aliases and 0 <= entry.popularity <= 1
    for note in overlay.global_notes:
        assert note["source"] in overlay.sources and note["source_text"]


def test_overlay_is_applied_at_load(catalogue):
    proc = catalogue.get("1.001193")
    assert proc.short_name == "Đăng ký khai sinh"
    assert "gks" in proc.aliases and proc.popularity == 1.0
    assert any("1022" in n["text"] for n in proc.notes)
    plain = catalogue.get("1.000178")
    assert plain.aliases == [] and plain.short_name == ""
    assert plain.display_name == plain.name


def test_unknown_code_is_an_error():
    raw = _raw()
    raw["procedures"]["9.999999"] = {"aliases": ["x"]}
    with pytest.raises(OverlayError, match=r"9\.999999"):
        parse_overlay(raw, ["1.001193"])


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"alias": ["x"]}, "unknown keys"),
        ({"aliases": "x"}, "aliases"),
        ({"aliases": [""]}, "aliases"),
        ({"popularity": 2}, "popularity"),
        ({"notes": [{"text": "x", "source": "nowhere"}]}, "unknown note source"),
        ({"notes": [{"text": "x"}]}, "text"),
    ],
)
def test_malformed_entries_are_errors(entry, message):
    raw = {"sources": {"s": "a source"}, "procedures": {"1.001193": entry}}
    with pytest.raises(OverlayError, match=message):
        parse_overlay(raw, ["1.001193"])


def test_apply_overlay_dedupes_aliases(catalogue):
    raw = {
        "sources": {"s": "a source"},
        "global_notes": [{"text": "chung", "source": "s"}],
        "procedures": {
            "1.001193": {
                "aliases": ["GKS", "gks"],
                "popularity": 0.5,
                "notes": [{"text": "riêng", "source": "s"}],
            }
        },
    }
    overlay = parse_overlay(raw, ["1.001193"])
    proc = type(catalogue.get("1.001193"))(code="1.001193", name="x", url="u")
    apply_overlay([proc], overlay)
    assert proc.aliases == ["GKS"] and proc.popularity == 0.5
    assert [n["text"] for n in proc.notes] == ["riêng", "chung"]
