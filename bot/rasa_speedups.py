"""Speed-ups for Rasa 3.6, applied in every Rasa server that loads our components.

1. Action replies. Rasa checks each action server reply with
``jsonschema.validate(result, schema)``, which first re-validates the constant
response schema against the JSON Schema meta-schema. Measured here with
jsonschema 4.17: 40 ms per custom-action call (0.7 ms for the check itself), more
than NLU and policies together, and a form turn makes two such calls. We check
each reply against the same schema with a validator built once: same errors,
same message, without the repeated meta-check.

2. The embedded SQLite tracker store. Rasa's SQL tracker store commits every turn
synchronously on the event loop; in SQLite's default rollback-journal mode each
commit waits for fsync, which took 16 % of the server's time under 20 concurrent
conversations. WAL mode with ``synchronous=NORMAL`` keeps every committed turn
across a crash of the process (only an OS crash or power cut can lose the last
turns) and makes commits cheap. The store also keeps its SQLite connection open
instead of opening one per database session (several per turn). PostgreSQL, for
the scaled set-up, is untouched.

Imported by ``bot.nlu.tokenizer`` (in every model) and ``bot.channels.rest_input``.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from typing import Any, Dict

import jsonschema
import sqlalchemy as sa
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.constants import DOCS_BASE_URL
from sqlalchemy import event
from sqlalchemy.engine import Engine


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of action server replies, built (and meta-checked) once."""
    schema = RemoteAction.action_response_format_spec()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a prebuilt validator."""
    error = jsonschema.exceptions.best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


# One connection per SQLite file kept open for the life of the process. Rasa's
# engine opens and closes a connection per turn (SQLAlchemy's NullPool); without
# a keeper every close is the last one, which checkpoints and deletes the WAL.
_keepers: Dict[str, sqlite3.Connection] = {}


def _main_file(connection: sqlite3.Connection) -> str:
    rows = connection.execute("PRAGMA database_list").fetchall()
    return next((row[2] for row in rows if row[1] == "main"), "")


def sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """Put each new SQLite file connection in WAL mode with normal syncing."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = _main_file(dbapi_connection)
    if not path:  # in-memory database
        return
    if path not in _keepers:
        keeper = sqlite3.connect(path, check_same_thread=False)
        try:
            mode = keeper.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError:  # locked: stay in the default mode
            mode = ""
        if mode != "wal":
            keeper.close()
            return
        # A read maps the WAL index, so closing the other connections no longer
        # counts as the last close.
        keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _keepers[path] = keeper
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


_sql_store_init = SQLTrackerStore.__init__


def sql_store_init(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    """Rasa's ``SQLTrackerStore.__init__``, keeping SQLite connections open.

    For a file database SQLAlchemy 1.4 opens and closes a connection per session
    (``NullPool``), i.e. several times per turn. The store is only used from the
    server's event-loop thread, so one connection per thread is safe and cheaper.
    """
    _sql_store_init(self, *args, **kwargs)
    url = self.engine.url
    in_memory = url.database in (None, "", ":memory:")
    if url.get_backend_name() == "sqlite" and not in_memory:
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


def apply() -> None:
    """Install the speed-ups (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    SQLTrackerStore.__init__ = sql_store_init  # type: ignore[method-assign]
    if not event.contains(Engine, "connect", sqlite_wal):
        event.listen(Engine, "connect", sqlite_wal)


apply()
