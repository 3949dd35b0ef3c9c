"""The importer: counts, per-record status, error reporting, output file."""

from __future__ import annotations

import gzip
import json

import pytest

from bot.catalogue import importer
from bot.catalogue.model import DETAIL_FIELDS
from bot.catalogue.store import build_catalogue, read_data


@pytest.fixture(scope="module")
def result(sample_path):
    return importer.import_records(importer.read_jsonl(sample_path))


def test_counts_full_partial_failed(result):
    assert result.counts == {"complete": 2, "partial": 6, "failed": 2, "total": 10}


def test_failed_records_are_reported_with_code_and_reason(result):
    assert result.failed["<line 9>"] == "no code, name or portal link"
    assert "does not match" in result.failed["X.12"]


def test_partial_records_name_missing_parts_and_problems(result):
    partial = result.partial
    assert partial["2.002338"].missing == ["documents"]
    assert "crawler misalignment" in partial["2.002338"].problems[0]
    assert partial["1.006429"].missing == ["processing_time"]
    assert partial["1.009824"].missing == ["channels"]
    assert partial["3.000337"].missing == ["legal_basis"]
    # The portal gives no fee: a gap in the source, not a parse failure.
    assert partial["1.000178"].missing == ["fee"] and partial["1.000178"].problems == []
    complete = {p.code for p in result.procedures} - set(partial)
    assert complete == {"1.001193", "1.001456"}


def test_procedure_fields_source_and_cleaning(result):
    proc = next(p for p in result.procedures if p.code == "1.001456")
    assert proc.levels == ["Cấp tỉnh"]
    assert proc.source == {"name": "Cổng Dịch vụ công quốc gia", "url": proc.url}
    assert proc.url.startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    assert proc.result and "Từ khóa" not in " ".join(proc.result)
    assert {c.fee_amount for c in proc.channels} == {160000.0, 200000.0}
    assert proc.online


def test_run_writes_a_loadable_deterministic_file(tmp_path, sample_path):
    out, report = tmp_path / "p.json.gz", tmp_path / "r.json"
    importer.run(sample_path, out, report, imported="2026-07-01")
    first = out.read_bytes()
    importer.run(sample_path, out, report, imported="2026-07-01")
    assert out.read_bytes() == first  # no timestamps in the gzip header
    data = read_data(out)
    assert data["meta"]["imported"] == "2026-07-01"
    assert data["meta"]["collected"] == "mid-2026"
    assert data["meta"]["counts"]["failed"] == 2
    assert all(set(DETAIL_FIELDS).isdisjoint(r) for r in data["procedures"])
    cat = build_catalogue(data, overlay_path=None)
    assert len(cat) == 8 and cat.get("1.001193").documents
    assert cat.get("1.001193").collected["imported"] == "2026-07-01"
    rep = json.loads(report.read_text(encoding="utf-8"))
    assert rep["failed"]["X.12"] and rep["partial"]["2.002338"]["missing"] == [
        "documents"
    ]


def test_main_prints_counts_and_exit_code(tmp_path, sample_path, capsys):
    code = importer.main(
        [
            str(sample_path),
            "--out",
            str(tmp_path / "o.json.gz"),
            "--report",
            str(tmp_path / "r.json"),
            "--date",
            "2026-07-01",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1  # some records failed
    assert "imported fully: 2" in out and "imported partly: 6" in out
    assert "not imported: 2" in out and "failed: X.12" in out


def test_main_missing_source(tmp_path, capsys):
    assert importer.main([str(tmp_path / "nope.jsonl.gz")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_read_jsonl_plain_and_gzip(tmp_path):
    rows = [{"a": 1}, {"a": 2}]
    plain, packed = tmp_path / "x.jsonl", tmp_path / "x.jsonl.gz"
    text = "\n".join(json.dumps(r) for r in rows) + "\n\n"
    plain.write_text(text, encoding="utf-8")
    with gzip.open(packed, "wt", encoding="utf-8") as fh:
        fh.write(text)
    assert list(importer.read_jsonl(plain)) == rows == list(importer.read_jsonl(packed))
