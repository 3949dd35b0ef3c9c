"""The per-process turn limit: first come, first served, never stuck."""

from __future__ import annotations

import asyncio

from bot.channels.admission import TurnAdmission


async def test_at_most_limit_turns_run_at_once_in_arrival_order():
    gate = TurnAdmission(limit=2, max_wait=5)
    running, peak, started = 0, 0, []

    async def turn(i: int) -> None:
        nonlocal running, peak
        async with gate.turn() as admitted:
            assert admitted
            started.append(i)
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(turn(i) for i in range(8)))
    assert peak == 2
    assert started == list(range(8))


async def test_a_turn_runs_anyway_after_the_longest_wait():
    gate = TurnAdmission(limit=1, max_wait=0.05)
    release = asyncio.Event()

    async def stuck() -> None:
        async with gate.turn():
            await release.wait()

    holder = asyncio.create_task(stuck())
    await asyncio.sleep(0)
    async with gate.turn() as admitted:
        assert admitted is False  # ran without a slot instead of waiting forever
    release.set()
    await holder
    async with gate.turn() as admitted:
        assert admitted is True  # the slot came back


async def test_zero_turns_the_limit_off(monkeypatch):
    monkeypatch.setenv("TURN_CONCURRENCY", "0")
    gate = TurnAdmission.from_env()
    async with gate.turn() as admitted:
        assert admitted is False
    monkeypatch.setenv("TURN_CONCURRENCY", "many")
    assert TurnAdmission.from_env().limit == 8
