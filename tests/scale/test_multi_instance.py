"""Two Rasa servers behind a round-robin proxy, sharing PostgreSQL and Redis.

Started with ``endpoints.scaled.yml`` (a scratch database and a unique Redis
key prefix per run), each Rasa server calling its own action server. Checks
that turns alternating between instances stay in their conversation and in
order, that concurrent turns of one conversation are serialised by the lock
store, that losing a Rasa instance mid-load loses no conversation, and that an
action server outage gets the citizen an answer, not silence.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any, Dict, List

import aiohttp
import pytest
from scale_cluster import (
    REDIS_HOST,
    REDIS_PORT,
    Cluster,
    ScratchDatabase,
    fetch_events,
    find_pg_user,
    listens_between_turns,
    redis_available,
    reply_texts,
    scaled_endpoints_copy,
    turns_of,
)
from scale_env import REPO_ROOT, offline_env
from scale_proxy import RoundRobinProxy

from bench.processes import ProcessManager, sigterm_as_interrupt
from bench.stack import (
    REST_PATH,
    has_dossier_service,
    post_message,
    project_credentials,
)

pytestmark = [pytest.mark.slow, pytest.mark.services]

CONVERSATIONS = 30
TURNS = 6
BURST_CONVERSATIONS = 10
KILL_AFTER_TURNS = 50
RETRIES = 5
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=90)
# A turn that needs the action server, after a lead-in; override the last
# message with CITIZEN_BOT_ACTION_PROBE.
ACTION_PROBES = {
    "vi": ["xin chào", "làm hộ chiếu cần giấy tờ gì"],
    "en": ["hello", "are you a bot?"],
}
BUILTIN_ACTIONS = {
    "action_listen", "action_session_start", "action_restart", "action_back",
    "action_default_fallback", "action_deactivate_loop",
    "action_revert_fallback_events",
    "action_default_ask_affirmation", "action_default_ask_rephrase",
    "action_two_stage_fallback", "action_unlikely_intent", "action_send_text",
    "action_extract_slots",
}  # fmt: skip


@pytest.fixture(scope="module")
def cluster(project_dir, model_path, scripts, tmp_path_factory):
    """Two Rasa servers and two action servers on loopback, started in parallel."""
    user = find_pg_user()
    if user is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (database test)")
    if not redis_available():
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}")
    import redis

    work = tmp_path_factory.mktemp("cluster")
    database = ScratchDatabase(user)
    database.create()
    prefix = f"scale{uuid.uuid4().hex[:10]}"
    try:
        endpoints = scaled_endpoints_copy(
            REPO_ROOT / "endpoints.scaled.yml", work / "endpoints.yml", prefix
        )
        env = offline_env()
        env.update(
            {
                "TRACKER_DB_URL": database.url,
                "LOCK_STORE_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/1",
            }
        )
        with ProcessManager(work / "logs") as manager, sigterm_as_interrupt():
            nodes = Cluster(
                manager,
                project_dir,
                model_path,
                endpoints,
                project_credentials(project_dir, work / "credentials.yml"),
                env,
                probe=scripts[0][0],
                dossier=has_dossier_service(project_dir),
            )
            asyncio.run(nodes.start())
            yield nodes
    finally:
        database.drop()
        store = redis.Redis(REDIS_HOST, REDIS_PORT, db=1)
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)


def conversation_plan(scripts: List[List[str]], index: int, turns: int) -> List[str]:
    """``turns`` messages for conversation ``index``, whole scripts back to back.

    Starts with script ``index``, so every conversation opens with a greeting.
    """
    ordered = scripts[index % len(scripts) :] + scripts[: index % len(scripts)]
    flat = [message for script in ordered for message in script]
    while len(flat) < turns:
        flat += flat
    return flat[:turns]


def check_reply(reply: List[Dict[str, Any]], sender: str, message: str) -> None:
    """Every message of a reply is addressed to the conversation that asked."""
    for item in reply:
        assert item.get("recipient_id") == sender, (
            f"{sender} got {item} for {message!r}"
        )


async def post_with_retry(
    session: aiohttp.ClientSession, url: str, sender: str, message: str
) -> List[Dict[str, Any]]:
    """Send a turn, re-sending after a 5xx as a citizen's app would."""
    for attempt in range(RETRIES):
        try:
            return await post_message(session, url, sender, message)
        except aiohttp.ClientError:
            if attempt == RETRIES - 1:
                raise
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")


def collapse_repeats(texts: List[str]) -> List[str]:
    """Drop a turn repeated right after itself (a re-sent turn)."""
    return [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]


async def test_turns_alternate_between_instances_in_order(cluster, scripts):
    await cluster.ensure_all_up()
    run = uuid.uuid4().hex[:8]
    senders = [f"rr-{run}-{k}" for k in range(CONVERSATIONS)]
    plans = {s: conversation_plan(scripts, k, TURNS) for k, s in enumerate(senders)}
    bursts = {s: conversation_plan(scripts, k + 1, 2) for k, s in enumerate(senders)}
    burst_senders = senders[:BURST_CONVERSATIONS]
    async with RoundRobinProxy([n.rasa_port for n in cluster.nodes]) as proxy:
        url = proxy.url + REST_PATH
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:

            async def converse(sender: str) -> List[List[Dict[str, Any]]]:
                replies = []
                for message in plans[sender]:
                    reply = await post_message(session, url, sender, message)
                    check_reply(reply, sender, message)
                    replies.append(reply)
                return replies

            replies = dict(zip(senders, await asyncio.gather(*map(converse, senders))))
            # Two turns of one conversation at once, on two instances: the Redis
            # lock store must process them one after the other.
            await asyncio.gather(
                *(
                    post_message(session, url, s, message)
                    for s in burst_senders
                    for message in bursts[s]
                )
            )
            for k, sender in enumerate(senders):
                node = cluster.nodes[k % len(cluster.nodes)]
                events = await fetch_events(session, node.url, sender)
                turns = turns_of(events)
                sequential = turns[:TURNS]
                assert [t for t, _ in sequential] == plans[sender], sender
                for (text, bot_texts), reply in zip(sequential, replies[sender]):
                    assert bot_texts == reply_texts(reply), f"{sender}: {text!r}"
                if sender in burst_senders:
                    assert sorted(t for t, _ in turns[TURNS:]) == sorted(bursts[sender])
                    assert listens_between_turns(events), f"{sender} interleaved"
                else:
                    assert len(turns) == TURNS
            other = cluster.nodes[1]
            for sender in senders[:3]:
                assert await fetch_events(
                    session, other.url, sender
                ) == await fetch_events(session, cluster.nodes[0].url, sender)
    for sender in senders:
        route = proxy.routes[sender][:TURNS]
        assert all(a != b for a, b in zip(route, route[1:])), f"{sender}: {route}"
    assert all(proxy.served[n.rasa_port] > 0 for n in cluster.nodes)


async def test_action_server_outage_gets_an_answer_and_recovers(cluster, language):
    await cluster.ensure_all_up()
    node = cluster.nodes[0]
    lead_in = ACTION_PROBES[language][:-1]
    probe = os.environ.get("CITIZEN_BOT_ACTION_PROBE", ACTION_PROBES[language][-1])
    run = uuid.uuid4().hex[:8]
    async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:

        async def ask(sender: str) -> List[Dict[str, Any]]:
            for message in lead_in:
                await post_message(session, node.rest_url, sender, message)
            return await post_message(session, node.rest_url, sender, probe)

        baseline = await ask(f"outage-{run}-up")
        events = await fetch_events(session, node.url, f"outage-{run}-up")
        custom = {
            e["name"]
            for e in events
            if e.get("event") == "action"
            and not e["name"].startswith("utter_")
            and e["name"] not in BUILTIN_ACTIONS
        }
        assert custom, f"{probe!r} runs no custom action; set CITIZEN_BOT_ACTION_PROBE"
        assert reply_texts(baseline), (
            f"no answer to {probe!r} with the action server up"
        )

        cluster.stop_actions(node)
        try:
            down = await ask(f"outage-{run}-down")
            assert reply_texts(down), (
                f"silence for {probe!r} while the action server is down; the "
                "assistant must apologise when an action fails"
            )
        finally:
            await cluster.restart_actions(node)
        recovered = await post_message(
            session, node.rest_url, f"outage-{run}-down", probe
        )
    assert reply_texts(recovered), "no answer after the action server came back"
    assert reply_texts(recovered) != reply_texts(down), (
        "still apologising after recovery"
    )


async def test_killing_an_instance_mid_load_loses_no_conversation(cluster, scripts):
    await cluster.ensure_all_up()
    victim, survivor = cluster.nodes[0], cluster.nodes[1]
    run = uuid.uuid4().hex[:8]
    senders = [f"kill-{run}-{k}" for k in range(CONVERSATIONS)]
    plans = {s: conversation_plan(scripts, k + 2, TURNS) for k, s in enumerate(senders)}
    answered = 0
    served_before_kill = 0
    async with RoundRobinProxy([n.rasa_port for n in cluster.nodes]) as proxy:
        url = proxy.url + REST_PATH
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:

            async def converse(sender: str) -> None:
                nonlocal answered, served_before_kill
                for message in plans[sender]:
                    reply = await post_with_retry(session, url, sender, message)
                    check_reply(reply, sender, message)
                    answered += 1
                    if answered == KILL_AFTER_TURNS:
                        served_before_kill = proxy.served[survivor.rasa_port]
                        cluster.kill_rasa(victim)

            await asyncio.gather(*map(converse, senders))
            assert not victim.rasa.alive()
            for sender in senders:
                events = await fetch_events(session, survivor.url, sender)
                user_texts = collapse_repeats([t for t, _ in turns_of(events)])
                assert user_texts == plans[sender], f"{sender} lost turns"
    assert answered == CONVERSATIONS * TURNS
    assert victim.rasa_port in proxy.dead
    assert proxy.served[survivor.rasa_port] > served_before_kill, cluster.logs()
