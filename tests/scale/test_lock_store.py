"""The shared Redis lock store serialises a conversation across instances."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from scale_cluster import REDIS_HOST, REDIS_PORT, redis_available
from scale_env import REPO_ROOT

THREADS = 8
ROUNDS = 10


@pytest.fixture
def prefix():
    """A Redis key prefix of its own, removed afterwards."""
    if not redis_available():
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}")
    import redis

    name = f"locktest{uuid.uuid4().hex[:10]}"
    yield name
    store = redis.Redis(REDIS_HOST, REDIS_PORT, db=1)
    for key in store.scan_iter(f"{name}:*"):
        store.delete(key)


def instances(prefix: str, count: int = 2):
    """``count`` lock stores with their own Redis connections, like Rasa servers."""
    from bot.lock_store import AtomicRedisLockStore

    return [
        AtomicRedisLockStore(host=REDIS_HOST, port=REDIS_PORT, db=1, key_prefix=prefix)
        for _ in range(count)
    ]


def run_threads(target, stores) -> None:
    threads = [
        threading.Thread(target=target, args=(stores[i % len(stores)],))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.services
def test_tickets_issued_at_once_by_two_instances_are_unique(prefix):
    stores = instances(prefix)
    start = threading.Barrier(THREADS)
    tickets = []

    def issue(store) -> None:
        start.wait()
        for _ in range(ROUNDS):
            tickets.append(store.issue_ticket("conversation", 30))

    run_threads(issue, stores)
    assert len(tickets) == THREADS * ROUNDS
    assert len(set(tickets)) == len(tickets)


@pytest.mark.services
def test_turns_of_one_conversation_never_overlap(prefix):
    stores = instances(prefix)
    start = threading.Barrier(THREADS)
    guard = threading.Lock()
    inside = 0
    most_inside = 0
    done = 0

    async def turns(store) -> None:
        nonlocal inside, most_inside, done
        for _ in range(ROUNDS):
            async with store.lock("conversation", 30, wait_time_in_seconds=0.005):
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                time.sleep(0.002)
                with guard:
                    inside -= 1
                    done += 1

    def worker(store) -> None:
        start.wait()
        asyncio.run(turns(store))

    run_threads(worker, stores)
    assert done == THREADS * ROUNDS
    assert most_inside == 1
    assert stores[0].get_lock("conversation") is None


@pytest.mark.services
def test_scaled_endpoints_use_the_atomic_lock_store(monkeypatch, prefix):
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import read_endpoints_from_path

    from bot.lock_store import AtomicRedisLockStore

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("TRACKER_DB_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("LOCK_STORE_URL", f"redis://{REDIS_HOST}:{REDIS_PORT}/1")
    endpoints = read_endpoints_from_path(REPO_ROOT / "endpoints.scaled.yml")
    assert endpoints.tracker_store.type == "SQL"
    assert endpoints.tracker_store.url == "postgresql://postgres@127.0.0.1:5432/test"
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == "citizenbot:lock:"
    assert store.red.connection_pool.connection_kwargs["db"] == 1
    assert store.red.ping()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis-host", {"host": "redis-host"}),
        ("redis://10.0.0.5:6380/2", {"host": "10.0.0.5", "port": 6380, "db": 2}),
        (
            "rediss://:s%40cret@cache.example:6379",
            {
                "host": "cache.example",
                "port": 6379,
                "password": "s@cret",
                "use_ssl": True,
            },
        ),
    ],
)
def test_lock_store_url_forms(url, expected):
    from bot.lock_store import redis_arguments

    arguments = redis_arguments(url, db=1, key_prefix="citizenbot")
    assert arguments == {"db": 1, "key_prefix": "citizenbot", **expected}


def test_lock_store_url_with_a_foreign_scheme_is_refused():
    from bot.lock_store import redis_arguments

    with pytest.raises(ValueError, match="scheme"):
        redis_arguments("http://127.0.0.1:6379")
