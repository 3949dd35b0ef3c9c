"""Parsers for the portal's flattened tables.

The crawler kept each procedure page's tables as text with the cell borders
removed, e.g. ``Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến5 Ngày làm
việcMiễn phí...``. These functions turn that text back into rows. They are pure
and return what they found plus a list of problems, so the importer can report a
record it only partly understood instead of dropping it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List, Tuple

from bot.catalogue.model import (
    CHANNEL_KINDS,
    UNIT_UNKNOWN,
    Channel,
    Document,
    LegalDoc,
)
from bot.text import fold, fold_token

NO_INFO = "Không có thông tin"
CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
#: Page chrome the crawler kept after the result and sometimes the conditions.
CHROME_MARKERS = ("Từ khóa", "Chọn cơ quan thực hiện")

_WS_RE = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")

# ---------------------------------------------------------------- text helpers


def clean_text(text: str | None) -> str:
    """Tidy portal text: tabs and runs of spaces collapsed, blank lines squeezed."""
    text = unicodedata.normalize("NFC", text or "").replace("\r", "")
    text = _WS_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n", text).strip()


def is_no_info(text: str | None) -> bool:
    """True for empty text and the portal's "no information" placeholders."""
    value = clean_text(text).strip(" .-")
    return not value or value == NO_INFO


def strip_chrome(text: str | None) -> str:
    """Cut the page chrome (keyword box, agency picker) the crawler kept."""
    text = text or ""
    cut = min((i for i in (text.find(m) for m in CHROME_MARKERS) if i >= 0), default=-1)
    return text[:cut] if cut >= 0 else text


def split_levels(text: str | None) -> List[str]:
    """``"Cấp bộ, Cấp tỉnh"`` -> ``["Cấp bộ", "Cấp tỉnh"]``."""
    return [p.strip() for p in (text or "").split(",") if p.strip()]


# -------------------------------------------------------------------- channels

_CHANNEL_START_RE = re.compile(
    "(" + "|".join(re.escape(k) for k in CHANNEL_KINDS) + r")(?=\d|Không)"
)
_TIME_UNITS = ("Ngày làm việc", "Ngày", "Giờ", "Tháng", "Năm", "Tuần", "Phút")
_TIME_RE = re.compile(
    r"(?P<value>\d+(?:[.,]\d+)?)[ ]?(?P<unit>" + "|".join(_TIME_UNITS) + ")?"
)
# Time cells that carry no number, longest first.
_TIME_WORDS = (
    "Không phải trả kết quả cho người nộp thuế",
    NO_INFO,
    "Không quy định",
    "Không",
)
_CURRENCY_RE = r"(?P<cur>Việt Nam Đồng|VNĐ|USD|EUR|Đồng|đồng)"
_AMOUNT_RE = re.compile(r"(?P<amount>\d[\d,.]*)[ ]?" + _CURRENCY_RE)
_GLUED_TIME_FEE_RE = re.compile(r"\d[\d,.]*[ ]?(?:Việt Nam Đồng|VNĐ|USD|EUR)")
_FEE_WORDS = ("Miễn phí", NO_INFO)


def _balanced_paren(text: str) -> int:
    """Length of the parenthesised group at the start of ``text`` (0 if none)."""
    if not text.startswith("("):
        return 0
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return i + 1
    return len(text)


def parse_amount(text: str) -> Tuple[float | None, str | None]:
    """``"2,000,000 Việt Nam Đồng"`` -> ``(2000000.0, "VND")``."""
    m = _AMOUNT_RE.match(text)
    if not m:
        return None, None
    digits = re.sub(r"[,.]", "", m.group("amount"))
    currency = {"USD": "USD", "EUR": "EUR"}.get(m.group("cur"), "VND")
    return float(digits), currency


def _parse_glued(seg: str) -> Tuple[dict, str] | None:
    """A bare time glued to a fee ("120 VNĐ"): the split is unknowable.

    Returns the channel fields with the time unknown and the raw text kept as
    the fee, plus the rest of the segment; ``None`` when the cell is not glued.
    """
    m = _GLUED_TIME_FEE_RE.match(seg)
    if not m:
        return None
    fields = {
        "time_value": None,
        "time_unit": UNIT_UNKNOWN,
        "time_text": "",
        "fee_text": m.group(0),
        "fee_amount": None,
        "fee_currency": None,
    }
    return fields, seg[m.end() :]


def _parse_time(seg: str) -> Tuple[dict, str, str | None]:
    """Split the time cell off a channel segment: (fields, rest, problem)."""
    for word in _TIME_WORDS:
        if seg.startswith(word):
            text = "" if word == NO_INFO else word
            fields = {"time_value": None, "time_unit": None, "time_text": text}
            return fields, seg[len(word) :].lstrip(), None
    m = _TIME_RE.match(seg)
    if not m:
        fields = {"time_value": None, "time_unit": None, "time_text": ""}
        return fields, seg, "time not understood"
    value = float(m.group("value").replace(",", "."))
    unit = m.group("unit") or UNIT_UNKNOWN
    fields = {"time_value": value, "time_unit": unit, "time_text": m.group(0).strip()}
    return fields, seg[m.end() :], None


def _parse_fee(rest: str) -> Tuple[dict, str, str | None]:
    """Split the fee cell and its bracketed detail off: (fields, rest, problem)."""
    head = ""
    amount: float | None = None
    currency: str | None = None
    for word in _FEE_WORDS:
        if rest.startswith(word):
            head = word
            break
    if not head:
        m = _AMOUNT_RE.match(rest)
        if m:
            head = m.group(0)
            amount, currency = parse_amount(head)
    if not head:
        fields = {"fee_text": "", "fee_amount": None, "fee_currency": None}
        return fields, rest, "fee not understood"
    rest = rest[len(head) :]
    detail_len = _balanced_paren(rest)
    detail = rest[:detail_len]
    rest = rest[detail_len:]
    if head == "Miễn phí":
        # "Miễn phí(… 8.000.000/lần …)": the detail contradicts the headline, so
        # no amount is claimed; a plain "Miễn phí" is a zero fee.
        amount, currency = (None, None) if re.search(r"\d", detail) else (0.0, "VND")
    if head == NO_INFO and not detail:
        text = ""
    else:
        text = clean_text(f"{head} {detail}" if detail else head)
    fields = {"fee_text": text, "fee_amount": amount, "fee_currency": currency}
    return fields, rest, None


def parse_channels(text: str | None) -> Tuple[List[Channel], List[str]]:
    """Parse ``cach_thuc_thuc_hien`` into channels; returns (channels, problems)."""
    text = text or ""
    problems: List[str] = []
    if not text.startswith(CHANNEL_HEADER):
        return [], ["channels: table header not found"] if text.strip() else []
    body = text[len(CHANNEL_HEADER) :]
    starts = list(_CHANNEL_START_RE.finditer(body))
    if not starts:
        return [], ["channels: no channel rows"] if body.strip() else []
    if body[: starts[0].start()].strip():
        problems.append("channels: text before the first row")
    channels: List[Channel] = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        seg = body[m.end() : end]
        glued = _parse_glued(seg)
        if glued:
            cells, rest = glued
            problems.append(
                f"channels: time and fee run together ({cells['fee_text']!r})"
            )
        else:
            time, rest, time_problem = _parse_time(seg)
            fee, rest, fee_problem = _parse_fee(rest)
            cells = {**time, **fee}
            problems.extend(f"channels: {p}" for p in (time_problem, fee_problem) if p)
        description = clean_text(rest)
        if is_no_info(description):
            description = ""
        channel = Channel(
            kind=CHANNEL_KINDS[m.group(1)],
            label=m.group(1),
            description=description,
            **cells,
        )
        if channel not in channels:
            channels.append(channel)
    return channels, sorted(set(problems))


# ------------------------------------------------------------------- documents

# The portal's copies cell: "1 bản chính" or "0 bản chính,1 bản sao", never
# zero-padded; "(01 bản chính hoặc …)" is prose inside a document name.
_COPIES_RE = re.compile(r"(?<![\d(])(0|[1-9]\d*) bản chính(?:,(\d+) bản sao)?")
_FORM_EXT_RE = re.compile(r"\.(?:docx|doc|pdf|xlsx|xls|rar|zip|odt|rtf)", re.I)
_FORM_WORDS = ("mau", "don", "phu luc", "to khai", "van ban", "bieu mau")
_MIN_NAME = 8  # a form never starts in the first characters of a row


def _is_glued(text: str, i: int) -> bool:
    """True when ``text[i]`` starts a word glued to the previous one."""
    prev, cur = text[i - 1], text[i]
    nxt = text[i + 1 : i + 2]
    if prev in ";:)]." and not cur.isspace():
        return not (prev == "." and cur.isdigit())  # "Mẫu số 1.1"
    if (prev.islower() or prev.isdigit()) and cur.isupper():
        return True
    return prev.isupper() and cur.isupper() and nxt.islower()  # "NĐ-CPMẫu"


def _form_start(head: str) -> int:
    """Where the first form file name starts in ``head`` (row text before ``.ext``).

    The crawler glued the template file name to the document name ("…Nghị
    định 121/2021/NĐ-CP;Mus08.docx"), so the boundary is where text is glued
    without a space: punctuation then a word, lower then upper case, or a
    template word ("mẫu", "đơn", "phụ lục") stuck to the previous word.
    """
    window = max(_MIN_NAME, len(head) - 120)
    for i in range(window, len(head)):
        if _is_glued(head, i):
            return i
    folded = fold_token(head.lower())  # same length as head, unlike fold()
    for i in range(window, len(head)):
        if head[i - 1].isalpha() and folded.startswith(_FORM_WORDS, i):
            return i
    space = head.rfind(" ")
    return space + 1 if space >= 0 else 0


def _split_forms(row: str) -> Tuple[str, List[str]]:
    """Split a document row into its name and its template file names."""
    m = _FORM_EXT_RE.search(row)
    if not m:
        return row, []
    start = _form_start(row[: m.start()])
    name, blob = row[:start], row[start:]
    forms, pos = [], 0
    for ext in _FORM_EXT_RE.finditer(blob):
        form = blob[pos : ext.end()].strip(" ;:.,-")
        if form and not form.startswith("."):
            forms.append(form)
        pos = ext.end()
    tail = blob[pos:].strip()
    return clean_text(name + (" " + tail if tail else "")), forms


def _copies_text(m: re.Match) -> str:
    originals, copies = int(m.group(1)), int(m.group(2) or 0)
    parts = []
    if originals:
        parts.append(f"{originals} bản chính")
    if copies:
        parts.append(f"{copies} bản sao")
    return ", ".join(parts)


def _is_row_end(text: str, end: int) -> bool:
    """A copies cell ends a row unless lower-case prose continues after it."""
    nxt = text[end : end + 3]
    if not nxt:
        return True
    if nxt[0].isspace():
        return False  # "…1 bản chính hoặc…": prose
    if nxt[0].islower():
        # "…1 bản chínhb) Văn bản…" starts an enumerated row.
        return bool(re.match(r"[a-zđ]{1,2}[).]", nxt))
    return True


def _clean_group(title: str) -> str:
    title = clean_text(title).strip(" -*:+\n")
    return "" if title in ("", "-") else title


def parse_documents(text: str | None) -> Tuple[List[Document], List[str]]:
    """Parse ``thanh_phan_ho_so`` into documents with their group headers."""
    text = text or ""
    if DOCUMENT_HEADER not in text:
        stripped = text.strip(" -\n")
        if not stripped:
            return [], []
        return [], ["documents: no table in the portal text (crawler misalignment)"]
    problems: List[str] = []
    parts = text.split(DOCUMENT_HEADER)
    group = _clean_group(parts[0])
    documents: List[Document] = []
    for index, part in enumerate(parts[1:], start=1):
        last = index == len(parts) - 1
        pos = 0
        for m in _COPIES_RE.finditer(part):
            if not _is_row_end(part, m.end()):
                continue
            row = part[pos : m.start()]
            pos = m.end()
            name, forms = _split_forms(row)
            name = name.strip(" ;,").lstrip("-+*•\t ")
            if name:
                documents.append(
                    Document(
                        name=name,
                        form="; ".join(forms),
                        copies=_copies_text(m),
                        group=group,
                    )
                )
        tail = part[pos:]
        if last:
            # A trailing row without a number of copies (often a note in brackets).
            name, forms = _split_forms(tail)
            name = name.strip(" ;,-\n").lstrip("-+*•\t ")
            if name:
                documents.append(
                    Document(name=name, form="; ".join(forms), group=group)
                )
        else:
            group = _clean_group(tail)
    return documents, problems


# ----------------------------------------------------------------- legal basis

_LEGAL_TOKEN_RE = re.compile(r"\d[\dA-ZĐ/\-.]*/[\dA-ZĐ/\-.]*[\dA-ZĐ]")
_LEGAL_NUMBER_RE = re.compile(
    r"\d{1,4}(?:\.\d+)?/(?:\d{4}/)?[A-ZĐ]+(?:-[A-ZĐ]+)*(?:(?<=QH)\d\d)?(?:g(?=$))?"
)
_DATE_PREFIX_RE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}(?=\d)")
_YEAR_PREFIX_RE = re.compile(r"^(?:19|20)\d\d(?=\d{1,4}/)")
# First words of legal document names (folded), seen glued after a number:
# "…/NĐ-CPLuật…" means the number ends before the "L".
_LEGAL_NAME_STARTS = frozenset(
    "luat nghi thong quy quyet sua huong ban ve bo thuc phap lenh hien chi".split()
)


# "…Bộ Tư phápThông tư số" + number: the number cell repeated the kind of document.
_GLUED_KIND_RE = re.compile(
    r"(?<=[^\W\d_])(?:Thông tư|Nghị định|Luật|Quyết định|Nghị quyết)(?: số)?$"
)


def _starts_legal_name(text: str) -> bool:
    """True when ``text`` is a space then a capitalised legal name ("Nghị định…")."""
    m = re.match(r" (\w+)", text)
    return bool(
        m and m.group(1)[0].isupper() and fold(m.group(1)) in _LEGAL_NAME_STARTS
    )


def _trailing_name_start(token: str, after: str) -> int:
    """How many trailing capitals of ``token`` start the next row's name."""
    word = re.match(r"\w*", after).group(0)
    for k in (1, 2, 3, 4):
        head = token[-k:]
        if not head.isalpha() or len(token) - k < 1:
            break
        if fold(head + word) in _LEGAL_NAME_STARTS:
            return k
    return 0


def _legal_number(token: str) -> str:
    """The row's number inside a token: drop a glued date or year, keep the last.

    The crawler glued a name's own trailing number or date to the row's number
    ("Nghị định 126/2020/NĐ-CP126/2020/NĐ-CP", "ngày 29/6/202443/2024/QH15").
    """
    token = _DATE_PREFIX_RE.sub("", token)
    lead = token.split("/", 1)[0]
    if len(lead) >= 5:
        token = _YEAR_PREFIX_RE.sub("", token)
    numbers = _LEGAL_NUMBER_RE.findall(token)
    return numbers[-1] if numbers else token


def parse_legal(text: str | None) -> Tuple[List[LegalDoc], List[str]]:
    """Parse ``can_cu_phap_ly`` into (name, number) pairs.

    A row is a name followed, without a space, by the document number; a
    number followed by a space or punctuation is quoted inside a name.
    """
    text = unicodedata.normalize("NFC", text or "")
    if is_no_info(text):
        return [], []
    if not text.startswith(LEGAL_HEADER):
        return [], ["legal_basis: table header not found (crawler misalignment)"]
    body = text[len(LEGAL_HEADER) :]
    docs: List[LegalDoc] = []
    pos = 0
    for m in _LEGAL_TOKEN_RE.finditer(body):
        token, end = m.group(0), m.end()
        if token.endswith("-TT") and body.startswith("g", end):
            token, end = token + "g", end + 1  # "QĐ-TTg" (Thủ tướng)
        k = _trailing_name_start(token, body[end:])
        if k:
            token, end = token[:-k], end - k
        elif end < len(body) and not body[end].isupper():
            glued = m.start() > 0 and body[m.start() - 1].isalpha()
            if not (glued and _starts_legal_name(body[end:])):
                continue  # quoted inside a name: "Thông tư 19/2021/TT-BTC ngày…"
        number = _legal_number(token)
        name = clean_text(body[pos : end - len(number)]).strip(" ;,.")
        name = _GLUED_KIND_RE.sub("", name).strip(" ;,.") or name
        docs.append(LegalDoc(name=name or number, number=number))
        pos = end
    tail = clean_text(body[pos:])
    if tail:
        docs.append(LegalDoc(name=tail))
    if not docs:
        return [], ["legal_basis: no rows"]
    return docs, []


# ---------------------------------------------------------------------- result

_RESULT_CODE_RE = re.compile(r"Mã:\s*[A-Z0-9][A-Za-z0-9.\-_]*\d")


def parse_result(text: str | None) -> Tuple[List[str], str, List[str]]:
    """Parse ``ket_qua_xu_ly``: (result documents, description, problems)."""
    raw = text or ""
    description = ""
    m = re.search(r"Mô tả(.*?)(?:Chọn cơ quan thực hiện|$)", raw, re.S)
    if m and not is_no_info(m.group(1)):
        description = clean_text(m.group(1))
    body = strip_chrome(raw)
    names = [clean_text(p).strip(" ;,") for p in _RESULT_CODE_RE.split(body)]
    names = [n for n in names if re.search(r"\w", n) and not is_no_info(n)]
    problems: List[str] = []
    if not names:
        problems.append("result: empty")
    elif _COPIES_RE.search(body):
        problems.append("result: text looks like dossier rows (crawler misalignment)")
    seen: List[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen, description, problems
