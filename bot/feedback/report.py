"""What citizens ask, what the bot fails on, and how satisfied they are.

Reads the Rasa tracker store (SQL: SQLite by default, PostgreSQL when scaled):
``procedure_code`` slot events are answered procedures, ``feedback`` slot
events are ratings, ``nlu_fallback`` messages and ``unanswered`` slot events are
questions the bot could not answer. Long digit runs (phone and ID numbers) are
masked before anything is shown.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from typing import Any, Dict, Optional

from sqlalchemy import create_engine, text

from bot.settings import Settings
from bot.text import fold, normalize

_DIGITS_RE = re.compile(r"\d[\d .-]{4,}\d")
FALLBACK_INTENT = "nlu_fallback"


def mask_personal(value: str) -> str:
    """Hide phone and ID numbers (runs of 6+ digits) in free text."""
    return _DIGITS_RE.sub(lambda m: "•" * min(len(m.group()), 8), value)


def build_report(
    db_url: Optional[str] = None, days: int = 30, top: int = 10, catalogue=None
) -> Dict[str, Any]:
    """Aggregate the last ``days`` days of conversations in the tracker store."""
    db_url = db_url or Settings.from_env().tracker_db_url
    since = time.time() - days * 86400
    engine = create_engine(db_url)
    procedures: Counter = Counter()
    ratings: Counter = Counter()
    unanswered: Counter = Counter()
    last_seen: Dict[str, float] = {}
    shown: Dict[str, str] = {}
    senders = set()
    query = text(
        "SELECT sender_id, type_name, intent_name, timestamp, data FROM events "
        "WHERE timestamp >= :since AND type_name IN ('user', 'slot') ORDER BY id"
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query, {"since": since}).fetchall()
    except Exception as exc:  # no tracker table yet: nobody has talked to the bot
        if "events" not in str(exc).lower():
            raise
        rows = []
    finally:
        engine.dispose()

    for sender_id, type_name, intent_name, timestamp, data in rows:
        senders.add(sender_id)
        event = json.loads(data) if isinstance(data, str) else (data or {})
        question = None
        if type_name == "slot":
            name, value = event.get("name"), event.get("value")
            if value is None:
                continue
            if name == "procedure_code":
                procedures[str(value)] += 1
            elif name == "feedback":
                ratings[str(value)] += 1
            elif name == "unanswered":
                question = str(value)
        elif intent_name == FALLBACK_INTENT:
            question = event.get("text") or ""
        if question and not question.startswith("/"):
            key = fold(question)
            unanswered[key] += 1
            last_seen[key] = max(last_seen.get(key, 0.0), float(timestamp))
            shown.setdefault(key, mask_personal(normalize(question))[:300])

    if catalogue is None:
        from bot.catalogue import load_catalogue

        catalogue = load_catalogue()
    top_procedures = []
    for code, count in procedures.most_common(top):
        proc = catalogue.get(code)
        top_procedures.append(
            {"code": code, "name": proc.name if proc else code, "count": count}
        )
    useful, not_useful = ratings.get("positive", 0), ratings.get("negative", 0)
    rated = useful + not_useful
    return {
        "days": days,
        "conversations": len(senders),
        "top_procedures": top_procedures,
        "unanswered": [
            {
                "text": shown[key],
                "count": count,
                "last_seen": time.strftime(
                    "%Y-%m-%d %H:%M", time.localtime(last_seen[key])
                ),
            }
            for key, count in unanswered.most_common(top)
        ],
        "ratings": {
            "useful": useful,
            "not_useful": not_useful,
            "satisfaction": round(useful / rated, 3) if rated else None,
        },
    }


def cmd_report(args) -> int:
    """``citizen-bot report``: print the report for hotline staff and managers."""
    try:
        report = build_report(args.db, days=args.days, top=args.top)
    except Exception as exc:
        print(f"Cannot read the tracker store: {type(exc).__name__}", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    ratings = report["ratings"]
    rate = (
        f"{ratings['satisfaction']:.0%}"
        if ratings["satisfaction"] is not None
        else "n/a"
    )
    print(f"Last {report['days']} days: {report['conversations']} conversations")
    print(
        f"Satisfaction: {rate} ({ratings['useful']} useful, "
        f"{ratings['not_useful']} not useful)"
    )
    print("\nMost asked procedures:")
    for item in report["top_procedures"] or [
        {"count": 0, "code": "-", "name": "(none)"}
    ]:
        print(f"  {item['count']:>5}  {item['code']:<12} {item['name']}")
    print("\nUnanswered questions:")
    for item in report["unanswered"] or [
        {"count": 0, "text": "(none)", "last_seen": ""}
    ]:
        print(f"  {item['count']:>5}  {item['text']}  {item['last_seen']}")
    return 0
