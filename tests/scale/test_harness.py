"""Fast checks of the benchmark harness and the test proxy (no Rasa started)."""

from __future__ import annotations

import math
import re
import sys
import time

import psutil
import pytest
import yaml
from aiohttp import ClientSession, web
from scale_proxy import RoundRobinProxy

from bench.harness import (
    FIGURES,
    figure_lines,
    private_sqlite_store,
    rasa_scaffold_dir,
    scaffold_plain_bot,
    settings_defaults,
)
from bench.load import load_scripts, percentile
from bench.processes import ProcessManager, free_port, port_open
from bench.stack import has_custom_actions, write_endpoints

LINE = re.compile(r"^(\w+): ours=(\S+) plain=(\S+) ratio=(\S+)$")


def test_figure_lines_follow_the_contract():
    ours = {name: 2.0 for name in FIGURES}
    plain = {name: 4.0 for name in FIGURES}
    plain["rss_mb"] = 0.0
    ours["train_seconds"] = None
    lines = figure_lines(ours, plain)
    assert [LINE.match(line).group(1) for line in lines] == list(FIGURES)
    first = LINE.match(lines[0])
    assert first.groups()[1:] == ("2.00", "4.00", "0.50")
    assert lines[FIGURES.index("rss_mb")].endswith("ratio=nan")
    assert "ours=nan" in lines[FIGURES.index("train_seconds")]


def test_percentile_interpolates():
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5], 95) == 5
    assert math.isnan(percentile([], 50))


def test_scripts_exist_for_both_assistants():
    vietnamese, english = load_scripts("vi"), load_scripts("en")
    assert [
        "xin chào",
        "làm hộ chiếu cần giấy tờ gì",
        "lệ phí bao nhiêu",
        "cảm ơn",
    ] in (vietnamese)
    assert ["hello", "I am sad", "yes", "bye"] in english
    with pytest.raises(KeyError):
        load_scripts("fr")


def test_write_endpoints_points_rasa_at_the_chosen_action_server(tmp_path):
    source = tmp_path / "endpoints.yml"
    source.write_text(
        "action_endpoint:\n  url: http://localhost:5055/webhook\n"
        "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: .rasa/tracker.db\n"
        "lock_store:\n  url: ${LOCK_STORE_URL}\n",
        encoding="utf-8",
    )
    out = write_endpoints(
        source,
        tmp_path / "out.yml",
        "http://127.0.0.1:6000/webhook",
        overrides={"lock_store": None, **private_sqlite_store(source, tmp_path)},
    )
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["action_endpoint"] == {"url": "http://127.0.0.1:6000/webhook"}
    assert data["tracker_store"]["db"] == str(tmp_path / "tracker.db")
    assert "lock_store" not in data
    without = write_endpoints(source, tmp_path / "none.yml", None)
    assert "action_endpoint" not in yaml.safe_load(without.read_text(encoding="utf-8"))


def test_settings_defaults_fill_only_missing_placeholders(tmp_path):
    source = tmp_path / "endpoints.yml"
    source.write_text("a: ${TRACKER_DB_URL}\nb: ${RASA_URL}\nc: ${NOT_A_SETTING}\n")
    found = settings_defaults(source, {"RASA_URL": "http://rasa:5005"})
    assert found == {"TRACKER_DB_URL": "sqlite:///.rasa/tracker.db"}


def test_plain_bot_is_the_rasa_init_template(tmp_path):
    bot = scaffold_plain_bot(tmp_path / "plain")
    assert (bot / "domain.yml").read_text() == (
        rasa_scaffold_dir() / "domain.yml"
    ).read_text()
    assert (bot / "data" / "stories.yml").is_file()
    assert not has_custom_actions(bot)


def test_stopping_a_process_stops_its_children(tmp_path):
    script = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    with ProcessManager(tmp_path) as manager:
        proc = manager.start("tree", [sys.executable, "-c", script], cwd=tmp_path)
        deadline = time.monotonic() + 20
        while "started" not in proc.log_tail() and time.monotonic() < deadline:
            time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children
        manager.stop(proc, timeout=5)
    assert not proc.alive()
    assert not any(
        child.is_running() and child.status() != "zombie" for child in children
    )


async def _upstream(name: str) -> web.AppRunner:
    async def reply(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"recipient_id": body["sender"], "text": name}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", reply)
    runner = web.AppRunner(app)
    await runner.setup()
    return runner


async def test_proxy_alternates_turns_and_drops_a_dead_upstream():
    ports = [free_port(), free_port()]
    runners = []
    for name, port in zip("AB", ports):
        runner = await _upstream(name)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
    try:
        async with RoundRobinProxy(ports) as proxy, ClientSession() as session:
            url = proxy.url + "/webhooks/rest/webhook"

            async def turn(sender: str) -> str:
                async with session.post(
                    url, json={"sender": sender, "message": "hi"}
                ) as r:
                    return (await r.json())[0]["text"]

            first = [await turn("one") for _ in range(4)]
            assert first in (["A", "B", "A", "B"], ["B", "A", "B", "A"])
            await runners[0].cleanup()
            assert not port_open(ports[0])
            after = [await turn("two") for _ in range(3)]
            assert after == ["B", "B", "B"]
            assert ports[0] in proxy.dead
    finally:
        for runner in runners[1:]:
            await runner.cleanup()
