"""The reference service's database: dossiers and their status history.

SQLAlchemy Core over SQLite (default, a file under ``.rasa/``) or PostgreSQL.
Every method is synchronous; the web layer runs them in worker threads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from bot.dossier.codes import make_code, parse_code
from bot.dossier.statuses import FINAL_STATUSES, FINISHED_STATUSES, Status

logger = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///.rasa/dossiers.db"

metadata = sa.MetaData()

dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("procedure_code", sa.String(40)),
    sa.Column("procedure_name", sa.Text, nullable=False),
    sa.Column("agency", sa.Text, nullable=False),
    sa.Column("received_at", sa.Date, nullable=False),
    sa.Column("due_at", sa.Date),
    sa.Column("finished_at", sa.Date),
    sa.Column("missing_documents", sa.JSON, nullable=False, default=list),
    sa.Column("fee_due", sa.Text),
    sa.Column("fee_amount", sa.BigInteger),
    sa.Column("note", sa.Text),
    # Personal data: only ever returned to a caller who proved the phone number.
    sa.Column("owner_name", sa.Text),
    sa.Column("owner_phone", sa.String(20)),
    sa.Column("owner_id_number", sa.String(20)),
    sa.Column("owner_address", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

dossier_events = sa.Table(
    "dossier_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dossier_id",
        sa.Integer,
        sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("status", sa.SmallInteger, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("at", sa.DateTime, nullable=False),
)

OWNER_FIELDS = ("owner_name", "owner_phone", "owner_id_number", "owner_address")


class StoreError(Exception):
    """A write the store refuses."""


class AlreadyExists(StoreError):
    """A dossier with this code is already stored."""


class NotFound(StoreError):
    """No dossier has this code."""


class InvalidTransition(StoreError):
    """The dossier cannot move to the requested status."""


@dataclass(frozen=True)
class StatusChange:
    """A validated request to move a dossier to a new status."""

    status: int
    note: str | None = None
    missing_documents: List[str] | None = None
    fee_due: str | None = None
    fee_amount: int | None = None
    due_at: date | None = None
    finished_at: date | None = None


def utcnow() -> datetime:
    """Naive UTC now: what the DateTime columns hold on every backend."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def build_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for ``url``; SQLite folders are created, ``schema`` is PostgreSQL's.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///.rasa/dossiers.db`` or
            ``postgresql://user@host:5432/db``.
        schema: put the tables in this PostgreSQL schema (created if missing).
    """
    parsed = make_url(url)
    kwargs: Dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        database = parsed.database
        if database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
    engine = sa.create_engine(parsed, **kwargs)
    if schema:
        with engine.begin() as conn:
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


class DossierStore:
    """Dossiers in a SQL database, read and written by code.

    Args:
        url: SQLAlchemy database URL.
        schema: PostgreSQL schema for the tables (default: the search path).
    """

    def __init__(self, url: str = DEFAULT_DB_URL, schema: str | None = None):
        self.engine = build_engine(url, schema)
        metadata.create_all(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def ping(self) -> None:
        """Run a trivial query; raises if the database cannot be reached."""
        with self.engine.connect() as conn:
            conn.execute(sa.select(sa.func.count()).select_from(dossiers))

    def get(self, code: str) -> Dict[str, Any] | None:
        """The stored row of ``code`` as a dict, or ``None``."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(sa.select(dossiers).where(dossiers.c.code == code))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def next_sequence(self, conn: sa.engine.Connection, agency: str, day: date) -> int:
        """The next free daily sequence number for ``agency`` on ``day``."""
        prefix = f"{agency}-{day:%y%m%d}-"
        codes = conn.execute(
            sa.select(dossiers.c.code).where(dossiers.c.code.like(prefix + "%"))
        ).scalars()
        used = [parse_code(code) for code in codes]
        return 1 + max((p.sequence for p in used if p), default=0)

    def create(self, record: Mapping[str, Any], agency: str | None = None) -> str:
        """Insert a dossier and its first event; returns its code.

        Args:
            record: column values; ``code`` may be missing when ``agency`` is given.
            agency: agency code to number a new dossier under, e.g. ``000.00.06.H26``.

        Raises:
            AlreadyExists: the code is taken.
        """
        now = utcnow()
        values = {**record, "created_at": now, "updated_at": now}
        values.setdefault("missing_documents", [])
        for _attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    if not values.get("code"):
                        seq = self.next_sequence(conn, agency, values["received_at"])
                        values["code"] = make_code(agency, values["received_at"], seq)
                    new_id = conn.execute(
                        dossiers.insert().values(**values)
                    ).inserted_primary_key[0]
                    conn.execute(
                        dossier_events.insert().values(
                            dossier_id=new_id,
                            status=values["status"],
                            note=values.get("note"),
                            at=now,
                        )
                    )
                return values["code"]
            except IntegrityError as exc:
                if record.get("code"):
                    raise AlreadyExists(record["code"]) from exc
                values["code"] = None  # a concurrent insert took the number
        raise AlreadyExists("could not allocate a sequence number")

    def move(self, code: str, change: StatusChange, today: date) -> None:
        """Move ``code`` to ``change.status`` and record the event.

        Leaving "needs documents" clears the missing documents, leaving "needs
        payment" clears the fee; reaching a finished status sets ``finished_at``.

        Raises:
            NotFound: no such dossier.
            InvalidTransition: the dossier's status is final, or the target is
                "new" again.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            row = (
                conn.execute(
                    sa.select(dossiers).where(dossiers.c.code == code).with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound(code)
            current = row["status"]
            if current in FINAL_STATUSES and change.status != current:
                raise InvalidTransition(
                    f"status {current} is final; the dossier cannot move to "
                    f"{change.status}"
                )
            if change.status == Status.NEW and current != Status.NEW:
                raise InvalidTransition("a received dossier cannot become new again")
            values: Dict[str, Any] = {"status": change.status, "updated_at": now}
            if change.note is not None:
                values["note"] = change.note
            if change.status == Status.NEEDS_DOCUMENTS:
                values["missing_documents"] = change.missing_documents or []
            else:
                values["missing_documents"] = []
            if change.status == Status.NEEDS_PAYMENT:
                values["fee_due"] = change.fee_due
                values["fee_amount"] = change.fee_amount
            elif current == Status.NEEDS_PAYMENT:
                values["fee_due"] = values["fee_amount"] = None
            if change.due_at is not None:
                values["due_at"] = change.due_at
            if change.status in FINISHED_STATUSES and row["finished_at"] is None:
                values["finished_at"] = change.finished_at or today
            conn.execute(
                dossiers.update().where(dossiers.c.id == row["id"]).values(values)
            )
            conn.execute(
                dossier_events.insert().values(
                    dossier_id=row["id"], status=change.status, note=change.note, at=now
                )
            )

    def upsert_many(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Insert or overwrite dossiers by code (demo seeding); returns the count."""
        count = 0
        now = utcnow()
        with self.engine.begin() as conn:
            for record in records:
                values = {"missing_documents": [], **record, "updated_at": now}
                existing = conn.execute(
                    sa.select(dossiers.c.id).where(dossiers.c.code == record["code"])
                ).scalar()
                if existing is None:
                    new_id = conn.execute(
                        dossiers.insert().values(created_at=now, **values)
                    ).inserted_primary_key[0]
                    conn.execute(
                        dossier_events.insert().values(
                            dossier_id=new_id, status=values["status"], at=now
                        )
                    )
                else:
                    conn.execute(
                        dossiers.update()
                        .where(dossiers.c.id == existing)
                        .values(values)
                    )
                count += 1
        return count

    def history(self, code: str) -> List[Dict[str, Any]]:
        """Status events of ``code``, oldest first (for staff tools and tests)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    dossier_events.c.status, dossier_events.c.note, dossier_events.c.at
                )
                .join(dossiers, dossiers.c.id == dossier_events.c.dossier_id)
                .where(dossiers.c.code == code)
                .order_by(dossier_events.c.id)
            ).mappings()
            return [dict(r) for r in rows]
