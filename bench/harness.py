"""Benchmark two Rasa assistants on the same machine, one after the other.

For each assistant: training time (cold cache, into a scratch folder), server
start time (process start until the REST channel answers a real message), RSS
of the Rasa server with its children after the load, latency p50/p95 of the
REST channel with 1 and with N concurrent conversations, and messages per
second at N. :mod:`bench.run_bench` is the command line around this module.
"""

from __future__ import annotations

import importlib.util
import math
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

from bench.load import LoadResult, load_scripts, run_load
from bench.processes import ProcessFailed, ProcessManager, free_port, rss_mb
from bench.stack import (
    CHILD_ENV,
    REST_PATH,
    base_url,
    has_custom_actions,
    has_dossier_service,
    project_credentials,
    project_language,
    read_yaml,
    start_action_server,
    start_dossier_service,
    start_rasa,
    wait_action_server,
    wait_port,
    wait_rasa,
    write_endpoints,
)

FIGURES = (
    "latency_p50_ms_c1",
    "latency_p95_ms_c1",
    "latency_p50_ms_c20",
    "latency_p95_ms_c20",
    "throughput_msg_s_c20",
    "start_seconds",
    "rss_mb",
    "train_seconds",
)
TRAIN_TIMEOUT = 1800.0
PLAIN_MODEL_NAME = "plain"

Log = Callable[[str], None]


@dataclass
class AssistantSpec:
    """What to train and serve for one assistant."""

    name: str
    project_dir: Path
    model: Path
    data: str
    language: str
    actions_module: str | None = None
    dossier_service: bool = False
    endpoints: Path | None = None
    fixed_model_name: str = "model"
    in_memory_tracker: bool = False


@dataclass
class LoadPlan:
    """Bounds of the load runs."""

    c1_messages: int = 80
    cn_messages: int = 600
    concurrency: int = 20
    max_seconds: float = 120.0


@dataclass
class ServingResult:
    """Figures measured while one assistant was serving."""

    start_seconds: float
    rss_mb: float
    c1: LoadResult
    cn: LoadResult
    notes: List[str] = field(default_factory=list)

    def figures(self) -> Dict[str, float]:
        """The serving figures under their ``FIGURES`` names."""
        return {
            "latency_p50_ms_c1": self.c1.p50,
            "latency_p95_ms_c1": self.c1.p95,
            "latency_p50_ms_c20": self.cn.p50,
            "latency_p95_ms_c20": self.cn.p95,
            "throughput_msg_s_c20": self.cn.throughput,
            "start_seconds": self.start_seconds,
            "rss_mb": self.rss_mb,
        }


def rasa_scaffold_dir() -> Path:
    """The project template that ``rasa init`` copies (found without importing)."""
    spec = importlib.util.find_spec("rasa")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("rasa is not installed in this interpreter")
    return Path(next(iter(spec.submodule_search_locations))) / "cli" / "initial_project"


def scaffold_plain_bot(dest: Path) -> Path:
    """Generate the ``rasa init --no-prompt`` sample bot into ``dest``, untrained.

    ``rasa init`` copies this same template and then trains; training is timed
    separately here, so only the copy is done.
    """
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(rasa_scaffold_dir(), dest)
    return dest


def plain_spec(plain_dir: Path) -> AssistantSpec:
    """The plain ``rasa init`` assistant living in ``plain_dir``."""
    return AssistantSpec(
        name="plain",
        project_dir=plain_dir,
        model=plain_dir / "models" / f"{PLAIN_MODEL_NAME}.tar.gz",
        data="data",
        language="en",
        actions_module="actions" if has_custom_actions(plain_dir) else None,
        endpoints=plain_dir / "endpoints.yml",
        fixed_model_name=PLAIN_MODEL_NAME,
    )


def ours_spec(
    project_dir: Path,
    model: Path,
    data: str = "nlu_data",
    actions_module: str | None = "actions",
    endpoints: Path | None = None,
    language: str | None = None,
) -> AssistantSpec:
    """The project's own assistant."""
    return AssistantSpec(
        name="ours",
        project_dir=project_dir,
        model=model,
        data=data,
        language=language or project_language(project_dir),
        actions_module=actions_module,
        dossier_service=has_dossier_service(project_dir),
        endpoints=endpoints or project_dir / "endpoints.yml",
        fixed_model_name=model.name.replace(".tar.gz", ""),
    )


def settings_defaults(endpoints: Path | None, env: Mapping[str, str]) -> Dict[str, str]:
    """Defaults for ``${VAR}`` placeholders in ``endpoints`` that ``env`` lacks.

    Rasa has no default syntax for placeholders, so an unset variable stops the
    server; the project's :class:`bot.settings.Settings` holds the defaults.
    """
    if endpoints is None or not Path(endpoints).is_file():
        return {}
    names = set(re.findall(r"\$\{(\w+)\}", Path(endpoints).read_text(encoding="utf-8")))
    missing = {name for name in names if not env.get(name)}
    if not missing or importlib.util.find_spec("bot.settings") is None:
        return {}
    from bot.settings import Settings

    defaults = Settings()
    found = {}
    for name in missing:
        value = getattr(defaults, name.lower(), None)
        if value is not None:
            found[name] = str(value)
    return found


def train_model(
    manager: ProcessManager, spec: AssistantSpec, out_dir: Path, cache_dir: Path
) -> float:
    """Train ``spec`` into ``out_dir`` with an empty cache; return wall seconds.

    Raises:
        ProcessFailed: Training failed or took longer than ``TRAIN_TIMEOUT``.
    """
    argv = [
        sys.executable, "-m", "rasa", "train",
        "--data", spec.data,
        "--out", str(out_dir),
        "--fixed-model-name", spec.fixed_model_name,
    ]  # fmt: skip
    env = {**CHILD_ENV, "RASA_CACHE_DIRECTORY": str(cache_dir)}
    began = time.perf_counter()
    proc = manager.start(f"train-{spec.name}", argv, cwd=spec.project_dir, env=env)
    try:
        code = proc.popen.wait(timeout=TRAIN_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise ProcessFailed(
            f"training {spec.name} took over {TRAIN_TIMEOUT} s"
        ) from exc
    finally:
        manager.stop(proc)
    if code != 0:
        raise ProcessFailed(f"training {spec.name} failed ({code}):\n{proc.log_tail()}")
    return time.perf_counter() - began


def private_sqlite_store(endpoints: Path | None, folder: Path) -> Dict[str, Any]:
    """Move a SQLite tracker store into ``folder`` (same store, no stray data).

    The benchmark's conversations must not land in the project's own tracker
    database; any other store is left as configured.
    """
    if endpoints is None or not Path(endpoints).is_file():
        return {}
    store = (read_yaml(Path(endpoints)) or {}).get("tracker_store") or {}
    if str(store.get("dialect", "")).lower() != "sqlite":
        return {}
    return {"tracker_store": {**store, "db": str(folder / "tracker.db")}}


def tracker_store_type(endpoints: Path | None) -> str:
    """The tracker store type configured in ``endpoints`` (``in-memory`` if none)."""
    if endpoints is None or not Path(endpoints).is_file():
        return "in-memory"
    store = (read_yaml(Path(endpoints)) or {}).get("tracker_store") or {}
    return str(store.get("type") or "in-memory")


async def measure_serving(
    manager: ProcessManager, spec: AssistantSpec, plan: LoadPlan, log: Log = print
) -> ServingResult:
    """Start ``spec``'s processes, measure, and stop them again."""
    if not spec.model.is_file():
        raise FileNotFoundError(f"model of {spec.name} not found: {spec.model}")
    scripts = load_scripts(spec.language)
    env: Dict[str, str] = settings_defaults(spec.endpoints, manager.base_env)
    store = (
        "in-memory" if spec.in_memory_tracker else tracker_store_type(spec.endpoints)
    )
    notes = [f"tracker store: {store}"]
    started = []
    runtime = manager.log_dir / spec.name
    runtime.mkdir(parents=True, exist_ok=True)
    try:
        if spec.dossier_service:
            dossier_port = free_port()
            dossier = start_dossier_service(
                manager,
                spec.project_dir,
                dossier_port,
                env=env,
                name=f"{spec.name}-dossier",
                db_url=f"sqlite:///{runtime / 'dossiers.db'}",
            )
            started.append(dossier)
            env["DOSSIER_API_URL"] = base_url(dossier_port)
            await wait_port(dossier, dossier_port)
            notes.append("dossier reference service: running")
        action_url = None
        if spec.actions_module:
            action_port = free_port()
            actions = start_action_server(
                manager,
                spec.project_dir,
                action_port,
                module=spec.actions_module,
                env=env,
                name=f"{spec.name}-actions",
            )
            started.append(actions)
            await wait_action_server(actions, action_port)
            action_url = base_url(action_port) + "/webhook"
            notes.append("action server: running")
        endpoints = write_endpoints(
            spec.endpoints,
            runtime / "endpoints.yml",
            action_url,
            overrides={"tracker_store": None}
            if spec.in_memory_tracker
            else private_sqlite_store(spec.endpoints, runtime),
        )
        credentials = project_credentials(spec.project_dir, runtime / "credentials.yml")
        port = free_port()
        log(f"[{spec.name}] starting Rasa on port {port} with {spec.model}")
        rasa = start_rasa(
            manager, spec.project_dir, spec.model, port, endpoints, credentials,
            env=env, name=f"{spec.name}-rasa",
        )  # fmt: skip
        started.append(rasa)
        start_seconds = await wait_rasa(rasa, port, probe=scripts[0][0])
        log(f"[{spec.name}] answering after {start_seconds:.1f} s")
        url = base_url(port) + REST_PATH
        warm = sum(len(script) for script in scripts)
        await run_load(url, scripts, 1, warm, plan.max_seconds, f"warmup-{spec.name}")
        c1 = await run_load(url, scripts, 1, plan.c1_messages, plan.max_seconds)
        log(f"[{spec.name}] c1: {c1.ok} ok, {c1.errors} errors in {c1.seconds:.1f} s")
        cn = await run_load(
            url, scripts, plan.concurrency, plan.cn_messages, plan.max_seconds
        )
        log(f"[{spec.name}] c{plan.concurrency}: {cn.ok} ok, {cn.errors} errors "
            f"in {cn.seconds:.1f} s")  # fmt: skip
        memory = rss_mb(rasa.pid)
        return ServingResult(start_seconds, memory, c1, cn, notes)
    finally:
        for proc in reversed(started):
            manager.stop(proc)


def format_value(value: float | None) -> str:
    """A figure with two decimals, or ``nan`` when it is missing."""
    if value is None or not math.isfinite(value):
        return "nan"
    return f"{value:.2f}"


def figure_lines(
    ours: Mapping[str, float | None], plain: Mapping[str, float | None]
) -> List[str]:
    """One ``name: ours=<v> plain=<v> ratio=<ours/plain>`` line per figure."""
    lines = []
    for name in FIGURES:
        mine, theirs = ours.get(name), plain.get(name)
        ratio = None
        if mine is not None and theirs is not None and theirs not in (0, 0.0):
            ratio = mine / theirs
        lines.append(
            f"{name}: ours={format_value(mine)} plain={format_value(theirs)} "
            f"ratio={format_value(ratio)}"
        )
    return lines
