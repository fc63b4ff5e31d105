"""The local runner's output pump: order, completeness, backpressure, no wedging."""

from __future__ import annotations

import asyncio
import threading

from ftltui.engine.local import MAX_PENDING_LINES, _OutputPump, _Source


async def test_every_line_arrives_in_order_before_settled_returns() -> None:
    loop = asyncio.get_running_loop()
    pump = _OutputPump(loop)
    got: dict[int, list[str]] = {i: [] for i in range(8)}
    sources = [_Source(lambda s, t, i=i: got[i].append(t)) for i in range(8)]

    def produce(i: int) -> None:
        src = sources[i]
        for n in range(3000):  # > MAX_PENDING_LINES: the producer has to wait for the loop
            src.slots.acquire()
            pump.put(src, "stdout", f"{i}:{n}")

    threads = [threading.Thread(target=produce, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        await asyncio.sleep(0.001)
    for src in sources:
        await pump.settled(src)
    assert 3000 > MAX_PENDING_LINES
    assert all(got[i] == [f"{i}:{n}" for n in range(3000)] for i in range(8))


async def test_a_failing_consumer_does_not_stop_the_others() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict] = []
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    pump = _OutputPump(loop)
    good: list[str] = []

    def bad(stream: str, text: str) -> None:
        raise RuntimeError("consumer bug")

    broken, fine = _Source(bad), _Source(lambda s, t: good.append(t))
    for n in range(5):
        for src in (broken, fine):
            src.slots.acquire()
            pump.put(src, "stdout", str(n))
    await pump.settled(fine)
    await pump.settled(broken)
    assert good == ["0", "1", "2", "3", "4"] and len(errors) == 5
    assert broken.slots.acquire(blocking=False)  # slots were given back despite the failures
