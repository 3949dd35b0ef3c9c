"""The service on PostgreSQL (loopback server, a throw-away schema per run)."""

from __future__ import annotations

import os
import uuid
from typing import Iterator, List

import pytest
import requests
import sqlalchemy as sa

from bot.dossier.client import DossierClient, DossierNotFound, VerificationFailed
from bot.dossier.service import DossierStore, seed_demo
from tests.dossier.conftest import API_KEY, TODAY, start_service
from tests.dossier.test_service import DEMO_EXPECTED

pytestmark = pytest.mark.services

CANDIDATE_URLS: List[str] = [
    url
    for url in (
        os.environ.get("DOSSIER_TEST_PG_URL"),
        "postgresql://postgres@127.0.0.1:5432/test",
        "postgresql://127.0.0.1:5432/test",
    )
    if url
]


@pytest.fixture(scope="module")
def pg_url() -> str:
    """The first PostgreSQL URL that accepts a connection, else skip."""
    reasons = []
    for url in CANDIDATE_URLS:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return url
        except Exception as exc:  # any failure means "not reachable here"
            reasons.append(f"{url}: {type(exc).__name__}")
        finally:
            engine.dispose()
    pytest.skip("PostgreSQL unreachable on loopback (" + "; ".join(reasons) + ")")


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def schema_exists(url: str, schema: str) -> bool:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": schema},
        ).first()
    engine.dispose()
    return found is not None


@pytest.fixture(scope="module")
def pg_service(pg_url: str) -> Iterator[str]:
    """The service over PostgreSQL in a unique schema, dropped afterwards."""
    schema = f"dossier_test_{uuid.uuid4().hex[:12]}"
    store = DossierStore(pg_url, schema=schema)
    try:
        seed_demo(store, TODAY)
        running = start_service(store, API_KEY)
        try:
            yield running.url
        finally:
            running.stop()
    finally:
        store.dispose()
        drop_schema(pg_url, schema)


def test_tables_live_in_the_private_schema(pg_url: str) -> None:
    schema = f"dossier_test_{uuid.uuid4().hex[:12]}"
    store = DossierStore(pg_url, schema=schema)
    try:
        with store.engine.connect() as conn:
            tables = set(
                conn.execute(
                    sa.text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = :s"
                    ),
                    {"s": schema},
                ).scalars()
            )
        assert tables == {"dossiers", "dossier_events"}
    finally:
        store.dispose()
        drop_schema(pg_url, schema)
    assert not schema_exists(pg_url, schema)


@pytest.mark.parametrize("code", sorted(DEMO_EXPECTED))
def test_every_demo_status_on_postgres(pg_service: str, code: str) -> None:
    status, overdue, days = DEMO_EXPECTED[code]
    dossier = DossierClient(pg_service).get(code)
    assert (dossier.status, dossier.overdue, dossier.days_overdue) == (
        status,
        overdue,
        days,
    )


def test_verification_on_postgres(pg_service: str) -> None:
    client = DossierClient(pg_service)
    assert client.get("000.00.06.H26-261028-0010", verify="1010").owner == {
        "name": "Ngô T*** N***"
    }
    with pytest.raises(VerificationFailed):
        client.get("000.00.06.H26-261028-0010", verify="1011")
    with pytest.raises(DossierNotFound):
        client.get("000.00.06.H26-200101-0001")


def test_create_and_move_on_postgres(pg_service: str) -> None:
    headers = {"X-API-Key": API_KEY}
    body = {
        "agency_code": "000.00.06.H26",
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "agency": "UBND phường Ba Đình",
        "due_at": "2026-12-01",
        "owner": {"name": "Trịnh Văn Thử", "phone": "0900000555"},
    }
    codes = []
    for _ in range(2):
        created = requests.post(
            f"{pg_service}/api/v1/dossiers", json=body, headers=headers, timeout=5
        )
        assert created.status_code == 201, created.text
        codes.append(created.json()["code"])
    assert [c[-4:] for c in codes] == ["0001", "0002"]
    moved = requests.post(
        f"{pg_service}/api/v1/dossiers/{codes[0]}/status",
        json={"status": 5, "missing_documents": ["Giấy chứng sinh"]},
        headers=headers,
        timeout=5,
    )
    assert moved.status_code == 200
    dossier = DossierClient(pg_service).get(codes[0], verify="0555")
    assert dossier.status == 5
    assert dossier.missing_documents == ("Giấy chứng sinh",)
    assert dossier.owner == {"name": "Trịnh V*** T***"}
