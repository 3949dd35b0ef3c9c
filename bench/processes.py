"""Child processes in their own process groups, always cleaned up.

Every process is started in a new session (its own process group) so that
stopping it also stops whatever it spawned (Rasa's TensorFlow helpers, Sanic
workers). A :class:`ProcessManager` stops all of its processes on ``__exit__``,
on interpreter exit and, once :func:`install_signal_handlers` ran, on SIGTERM.

Usage::

    with ProcessManager(log_dir) as procs:
        proc = procs.start("actions", ["rasa", "run", "actions"], cwd=project)
        ...
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Dict, Iterator, List, Mapping, Sequence

import psutil

STOP_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.25
LOG_TAIL_LINES = 30
PR_SET_PDEATHSIG = 1

_LIVE_MANAGERS: weakref.WeakSet[ProcessManager] = weakref.WeakSet()


class ProcessFailed(RuntimeError):
    """A child process exited or did not become ready in time."""


@dataclass
class ManagedProcess:
    """A started child process and where its output goes."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    started_at: float = field(default_factory=time.perf_counter)

    @property
    def pid(self) -> int:
        """Process id of the child (also its process group id)."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.popen.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Last ``lines`` lines of the child's combined output."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class ProcessManager:
    """Starts children in their own process groups and stops them all."""

    def __init__(self, log_dir: Path, base_env: Mapping[str, str] | None = None):
        """Create a manager writing one log file per child into ``log_dir``.

        Args:
            log_dir: Folder for ``<name>.log`` files (created if missing).
            base_env: Environment for every child (default: ``os.environ``).
        """
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.base_env: Dict[str, str] = dict(
            os.environ if base_env is None else base_env
        )
        self.processes: List[ManagedProcess] = []
        _LIVE_MANAGERS.add(self)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        cwd: Path,
        env: Mapping[str, str] | None = None,
    ) -> ManagedProcess:
        """Start ``argv`` in ``cwd`` in a new process group.

        Args:
            name: Short name, used for the log file.
            argv: Command and arguments.
            cwd: Working directory.
            env: Extra environment variables on top of the base environment.

        Returns:
            The started process.
        """
        full_env = dict(self.base_env)
        full_env.update(env or {})
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(
                list(argv),
                cwd=str(cwd),
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        proc = ManagedProcess(name=name, popen=popen, log_path=log_path)
        self.processes.append(proc)
        return proc

    def kill(self, proc: ManagedProcess) -> None:
        """Kill ``proc``'s whole group at once (SIGKILL), as a crash would."""
        _signal_group(proc.pid, signal.SIGKILL)
        try:
            proc.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            pass

    def stop(self, proc: ManagedProcess, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop ``proc``'s group: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        if proc.alive():
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever the leader left behind in its group goes too.
        _signal_group(proc.pid, signal.SIGKILL)
        try:
            proc.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass

    def stop_all(self) -> None:
        """Stop every process this manager started, newest first."""
        for proc in reversed(self.processes):
            self.stop(proc)
        self.processes.clear()

    def __enter__(self) -> ProcessManager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()


def stop_all_managers() -> None:
    """Stop the children of every live manager (used at exit and on SIGTERM)."""
    for manager in list(_LIVE_MANAGERS):
        manager.stop_all()


atexit.register(stop_all_managers)


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into ``SystemExit`` so ``finally`` blocks run.

    SIGINT raises ``KeyboardInterrupt``, even where the shell started the
    process with SIGINT ignored (a background job).
    """

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` (cleanup runs).

    For hosts like pytest that otherwise die on SIGTERM without cleaning up.
    """

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MiB."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / (1024 * 1024)


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    proc: ManagedProcess | None,
    timeout: float,
    what: str,
) -> float:
    """Poll ``check`` until it returns True.

    Args:
        check: Coroutine function answering whether the thing is ready.
        proc: The process being waited for; its early exit fails fast.
        timeout: Seconds to wait at most.
        what: Name used in the error message.

    Returns:
        Seconds waited.

    Raises:
        ProcessFailed: ``proc`` exited, or ``timeout`` passed.
    """
    start = time.perf_counter()
    deadline = start + timeout
    while True:
        if proc is not None and not proc.alive():
            raise ProcessFailed(
                f"{what} exited with code {proc.popen.returncode}:\n{proc.log_tail()}"
            )
        if await check():
            return time.perf_counter() - start
        if time.perf_counter() > deadline:
            tail = proc.log_tail() if proc is not None else ""
            raise ProcessFailed(f"{what} not ready after {timeout:.0f} s\n{tail}")
        await asyncio.sleep(POLL_SECONDS)
