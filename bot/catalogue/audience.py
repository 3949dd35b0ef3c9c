"""Who a procedure is for, and whether the asker is one of them.

Some portal names leave out whom the procedure serves. "Cấp lại thẻ bảo hiểm
y tế (thực hiện tại cấp tỉnh)" is the police force's procedure for its own
officers (its record says "sĩ quan, hạ sĩ quan, chiến sĩ ..."); a citizen who
lost a health insurance card files "Cấp lại, đổi, điều chỉnh thông tin trên
sổ BHXH, thẻ BHYT" with social insurance. Names with an age bound ("Cấp thẻ
căn cước cho người dưới 14 tuổi") do not fit a question about a 15-year-old,
nor "… có yếu tố nước ngoài" a family that is Vietnamese on every side, nor
a first issue ("Đăng ký khai sinh", "Cấp thẻ căn cước") someone who already
holds the paper ("giấy khai sinh của cháu chỉ có tên mẹ"). The search
(``search.py``) lowers such procedures when the question does not fit them.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from bot.text import expand, fold

# The armed forces' own people, as records name them. Matched on lower-case
# accented text: folded, "quân nhân" would also match "ngoại quan nhận".
_FORCES_RE = re.compile(
    r"\b(?:công an nhân dân|quân đội nhân dân|sĩ quan|chiến sĩ|quân nhân)\b"
)
# A question from or about a member of the forces (folded).
_ASKS_FORCES_RE = re.compile(
    r"\b(?:chien si|si quan|quan nhan|bo doi|quan doi|quan su|cand|qdnd|luc luong"
    r"|(?:la|lam|nganh|trong)\s+cong an|cong an nhan dan)\b"
)
# Age bounds in folded names: "dưới 14 tuổi", "từ đủ 14 tuổi trở lên".
_UNDER_RE = re.compile(r"\bduoi (\d{1,3}) tuoi\b")
_FROM_RE = re.compile(r"\btu (?:du )?(\d{1,3}) tuoi tro len\b")
# Ages in folded questions: "15 tuổi", "bé 3t", "dưới 14 tuổi", "8 tháng
# tuổi", "mới sinh".
_AGE_RE = re.compile(r"\b(?:(duoi|tren|qua)\s+)?(\d{1,3})\s*(?:tuoi|t)\b")
# An age bound in the question stands for an age just inside it.
_BOUND = {"duoi": -1, "tren": 1, "qua": 1}
_BABY_RE = re.compile(r"\b(?:\d{1,2}\s*thang tuoi|moi sinh|so sinh|moi de)\b")

# Names of procedures for a foreign party (folded).
_FOREIGN_PARTY = (
    "co yeu to nuoc ngoai",
    "cho nguoi nuoc ngoai",
    "cho nguoi khong quoc tich",
    "mien thi thuc",
)

Range = Tuple[int, Optional[int]]  # lowest age, and the age it must stay under


def for_armed_forces(record_text: str) -> bool:
    """Whether a record's own text (who files, steps) is about the forces'
    people. Checked on the record, not the name, which often omits it."""
    return bool(_FORCES_RE.search((record_text or "").lower()))


def asks_about_forces(folded_query: str) -> bool:
    """Whether a (folded) question speaks of a member of the forces."""
    return bool(_ASKS_FORCES_RE.search(folded_query))


def with_foreign_party(folded_name: str) -> bool:
    """Whether a (folded) name is for a foreign party: the variant "… có yếu
    tố nước ngoài" ("Đăng ký kết hôn có yếu tố nước ngoài") or one "cho người
    nước ngoài", "… miễn thị thực". For a question that names one ("chồng
    người Hàn", "quốc tịch Mỹ": search_terms.yml's ``foreign`` aspect)."""
    return any(phrase in folded_name for phrase in _FOREIGN_PARTY)


def age_range(folded_name: str) -> Range | None:
    """The ages a (folded) procedure name is limited to, if it says."""
    under = _UNDER_RE.search(folded_name)
    if under:
        return 0, int(under.group(1))
    older = _FROM_RE.search(folded_name)
    if older:
        return int(older.group(1)), None
    return None


def asked_ages(folded_query: str) -> List[int]:
    """Ages a (folded) question states, in years (a baby counts as 0)."""
    ages = [int(n) + _BOUND.get(b, 0) for b, n in _AGE_RE.findall(folded_query)]
    if _BABY_RE.search(folded_query):
        ages.append(0)
    return ages


def fits_ages(ages: List[int], limits: Range | None) -> bool:
    """Whether any stated age fits ``limits`` (no ages or no limits: fits).

    A story may name several people ("tôi 35 tuổi, con 10 tuổi"): one that
    fits is enough.
    """
    if not ages or limits is None:
        return True
    low, below = limits
    return any(age >= low and (below is None or age < below) for age in ages)


# Papers a first-issue procedure makes, by the (folded) start of its name, and
# how a (folded, abbreviations spelled out) question names them. Not the
# passport: an expired or lost one is replaced by "Cấp hộ chiếu" itself.
_FIRST_ISSUES = {
    "birth": ("dang ki khai sinh", r"(?:giay )?khai sinh"),
    "id card": (
        "cap the can cuoc",
        r"(?:(?:the )?can cuoc(?: cong dan)?|chung minh (?:thu|nhan dan))",
    ),
    "death": ("dang ki khai tu", r"(?:giay )?(?:chung tu|khai tu)"),
    "marriage": ("dang ki ket hon", r"(?:giay )?(?:dang k[iy] )?ket hon"),
}
# "đã (có / làm) X", "có X" (not "cần có", "chưa có", "không có X"), "X chỉ
# có tên mẹ", "X để trống", "X cũ", "X làm năm 2020", "X (ghi) sai".
_HELD = (
    r"(?:(?<!can )(?<!phai )(?<!chua )(?<!khong )(?<!k )\bco"
    r"|\bda(?: co| lam| duoc cap| dang k[iy])?)"
)
_STATE = (
    r"(?:\w+ ){0,2}(?:chi co|de trong|bo trong|cu|lam (?:nam|tu|hoi)|"
    r"cap (?:nam|tu|hoi)|sai)\b"
)
_HELD_RES = {
    paper: re.compile(rf"{_HELD} {said}\b|\b{said} {_STATE}")
    for paper, (_, said) in _FIRST_ISSUES.items()
}


def first_issue(folded_name: str, plain: bool) -> Optional[str]:
    """The paper a procedure issues for the first time, if its (folded,
    canonical) name starts with one (``plain``: it has no re-issue, change...
    aspect). Not those for
    people who already hold other papers ("… cho người đã có hồ sơ, giấy tờ
    cá nhân": a birth registered late)."""
    name = re.sub(r"^\W*thu tuc\s+", "", folded_name.strip())
    if not plain or "da co" in name:
        return None
    starts = ((paper, start) for paper, (start, _) in _FIRST_ISSUES.items())
    return next((paper for paper, start in starts if name.startswith(start)), None)


def held_papers(folded_query: str) -> frozenset:
    """Papers a (folded) question says the asker already holds.

    Read clause by clause: in "chưa từng khai sinh, chỉ có cccd" what the
    asker has is the identity card, not a birth certificate.
    """
    clauses = [
        " ".join(fold(expand(clause)).split())
        for clause in re.split(r"[,.;:!?()\n]+", folded_query)
    ]
    return frozenset(
        paper
        for paper, held in _HELD_RES.items()
        if any(held.search(clause) for clause in clauses)
    )

