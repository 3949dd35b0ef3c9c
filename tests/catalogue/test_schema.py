"""The committed data file: schema, size, load time, import status."""

from __future__ import annotations

import time

from bot.catalogue.importer import stored_form
from bot.catalogue.schema import validate_record
from bot.catalogue.store import DATA_PATH, build_catalogue, read_data


def test_every_committed_record_satisfies_the_schema(catalogue):
    bad = {}
    for proc in catalogue:
        errors = validate_record(stored_form(proc))
        if errors:
            bad[proc.code] = errors
    assert bad == {}
    assert len(catalogue) == 2642


def test_file_is_small_and_loads_fast():
    assert DATA_PATH.stat().st_size < 5_000_000
    started = time.perf_counter()
    cat = build_catalogue(read_data())
    elapsed = time.perf_counter() - started
    assert len(cat) == 2642
    assert elapsed < 3.0  # ~0.3 s on an idle core; generous for a busy CI box


def test_meta_records_source_and_collection():
    meta = read_data()["meta"]
    assert meta["source"] == "Cổng Dịch vụ công quốc gia"
    assert meta["collected"] == "mid-2026" and "chatbot-tthc" in meta["collector"]
    counts = meta["counts"]
    assert counts["complete"] + counts["partial"] == 2642 and counts["failed"] == 0


def test_status_is_partial_exactly_when_something_is_missing(catalogue):
    for proc in catalogue:
        status = proc.import_status
        assert status.status == (
            "partial" if status.missing or status.problems else "complete"
        )


def test_schema_rejects_broken_records(catalogue):
    record = stored_form(catalogue.get("1.001193"))
    assert validate_record(record) == []
    broken = dict(record, code="1.1", levels=["Cấp huyện"])
    errors = validate_record(broken)
    assert any(e.startswith("code:") for e in errors)
    assert any(e.startswith("levels/0:") for e in errors)
    lying = dict(
        record, import_status={"status": "complete", "missing": ["fee"], "problems": []}
    )
    assert "import_status: complete but parts are missing" in validate_record(lying)
    channel = dict(record["channels"][0], kind="fax")
    assert validate_record(dict(record, channels=[channel]))


def test_lazy_details_round_trip(catalogue):
    proc = catalogue.get("1.001456")
    data = proc.to_dict()
    assert data["online"] is True and data["channels"][0]["label"]
    assert data["aliases"] and data["collected"]["collected_vi"] == "giữa năm 2026"


def test_lazy_procedure_copies_and_compares(catalogue):
    import copy
    import dataclasses
    import pickle

    from bot.catalogue.model import Procedure

    fresh = Procedure.from_stored(
        {"code": "1.000001", "name": "x", "url": "u", "details": '{"steps": "s"}'}
    )
    clone = copy.deepcopy(fresh)
    assert clone.steps == "s" and clone.documents == [] and clone.channels == []
    assert pickle.loads(pickle.dumps(fresh)) == fresh
    assert dataclasses.replace(fresh, name="y").steps == "s"
    proc = catalogue.get("1.004194")
    assert Procedure.from_dict(proc.to_dict()) == proc
