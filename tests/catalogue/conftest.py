"""Shared fixtures for the catalogue tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalogue import load_catalogue

DATA = Path(__file__).with_name("data")
SAMPLE = DATA / "portal_sample.jsonl.gz"


@pytest.fixture(scope="session")
def catalogue():
    """The committed catalogue with the overlay (loaded once per session)."""
    return load_catalogue()


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """Eight real portal records plus two broken ones (no code, bad code)."""
    return SAMPLE
