"""Vietnamese text handling shared by NLU, search and channels.

Citizens write with or without diacritics, in teencode and abbreviations
("ko đc", "gks", "cccd"). Everything that compares text goes through
:func:`normalize` (NFC, lower case, tidy spaces) and :func:`fold` (no diacritics,
``đ`` -> ``d``), and :func:`expand` rewrites common abbreviations to full words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, List

# Short forms citizens use, keyed by their folded (unaccented) spelling. Values are
# accented so the expansion also helps diacritic-aware matching.
ABBREVIATIONS: Dict[str, str] = {
    # teencode / chat shorthand
    "ko": "không",
    "k": "không",
    "kg": "không",
    "khong": "không",
    "hok": "không",
    "hong": "không",
    "hông": "không",
    "khum": "không",
    "dc": "được",
    "đc": "được",
    "duoc": "được",
    "ak": "à",
    "j": "gì",
    "gi": "gì",
    "ntn": "như thế nào",
    "nt": "như thế",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "bh": "bao giờ",
    "mk": "mình",
    "mn": "mọi người",
    "r": "rồi",
    "vs": "với",
    "z": "vậy",
    "thi": "thì",
    "oy": "rồi",
    "ng": "người",
    "nc": "nước",
    "tks": "cảm ơn",
    "thanks": "cảm ơn",
    "thank": "cảm ơn",
    "ok": "ok",
    "hs": "hồ sơ",
    "tt": "thủ tục",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "ubnd": "ủy ban nhân dân",
    "ub": "ủy ban",
    "tp": "thành phố",
    "hn": "hà nội",
    # document and procedure short names
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh thư",
    "gks": "giấy khai sinh",
    "gplx": "giấy phép lái xe",
    "gpkd": "giấy phép kinh doanh",
    "gpxd": "giấy phép xây dựng",
    "hk": "hộ khẩu",
    "skh": "sổ hộ khẩu",
    "lltp": "lý lịch tư pháp",
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "bhtn": "bảo hiểm thất nghiệp",
    "kt3": "tạm trú",
    "hkd": "hộ kinh doanh",
    "dkkd": "đăng ký kinh doanh",
    "gcn": "giấy chứng nhận",
    "qsdd": "quyền sử dụng đất",
    "vneid": "vneid",
    "cnqsdd": "chứng nhận quyền sử dụng đất",
}

_SPACE_RE = re.compile(r"\s+")
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")


def normalize(text: str) -> str:
    """NFC, lower case, control characters removed, white space collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip().lower()


@lru_cache(maxsize=65536)
def fold_token(token: str) -> str:
    """One token without diacritics (``Đường`` -> ``duong``)."""
    decomposed = unicodedata.normalize("NFD", token.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Normalised text without diacritics: the form used to compare any two texts."""
    return fold_token(normalize(text))


def tokens(text: str) -> List[str]:
    """Word tokens of normalised text (Vietnamese syllables are space separated)."""
    return _TOKEN_RE.findall(normalize(text))


def expand(text: str) -> str:
    """Normalised text with common abbreviations and teencode spelled out."""
    out = []
    for tok in re.split(r"(\W+)", normalize(text)):
        out.append(ABBREVIATIONS.get(fold_token(tok), tok) if tok.isalnum() else tok)
    return "".join(out)


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to ``limit`` characters at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ellipsis


def split_message(text: str, limit: int) -> List[str]:
    """Split a reply into chunks of at most ``limit`` characters.

    Prefers paragraph, then line, then sentence, then word boundaries so a
    citizen never receives half a word.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: List[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " "):
            pos = window.rfind(sep)
            if pos > limit // 3:
                cut = pos + len(sep.rstrip()) if sep.strip() else pos
                break
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        chunks.append(text)
    return chunks
