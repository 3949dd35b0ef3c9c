"""Dossier codes of the one-stop system (mã hồ sơ).

A code reads ``000.00.06.H26-231027-0361``: the receiving agency's code (four
dot-separated parts ending with ``H`` and the province number, Hanoi is ``H26``),
the receipt date as ``yyMMdd`` and a 4-digit daily sequence. Citizens type it in
lower case, with spaces around the dots and dashes, with typographic dashes, or
paste a whole receipt around it; :func:`extract_code` finds it and returns the
canonical upper-case form.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import NamedTuple

EXAMPLE_CODE = "000.00.06.H26-250312-0042"
"""A well-formed code to show in re-ask messages."""

# Dashes a phone keyboard or a word processor may produce, plus "_" and "/".
_DASH = r"[-‐‑‒–—―−_/]"
_DOT = r"[.·,]"
_SEP = rf"(?:\s*{_DASH}\s*|\s+)"
_CODE_RE = re.compile(
    rf"(?<![0-9.])([0-9A-Z]{{3}})\s*{_DOT}\s*([0-9A-Z]{{2}})\s*{_DOT}\s*([0-9A-Z]{{2}})"
    rf"\s*{_DOT}\s*H\s*(\d\d)(?!\d){_SEP}(\d{{6}}){_SEP}(\d{{4}})(?!\d)"
)
_CANONICAL_RE = re.compile(
    r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.H\d\d-(\d{6})-(\d{4})$"
)


class DossierCode(NamedTuple):
    """The parts of a canonical dossier code."""

    agency: str
    received: date
    sequence: int


def _receipt_date(yymmdd: str) -> date | None:
    try:
        return datetime.strptime(yymmdd, "%y%m%d").date()
    except ValueError:
        return None


def extract_code(text: str | None) -> str | None:
    """Find a dossier code in free text and return it in canonical form.

    Args:
        text: what the citizen typed or pasted, e.g.
            ``"ma ho so la 000.00.06.h26 - 231027 - 0361 nhe"``.

    Returns:
        The first code found, upper case with no spaces
        (``"000.00.06.H26-231027-0361"``); a code with a real receipt date is
        preferred over one whose date part is impossible. ``None`` when the text
        holds nothing shaped like a code. Check the date with
        :func:`is_valid_code`.
    """
    if not text:
        return None
    # NFKC turns full-width digits and letters into ASCII ones.
    folded = unicodedata.normalize("NFKC", text).upper()
    first: str | None = None
    for match in _CODE_RE.finditer(folded):
        a, b, c, province, yymmdd, seq = match.groups()
        code = f"{a}.{b}.{c}.H{province}-{yymmdd}-{seq}"
        if _receipt_date(yymmdd) is not None:
            return code
        first = first or code
    return first


def is_valid_code(code: str | None) -> bool:
    """Whether ``code`` is a canonical dossier code with a real receipt date."""
    return parse_code(code) is not None


def parse_code(code: str | None) -> DossierCode | None:
    """Split a canonical code into agency, receipt date and sequence, or ``None``."""
    match = _CANONICAL_RE.match(code or "")
    if not match:
        return None
    received = _receipt_date(match.group(1))
    if received is None:
        return None
    return DossierCode(code.split("-")[0], received, int(match.group(2)))


def make_code(agency: str, received: date, sequence: int) -> str:
    """Build a canonical code from its parts (``agency`` like ``000.00.06.H26``)."""
    return f"{agency}-{received:%y%m%d}-{sequence:04d}"


AGENCY_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.H\d\d$")
"""An agency code as it starts a dossier code."""
