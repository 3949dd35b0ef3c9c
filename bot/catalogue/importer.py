"""Import the portal's procedure records into the committed catalogue file.

Usage::

    .venv/bin/python -m bot.catalogue.importer /work/shared/data/portal_records.jsonl.gz

Reads the crawler's JSON lines (see ``../shared/data/README.md``), parses the
flattened tables, validates every record against :mod:`bot.catalogue.schema` and
writes ``bot/catalogue/data/procedures.json.gz`` plus ``import_report.json``.
A record that parses only partly is kept with ``import_status.status ==
"partial"`` and the parts that are missing; a record that fails validation is not
written but is listed with its code and the reason. Prints the counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

from bot.catalogue import parsers as p
from bot.catalogue.model import DETAIL_FIELDS, ImportStatus, Procedure
from bot.catalogue.schema import validate_record

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_OUT = DATA_DIR / "procedures.json.gz"
DEFAULT_REPORT = DATA_DIR / "import_report.json"
FORMAT_VERSION = 1

SOURCE_NAME = "Cổng Dịch vụ công quốc gia"
SOURCE_HOME = "https://dichvucong.gov.vn"
#: What the data README says about the snapshot; recorded, not guessed.
COLLECTION = {
    "source": SOURCE_NAME,
    "collected": "mid-2026",
    "collected_vi": "giữa năm 2026",
    "collector": "chatbot-tthc/chatbot_tthc crawler (public procedure pages)",
    "dataset": "portal_records.jsonl.gz",
}


class ImportFailed(ValueError):
    """A record could not be turned into a valid procedure."""


@dataclass
class ImportResult:
    """What an import run produced: the procedures and the per-record report."""

    procedures: List[Procedure] = field(default_factory=list)
    partial: Dict[str, ImportStatus] = field(default_factory=dict)
    failed: Dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> Dict[str, int]:
        """Records imported fully, partly and not at all."""
        partial = len(self.partial)
        return {
            "complete": len(self.procedures) - partial,
            "partial": partial,
            "failed": len(self.failed),
            "total": len(self.procedures) + len(self.failed),
        }


def _nfc(record: Dict[str, Any]) -> Dict[str, str]:
    return {
        k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
        for k, v in record.items()
    }


def _optional(text: str | None) -> str:
    return "" if p.is_no_info(text) else p.clean_text(text)


def build_procedure(raw: Dict[str, Any]) -> Procedure:
    """Turn one portal record into a :class:`Procedure` with its import status.

    Raises:
        ImportFailed: when the record lacks what identifies a procedure.
    """
    rec = _nfc(raw)
    code = p.clean_text(rec.get("ma_thu_tuc"))
    name = p.clean_text(rec.get("ten_thu_tuc"))
    url = p.clean_text(rec.get("detail_url"))
    if not code or not name or not url:
        raise ImportFailed("no code, name or portal link")

    channels, ch_problems = p.parse_channels(rec.get("cach_thuc_thuc_hien"))
    documents, doc_problems = p.parse_documents(rec.get("thanh_phan_ho_so"))
    legal, legal_problems = p.parse_legal(rec.get("can_cu_phap_ly"))
    result, result_description, result_problems = p.parse_result(
        rec.get("ket_qua_xu_ly")
    )

    missing = []
    if not channels:
        missing.append("channels")
    else:
        if not any(c.time_value is not None or c.time_text for c in channels):
            missing.append("processing_time")
        if not any(c.fee_text for c in channels):
            missing.append("fee")
    if not documents:
        missing.append("documents")
    if not legal:
        missing.append("legal_basis")
    if not result:
        missing.append("result")
    problems = ch_problems + doc_problems + legal_problems + result_problems
    status = ImportStatus(
        status="partial" if missing or problems else "complete",
        missing=missing,
        problems=problems,
    )
    return Procedure(
        code=code,
        name=name,
        url=url,
        levels=p.split_levels(rec.get("cap_thuc_hien")),
        field=p.clean_text(rec.get("linh_vuc")),
        ministry=p.clean_text(rec.get("bo")),
        procedure_type=_optional(rec.get("loai_thu_tuc")),
        decision=_optional(rec.get("so_quyet_dinh")),
        agency=_optional(rec.get("co_quan_thuc_hien")),
        competent_authority=_optional(rec.get("co_quan_co_tham_quyen")),
        address=_optional(rec.get("dia_chi_tiep_nhan")),
        who=_optional(rec.get("doi_tuong_thuc_hien")),
        steps=_optional(rec.get("trinh_tu_thuc_hien")),
        conditions=_optional(p.strip_chrome(rec.get("yeu_cau_dieu_kien"))),
        result=result,
        result_description=result_description,
        channels=channels,
        documents=documents,
        legal_basis=legal,
        source={"name": SOURCE_NAME, "url": url},
        import_status=status,
    )


def stored_form(proc: Procedure) -> Dict[str, Any]:
    """The dict written to the data file (curated and derived fields left out)."""
    data = proc.to_dict()
    for key in ("online", "aliases", "notes", "popularity", "short_name", "collected"):
        data.pop(key, None)
    return data


def packed_form(proc: Procedure) -> Dict[str, Any]:
    """The stored form with the detail fields packed into one JSON string.

    Parsing one string per record is several times faster than parsing the same
    data as nested objects, so the catalogue loads quickly and a procedure's
    details are parsed when it is first shown (see ``Procedure.from_stored``).
    """
    data = stored_form(proc)
    details = {k: data.pop(k) for k in DETAIL_FIELDS}
    data["details"] = json.dumps(details, ensure_ascii=False, separators=(",", ":"))
    return data


def import_records(records: Iterable[Dict[str, Any]]) -> ImportResult:
    """Build and validate every record; never drops one silently."""
    out = ImportResult()
    seen = set()
    for index, raw in enumerate(records, start=1):
        code = str(raw.get("ma_thu_tuc") or f"<line {index}>")
        try:
            proc = build_procedure(raw)
            if proc.code in seen:
                raise ImportFailed("duplicate code")
            errors = validate_record(stored_form(proc))
            if errors:
                raise ImportFailed("; ".join(errors))
        except ImportFailed as exc:
            out.failed[code] = str(exc)
            continue
        seen.add(proc.code)
        out.procedures.append(proc)
        if proc.import_status.status == "partial":
            out.partial[proc.code] = proc.import_status
    return out


def read_jsonl(path: Path) -> Iterable[Dict[str, Any]]:
    """Yield the JSON objects of a (gzipped) JSON-lines file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_catalogue(result: ImportResult, out: Path, imported: str) -> Dict[str, Any]:
    """Write the data file (deterministic bytes for a given input and date)."""
    meta = dict(
        COLLECTION, imported=imported, format=FORMAT_VERSION, counts=result.counts
    )
    payload = {
        "meta": meta,
        "procedures": [
            packed_form(p) for p in sorted(result.procedures, key=lambda p: p.code)
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(out, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)
    return meta


def report_dict(result: ImportResult, meta: Dict[str, Any]) -> Dict[str, Any]:
    """The per-record report: counts, then every partial and failed record."""
    return {
        "imported": meta["imported"],
        "counts": result.counts,
        "partial": {
            code: {"missing": s.missing, "problems": s.problems}
            for code, s in sorted(result.partial.items())
        },
        "failed": dict(sorted(result.failed.items())),
    }


def _summary_lines(result: ImportResult, show: int) -> List[str]:
    counts = result.counts
    gaps_only = sum(1 for s in result.partial.values() if not s.problems)
    not_understood = counts["partial"] - gaps_only
    lines = [
        f"records: {counts['total']}",
        f"imported fully: {counts['complete']}",
        f"imported partly: {counts['partial']} (portal has no data for a part:"
        f" {gaps_only}; portal text not fully understood: {not_understood})",
        f"not imported: {counts['failed']}",
    ]
    reasons: Dict[str, List[str]] = {}
    for code, status in result.partial.items():
        for reason in [f"missing {m}" for m in status.missing] + status.problems:
            reasons.setdefault(reason.split(" (")[0], []).append(code)
    for reason, codes in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        more = f" (+{len(codes) - show} more)" if len(codes) > show else ""
        lines.append(
            f"  partial: {reason}: {len(codes)}: {', '.join(codes[:show])}{more}"
        )
    for code, reason in result.failed.items():
        lines.append(f"  failed: {code}: {reason}")
    return lines


def run(
    source: Path,
    out: Path = DEFAULT_OUT,
    report: Path | None = DEFAULT_REPORT,
    imported: str | None = None,
) -> Tuple[ImportResult, Dict[str, Any]]:
    """Import ``source`` into ``out`` (and ``report``); returns the result and meta."""
    result = import_records(read_jsonl(source))
    meta = write_catalogue(result, out, imported or dt.date.today().isoformat())
    if report is not None:
        report.write_text(
            json.dumps(report_dict(result, meta), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
    return result, meta


def main(argv: List[str] | None = None) -> int:
    """Command-line entry point; exit code 1 when any record failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="portal_records.jsonl.gz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--date", help="import date to record (default: today)")
    parser.add_argument("--show", type=int, default=8, help="codes listed per reason")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: no such file: {args.source}", file=sys.stderr)
        return 2
    result, _ = run(args.source, args.out, args.report, args.date)
    print("\n".join(_summary_lines(result, args.show)))
    size = args.out.stat().st_size / 1e6
    print(f"written: {args.out} ({size:.2f} MB), report: {args.report}")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
