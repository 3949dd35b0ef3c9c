"""Answer material for a procedure: template variables and a hotline text.

:func:`answer_vars` gives the variables an action passes to a ``domain.yml``
response (``utter_message(response=..., **vars)``): the procedure's name, code,
link and source, plus ``details``, a short plain-text block for one topic
(documents, fee, time, where, online, legal basis, overview) trimmed for chat.
:func:`answer_text` is the whole answer hotline staff copy from the console or
the CLI. Every fact comes from the portal record; labels come from
``labels.yml``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from bot.catalogue.model import UNIT_UNKNOWN, Channel, Procedure
from bot.text import truncate

LABELS_PATH = Path(__file__).with_name("labels.yml")
TOPICS = (
    "overview",
    "documents",
    "fee",
    "processing_time",
    "where",
    "online",
    "legal_basis",
)
BULLET = "• "
ELLIPSIS = "…"
#: Longest single line in chat; the portal's document names can run to 600 chars.
MAX_LINE = 280
#: Staff copy whole rows; only pathological ones are cut.
STAFF_MAX_LINE = 1200
#: Channels in the order citizens usually care about them.
_CHANNEL_ORDER = {"online": 0, "in_person": 1, "postal": 2}


@lru_cache(maxsize=1)
def labels() -> Dict[str, Any]:
    """The label file, loaded once."""
    with open(LABELS_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _label(group: str, key: str) -> str:
    return labels()[group][key]


def source_text(proc: Procedure) -> str:
    """Short source line: "Cổng Dịch vụ công quốc gia, thu thập giữa năm 2026"."""
    collected = proc.collected or {}
    source = (proc.source or {}).get("name") or collected.get("source") or ""
    when = collected.get("collected_vi") or collected.get("collected") or ""
    if not when:
        return source
    return labels()["source_format"].format(source=source, collected=when)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def time_text(channel: Channel) -> str:
    """The processing time as the portal states it, unit kept or flagged unknown."""
    if channel.time_value is None:
        return channel.time_text
    value = _number(channel.time_value)
    if channel.time_unit in (None, UNIT_UNKNOWN):
        return f"{value} {_label('values', 'unit_unknown')}"
    return f"{value} {channel.time_unit}"


def fee_short(channel: Channel) -> str:
    """The fee without its bracketed detail: "160,000 Việt Nam Đồng"."""
    return channel.fee_text.split(" (", 1)[0]


def _grouped(channels: Sequence[Channel], value) -> List[Tuple[str, str]]:
    """(channel labels, value) pairs, channels with the same value merged."""
    merged: Dict[str, List[str]] = {}
    for ch in sorted(channels, key=lambda c: _CHANNEL_ORDER.get(c.kind, 9)):
        text = value(ch)
        if text:
            merged.setdefault(text, [])
            if ch.label not in merged[text]:
                merged[text].append(ch.label)
    return [(", ".join(labels_), text) for text, labels_ in merged.items()]


# ---------------------------------------------------------------- topic lines


def _documents(proc: Procedure, with_forms: bool = False) -> List[Tuple[str, bool]]:
    """(line, is_item) pairs: group headers are not items.

    Template file names ("Mẫu DC01 Phiếu….docx") are noise in chat; staff get
    them in :func:`answer_text`.
    """
    form_label = _label("fields", "form")
    groups: Dict[str, List[str]] = {}
    for doc in proc.documents:
        text = doc.name
        extras = [x for x in (doc.copies,) if x]
        if doc.form and with_forms:
            extras.append(f"{form_label}: {doc.form}")
        if extras:
            text += f" ({'; '.join(extras)})"
        groups.setdefault(doc.group, []).append(text)
    # Notes ("Lưu ý") after the documents themselves.
    order = sorted(groups, key=lambda g: g.lower().lstrip("* ").startswith("lưu ý"))
    lines: List[Tuple[str, bool]] = []
    for group in order:
        if group and len(groups) > 1:
            lines.append((group.rstrip(":") + ":", False))
        lines.extend((BULLET + item, True) for item in groups[group])
    return lines


def _fee(proc: Procedure) -> List[Tuple[str, bool]]:
    return [
        (f"{BULLET}{who}: {text}", True)
        for who, text in _grouped(proc.channels, lambda c: c.fee_text)
    ]


def _time(proc: Procedure) -> List[Tuple[str, bool]]:
    lines = [
        (f"{BULLET}{who}: {text}", True)
        for who, text in _grouped(proc.channels, time_text)
    ]
    for _, text in _grouped(proc.channels, lambda c: c.description):
        lines.append((text, False))
        break  # one description: they usually repeat per channel
    return lines


def _where(proc: Procedure) -> List[Tuple[str, bool]]:
    f = labels()["fields"]
    lines = []
    for key, value in (
        ("levels", ", ".join(proc.levels)),
        ("agency", proc.agency),
        ("competent_authority", proc.competent_authority),
        ("address", proc.address),
    ):
        if value:
            lines.append((f"{BULLET}{f[key]}: {value}", True))
    for ch in proc.channels:
        if ch.kind == "in_person" and ch.description:
            lines.append((f"{BULLET}{ch.label}: {ch.description}", True))
            break
    return lines


def _online(proc: Procedure) -> List[Tuple[str, bool]]:
    if not proc.online:
        return [(_label("values", "online_no"), False)]
    lines = [(_label("values", "online_yes"), False)]
    for ch in proc.channels:
        if ch.kind == "online" and ch.description:
            lines.append((f"{BULLET}{ch.description}", True))
            break
    lines.append((f"{_label('fields', 'link')}: {proc.url}", False))
    return lines


def _legal(proc: Procedure) -> List[Tuple[str, bool]]:
    lines = []
    for doc in proc.legal_basis:
        text = doc.name
        if doc.number and doc.number not in doc.name:
            text += f" ({doc.number})"
        lines.append((BULLET + text, True))
    return lines


def _overview(proc: Procedure) -> List[Tuple[str, bool]]:
    f = labels()["fields"]
    lines = [(f"{BULLET}{f['code']}: {proc.code}", True)]
    if proc.field:
        lines.append((f"{BULLET}{f['field']}: {proc.field}", True))
    if proc.levels:
        lines.append((f"{BULLET}{f['levels']}: {', '.join(proc.levels)}", True))
    if proc.agency:
        lines.append((f"{BULLET}{f['agency']}: {proc.agency}", True))
    times = _grouped(proc.channels, time_text)
    if times:
        text = "; ".join(f"{who}: {t}" for who, t in times)
        lines.append((f"{BULLET}{_label('topics', 'processing_time')}: {text}", True))
    fees = _grouped(proc.channels, fee_short)
    if fees:
        text = "; ".join(f"{who}: {t}" for who, t in fees)
        lines.append((f"{BULLET}{_label('topics', 'fee')}: {text}", True))
    if proc.channels:
        online = _label("values", "online_yes" if proc.online else "online_no")
        lines.append((f"{BULLET}{online}", True))
    if proc.result:
        lines.append((f"{BULLET}{f['result']}: {'; '.join(proc.result)}", True))
    return lines


_BUILDERS = {
    "overview": _overview,
    "documents": _documents,
    "fee": _fee,
    "processing_time": _time,
    "where": _where,
    "online": _online,
    "legal_basis": _legal,
}


def _missing(proc: Procedure, topic: str) -> bool:
    """True when the portal gives nothing for this topic."""
    if topic == "documents":
        return not proc.documents
    if topic == "fee":
        return not any(c.fee_text for c in proc.channels)
    if topic == "processing_time":
        return not any(time_text(c) for c in proc.channels)
    if topic == "online":
        return not proc.channels
    if topic == "legal_basis":
        return not proc.legal_basis
    if topic == "where":
        return not (proc.levels or proc.agency or proc.address)
    return False


def _trim(
    lines: List[Tuple[str, bool]], max_items: int, max_chars: int, max_line: int
) -> Tuple[str, bool]:
    """Join lines, keeping at most ``max_items`` items and ``max_chars`` characters."""
    out: List[str] = []
    items = 0
    size = 0
    cut = False
    limit = max(1, min(max_line, max_chars))
    for text, is_item in lines:
        if is_item and items >= max_items:
            cut = True
            break
        line = truncate(text, limit, ELLIPSIS)
        cut = cut or line != text
        extra = len(line) + (1 if out else 0)
        if size + extra > max_chars - 2:  # room for the closing "…"
            cut = True
            break
        out.append(line)
        size += extra
        items += is_item
    # A group header left without any of its items says nothing.
    while out and out[-1].endswith(":") and not out[-1].startswith(BULLET):
        out.pop()
        cut = True
    if cut:
        out.append(ELLIPSIS)
    return "\n".join(out), cut


def answer_vars(
    proc: Procedure,
    topic: str,
    max_items: int = 8,
    max_chars: int = 900,
    with_forms: bool = False,
    max_line: int = MAX_LINE,
) -> Dict[str, Any]:
    """Template variables answering ``topic`` about ``proc``.

    Returns ``procedure_name`` (plain-language name when curated),
    ``official_name``, ``procedure_code``, ``url``, ``source``, ``topic``,
    ``topic_label``, ``details`` (bulleted plain text trimmed to ``max_items``
    items and ``max_chars`` characters, ending in "…" when cut), ``has_more``
    and ``missing`` (the portal has no data for this topic; ``details`` then
    says so). ``with_forms`` adds the template file names to documents;
    ``max_line`` cuts any single longer line.

    Raises:
        ValueError: for an unknown topic.
    """
    if topic not in _BUILDERS:
        raise ValueError(f"unknown topic {topic!r}; expected one of {TOPICS}")
    missing = _missing(proc, topic)
    if missing:
        details, has_more = _label("values", "no_data"), False
    else:
        builder = _BUILDERS[topic]
        lines = _documents(proc, with_forms) if topic == "documents" else builder(proc)
        details, has_more = _trim(lines, max_items, max_chars, max_line)
    return {
        "procedure_name": proc.display_name,
        "official_name": proc.name,
        "procedure_code": proc.code,
        "url": proc.url,
        "source": source_text(proc),
        "topic": topic,
        "topic_label": _label("topics", topic),
        "details": details,
        "has_more": has_more,
        "missing": missing,
    }


def answer_text(proc: Procedure, max_items: int = 12, max_chars: int = 3000) -> str:
    """A ready-to-send plain-text answer for hotline staff.

    Name and code, documents, fee, processing time, where to file, online
    filing and link, legal basis, curated notes with their sources, and the
    data source with its collection and import dates.
    """
    f = labels()["fields"]
    parts = [f"{proc.name}\n{f['code']}: {proc.code}"]
    for topic in (
        "documents",
        "fee",
        "processing_time",
        "where",
        "online",
        "legal_basis",
    ):
        block = answer_vars(
            proc, topic, max_items, max_chars, with_forms=True, max_line=STAFF_MAX_LINE
        )
        parts.append(f"{block['topic_label']}:\n{block['details']}")
    if proc.notes:
        notes = "\n".join(f"{BULLET}{n['text']}" for n in proc.notes)
        parts.append(f"{f['notes']}:\n{notes}")
    source = source_text(proc)
    imported = (proc.collected or {}).get("imported")
    if imported:
        source += f"; {f['imported']} {imported}"
    parts.append(f"{f['link']}: {proc.url}\n{f['source']}: {source}")
    return "\n\n".join(parts)
