"""Find the verification value (last 4 digits of the phone number) in a message.

Citizens may add it next to the code: "mã 000.00.06.H26-250312-0042, 4 số cuối
sđt 6789". Only with it does the one-stop service reveal the owner's name.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.text import fold

# After a phone keyword ("so cuoi", "sdt", "dien thoai", "dt"), 4 digits alone.
_VERIFY_RE = re.compile(
    r"(?:so cuoi|sdt|so dien thoai|dien thoai|\bdt\b|xac minh|verify)"
    r"\D{0,25}?(?<!\d)(\d{4})(?!\d)"
)


def extract_verification(text: Optional[str]) -> Optional[str]:
    """The 4 verification digits when the message clearly gives them, else None."""
    if not text:
        return None
    match = _VERIFY_RE.search(fold(text))
    return match.group(1) if match else None
