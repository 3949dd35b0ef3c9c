"""Set-up finds a Python Rasa accepts, or says clearly why not."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.deploy_config import (
    credentials_config,
    endpoints_config,
    lock_store_config,
    tracker_store_config,
)
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _find_python(env):
    return subprocess.run(
        ["bash", str(ROOT / "scripts/find-python.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_find_python_returns_a_supported_interpreter():
    result = _find_python(dict(os.environ))
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip()
    version = subprocess.run(
        [path, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert version.strip() in {"(3, 8)", "(3, 9)", "(3, 10)"}


def test_find_python_fails_with_one_clear_sentence(tmp_path):
    # Only a Python 3.11+ on PATH (this test's own), no pyenv.
    (tmp_path / "bin").mkdir()
    os.symlink(sys.executable, tmp_path / "bin" / "python3")
    env = {
        "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYENV_ROOT": str(tmp_path / "nope"),
    }
    if any(Path(p).exists() for p in ("/usr/bin/python3.10", "/usr/bin/python3.9")):
        return  # this machine has a system 3.9/3.10; nothing to fail on
    result = _find_python(env)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Python 3.10" in lines[0] and "3.11" in lines[0]


def test_endpoints_default_is_sqlite_and_in_memory_locks():
    config = endpoints_config(Settings.from_env({}))
    assert config["tracker_store"] == {
        "type": "SQL",
        "dialect": "sqlite",
        "db": ".rasa/tracker.db",
    }
    assert config["lock_store"] == {"type": "in_memory"}
    committed = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert committed["tracker_store"] == config["tracker_store"]
    assert committed["lock_store"] == config["lock_store"]


def test_scaled_urls_become_postgres_tracker_and_redis_locks():
    tracker = tracker_store_config("postgresql://bot:s%40cret@db.local:5433/rasa")
    assert tracker == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.local",
        "port": 5433,
        "db": "rasa",
        "username": "bot",
        "password": "s@cret",
    }
    lock = lock_store_config("redis://:pw@127.0.0.1:6380/2")
    assert lock["type"] == "bot.lock_store.AtomicRedisLockStore"
    assert lock["url"] == "redis://:pw@127.0.0.1:6380/2"
    with pytest.raises(ValueError):
        lock_store_config("http://127.0.0.1:6379")


def test_generated_lock_store_config_builds_the_atomic_store():
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    from bot.lock_store import AtomicRedisLockStore

    section = lock_store_config("redis://:pw@db.local:6380/2")
    store = LockStore.create(EndpointConfig.from_dict(section))
    assert isinstance(store, AtomicRedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("db.local", 6380, 2)
    assert kwargs["password"] == "pw"


def test_zalo_channel_only_when_configured_and_without_secrets_in_file():
    assert "bot.channels.zalo.ZaloInput" not in credentials_config(
        Settings.from_env({})
    )
    settings = Settings.from_env({"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "secret"})
    zalo = credentials_config(settings)["bot.channels.zalo.ZaloInput"]
    assert zalo == {
        "app_id": "${ZALO_APP_ID}",
        "oa_secret_key": "${ZALO_OA_SECRET_KEY}",
    }
