"""Several Rasa servers and action servers sharing PostgreSQL and Redis.

Used by ``test_multi_instance.py``: each Rasa instance calls its own action
server; all share the tracker store (a scratch PostgreSQL database made for the
run) and the lock store (Redis, with a key prefix unique to the run).
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping

import aiohttp

from bench.processes import ManagedProcess, ProcessManager, free_port
from bench.stack import (
    REST_PATH,
    base_url,
    start_action_server,
    start_dossier_service,
    start_rasa,
    wait_action_server,
    wait_port,
    wait_rasa,
)

PG_HOST = os.environ.get("SCALE_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SCALE_PG_PORT", "5432"))
PG_LOGIN_DB = os.environ.get("SCALE_PG_DB", "test")
PG_USERS = tuple(filter(None, [os.environ.get("SCALE_PG_USER"), "postgres", "root"]))
REDIS_HOST = os.environ.get("SCALE_REDIS_HOST", "127.0.0.1")
REDIS_PORT = 6379
# A lock left by a killed instance blocks its conversation this long (Rasa's
# default is 60 s); short enough for the test, longer than any turn here.
TICKET_LOCK_LIFETIME = "10"
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=60)


def find_pg_user() -> str | None:
    """The first of ``PG_USERS`` that may log in to PostgreSQL, if any."""
    import psycopg2

    for user in PG_USERS:
        try:
            psycopg2.connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_LOGIN_DB, user=user,
                connect_timeout=3,
            ).close()  # fmt: skip
            return user
        except psycopg2.Error:
            continue
    return None


def redis_available() -> bool:
    """Whether Redis answers a PING on loopback."""
    import redis

    try:
        return bool(redis.Redis(REDIS_HOST, REDIS_PORT, socket_timeout=2).ping())
    except redis.RedisError:
        return False


class ScratchDatabase:
    """A PostgreSQL database that lives for one test run."""

    def __init__(self, user: str):
        """Name a fresh database to be created by :meth:`create`."""
        self.user = user
        self.name = f"scale_{uuid.uuid4().hex[:12]}"

    def _admin(self):
        import psycopg2

        conn = psycopg2.connect(
            host=PG_HOST, port=PG_PORT, dbname=PG_LOGIN_DB, user=self.user
        )
        conn.autocommit = True
        return conn

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the scratch database."""
        return f"postgresql://{self.user}@{PG_HOST}:{PG_PORT}/{self.name}"

    def _execute(self, statement: str) -> None:
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def create(self) -> None:
        """Create the database."""
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        """Drop the database, closing connections left by killed instances."""
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def scaled_endpoints_copy(source: Path, dest: Path, key_prefix: str) -> Path:
    """``endpoints.scaled.yml`` with the Redis key prefix replaced for this run."""
    text = source.read_text(encoding="utf-8")
    new_text, count = re.subn(
        r"(?m)^(\s*key_prefix:\s*)\S+\s*$", rf"\g<1>{key_prefix}", text
    )
    if count != 1:
        raise ValueError(f"{source} has no single lock_store key_prefix line")
    dest.write_text(new_text, encoding="utf-8")
    return dest


@dataclass
class Node:
    """One Rasa server and the action server it calls."""

    index: int
    rasa_port: int
    action_port: int
    rasa: ManagedProcess | None = None
    actions: ManagedProcess | None = None

    @property
    def url(self) -> str:
        """Base URL of this node's Rasa server."""
        return base_url(self.rasa_port)

    @property
    def rest_url(self) -> str:
        """REST webhook of this node's Rasa server."""
        return self.url + REST_PATH


class Cluster:
    """N Rasa servers, each with its own action server, sharing the stores."""

    def __init__(
        self,
        manager: ProcessManager,
        project_dir: Path,
        model: Path,
        endpoints: Path,
        credentials: Path,
        env: Mapping[str, str],
        probe: str,
        size: int = 2,
        dossier: bool = False,
    ):
        """Describe the cluster; :meth:`start` starts it."""
        self.manager = manager
        self.project_dir = project_dir
        self.model = model
        self.endpoints = endpoints
        self.credentials = credentials
        self.env = dict(env)
        self.probe = probe
        self.dossier = dossier
        self.nodes = [Node(i, free_port(), free_port()) for i in range(size)]

    async def _start_actions(self, node: Node) -> None:
        node.actions = start_action_server(
            self.manager, self.project_dir, node.action_port,
            env=self.env, name=f"actions-{node.index}",
        )  # fmt: skip
        await wait_action_server(node.actions, node.action_port)

    async def _start_rasa(self, node: Node) -> None:
        env = {
            **self.env,
            "ACTION_ENDPOINT_URL": base_url(node.action_port) + "/webhook",
            "TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME,
        }
        node.rasa = start_rasa(
            self.manager, self.project_dir, self.model, node.rasa_port,
            self.endpoints, self.credentials, enable_api=True, env=env,
            name=f"rasa-{node.index}",
        )  # fmt: skip
        await wait_rasa(node.rasa, node.rasa_port, self.probe)

    async def start(self) -> None:
        """Start every process at once and wait until all answer."""
        if self.dossier:
            port = free_port()
            proc = start_dossier_service(
                self.manager,
                self.project_dir,
                port,
                env=self.env,
                db_url=f"sqlite:///{self.manager.log_dir / 'dossiers.db'}",
            )
            self.env["DOSSIER_API_URL"] = base_url(port)
            await wait_port(proc, port)
        await asyncio.gather(
            *(self._start_actions(node) for node in self.nodes),
            *(self._start_rasa(node) for node in self.nodes),
        )

    def kill_rasa(self, node: Node) -> None:
        """Crash ``node``'s Rasa server (SIGKILL to its process group)."""
        assert node.rasa is not None
        self.manager.kill(node.rasa)

    def stop_actions(self, node: Node) -> None:
        """Stop ``node``'s action server."""
        assert node.actions is not None
        self.manager.stop(node.actions)

    async def restart_actions(self, node: Node) -> None:
        """Start ``node``'s action server again on the same port."""
        await self._start_actions(node)

    async def ensure_all_up(self) -> None:
        """Restart any Rasa or action server an earlier test stopped."""
        pending = []
        for node in self.nodes:
            if node.actions is None or not node.actions.alive():
                pending.append(self._start_actions(node))
            if node.rasa is None or not node.rasa.alive():
                pending.append(self._start_rasa(node))
        await asyncio.gather(*pending)

    def logs(self) -> str:
        """Tails of every Rasa server's log, for assertion messages."""
        return "\n".join(
            f"--- rasa-{n.index}\n{n.rasa.log_tail(15)}" for n in self.nodes if n.rasa
        )


async def fetch_events(
    session: aiohttp.ClientSession, node_url: str, sender: str
) -> List[Dict[str, Any]]:
    """All events of conversation ``sender`` from one Rasa server's HTTP API."""
    url = f"{node_url}/conversations/{sender}/tracker?include_events=ALL"
    async with session.get(url) as resp:
        resp.raise_for_status()
        return (await resp.json())["events"]


def turns_of(events: List[Dict[str, Any]]) -> List[tuple]:
    """``(user text, [bot texts])`` for each user turn in a tracker's events.

    Bot texts without buttons are split at blank lines, as Rasa's REST channel
    sends each part as a reply message of its own.
    """
    turns: List[tuple] = []
    for event in events:
        if event.get("event") == "user":
            turns.append((event.get("text"), []))
        elif event.get("event") == "bot" and turns and event.get("text"):
            text = event["text"]
            with_buttons = bool((event.get("data") or {}).get("buttons"))
            turns[-1][1].extend([text] if with_buttons else text.strip().split("\n\n"))
    return turns


def listens_between_turns(events: List[Dict[str, Any]]) -> bool:
    """Whether every user turn was fully handled before the next one began.

    With a working lock store each turn ends with ``action_listen`` before the
    next user message is logged; interleaved processing breaks this.
    """
    seen_user = False
    listened = True
    for event in events:
        if event.get("event") == "user":
            if seen_user and not listened:
                return False
            seen_user, listened = True, False
        elif event.get("event") == "action" and event.get("name") == "action_listen":
            listened = True
    return True


def reply_texts(reply: List[Dict[str, Any]]) -> List[str]:
    """The texts of a REST reply, in order."""
    return [item["text"] for item in reply if item.get("text")]
