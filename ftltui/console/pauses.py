"""A playbook job waiting at a ``pause``: the job's typed state, and the operations that
end it (issue 15).

The run's ``pause`` reports ``PauseStarted``/``PauseEnded`` (playbook events, so the job's
log, ``jobs.watch`` and an attached console's view see them like any other event); the
desk turns them into the feed's typed :class:`~ftltui.console.updates.PauseWaiting` /
:class:`~ftltui.console.updates.PauseEnded` and keeps what waits now (:meth:`waiting`),
for the owner's session and an attached one alike.

In the owner, a playbook job's pauser is :meth:`PauseDesk.pauser`: the run awaits the
operator. Any face ends the wait through the console core: :meth:`answer` (a prompt's
line), :meth:`continue_early` (a timed pause), :meth:`abort` (the task fails on the host,
as ctrl+C then A in ansible-playbook). A timed pause nobody touches ends by itself; a
prompt nobody can answer waits until someone attaches and answers, or the job is
cancelled (the wait is cancelled with the job's task). An attached session's desk
(:class:`OwnerPauseDesk`) sends the same operations to the owner (``pause.*`` ops). A hold
(:meth:`PauseDesk.hold`) is no playbook event: the owner's ``view.watch`` sends it to every
attached view as a ``pause_held`` item, which their desks turn into the held record.

Nothing of a pause is durable but its events: a job waiting at one is ``running`` in the
store, so an owner lost while it waits leaves a job recovered like any other interrupted
one (a pause ran nothing on any host). A private answer (``echo: no``) is a secret: the
store's redactor learns it before the run sees it (logs, saved records and the feed show
********) and the feed never carries it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from ftltui.console import updates as up
from ftltui.errors import FtlError
from ftltui.playbook.events import PauseEnded, PauseStarted
from ftltui.playbook.pauses import (
    ABORTED_ACTION,
    ANSWERED,
    CONTINUED,
    TIMED_OUT,
    Pauser,
    PauseReply,
    PauseRequest,
)

Publish = Callable[[up.ViewUpdate], None]


class NoPause(FtlError):
    """The job is not waiting at a pause (it went on, or never paused)."""


def waiting_of(job_id: int, ev: PauseStarted) -> up.PauseWaiting:
    """The feed's record of a ``PauseStarted`` event of job ``job_id``."""
    seconds = int(ev.seconds) if ev.timed else None
    return up.PauseWaiting(job_id, ev.host, ev.task, ev.prompt, seconds, ev.private,
                           ev.ts + seconds if seconds is not None else None, ev.hint)


class PauseDesk:
    """The pauses of one session's jobs (fed by :meth:`on_update`, a session subscriber)."""

    def __init__(self, publish: Publish, add_secret: Callable[[str], None],
                 check_write: Callable[[str], None] = lambda _action: None,
                 clock: Callable[[], float] = time.time) -> None:
        self.publish = publish
        self.add_secret = add_secret
        # the session's read-only refusal: every face (the owner's own bar too) is refused
        # alike when the session is read-only, as the API refuses ``pause.*`` to clients
        self.check_write = check_write
        self.clock = clock
        self.interactive = True  # False: runs get no pauser (a CLI without a TTY: as ansible-playbook)
        self._waiting: dict[int, up.PauseWaiting] = {}  # job -> the pause it waits at now
        self._queued: dict[int, list[up.PauseWaiting]] = {}  # job -> its next pauses (other hosts)
        self._replies: dict[int, tuple[asyncio.Future[PauseReply], bool]] = {}  # job -> (reply, timed)
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._turns: dict[int, tuple[asyncio.Lock, int]] = {}  # job -> (its pauses' turn, how many want it)

    # -- the state, from the feed -------------------------------------------------------
    def on_update(self, update: up.ViewUpdate) -> None:
        if isinstance(update, up.PlaybookProgress):
            ev = update.event
            if isinstance(ev, PauseStarted):
                waiting = waiting_of(update.job_id, ev)
                if update.job_id in self._waiting:  # another host's pause (free strategy): it waits its turn
                    self._queued.setdefault(update.job_id, []).append(waiting)
                else:
                    self._waiting[update.job_id] = waiting
                    self.publish(waiting)
            elif isinstance(ev, PauseEnded) and self._waiting.pop(update.job_id, None) is not None:
                self.publish(up.PauseEnded(update.job_id, ev.action))
                queued = self._queued.get(update.job_id)
                if queued:  # the next pause of the job begins now
                    nxt = queued.pop(0)
                    if not queued:
                        del self._queued[update.job_id]
                    if nxt.seconds is not None:
                        nxt = replace(nxt, ends_at=self.clock() + nxt.seconds)
                    self._waiting[update.job_id] = nxt
                    self.publish(nxt)
        elif isinstance(update, up.JobChanged) and update.job_id in self._waiting:
            job = update.job
            if job is None or job.state not in ("running", "queued"):  # ended without PauseEnded (lost)
                del self._waiting[update.job_id]
                self._queued.pop(update.job_id, None)
                self.publish(up.PauseEnded(update.job_id, "cancelled"))

    def waiting(self, job_id: int | None = None) -> list[up.PauseWaiting]:
        """The pauses waiting now (of one job, or all), for a face that arrives late."""
        return [w for j, w in sorted(self._waiting.items()) if job_id is None or j == job_id]

    def seen(self, waiting: up.PauseWaiting) -> None:
        """A pause learned another way (an attached session's first read of its owner)."""
        if waiting.job_id not in self._waiting:
            self._waiting[waiting.job_id] = waiting
            self.publish(waiting)

    # -- the operations -----------------------------------------------------------------
    async def answer(self, job_id: int, text: str) -> None:
        """Answer job ``job_id``'s prompt (a timed pause takes it as continue)."""
        self.check_write("pause answer")
        reply, timed = self._take(job_id)
        waiting = self._waiting.get(job_id)
        if text and (waiting is None or waiting.private):
            self.add_secret(text)  # before the run can put it in a result, a log, a record
        reply.set_result(PauseReply(CONTINUED if timed else ANSWERED, text))

    async def continue_early(self, job_id: int) -> None:
        """Continue job ``job_id``'s pause now (a prompt: with an empty answer)."""
        self.check_write("pause continue")
        reply, timed = self._take(job_id)
        reply.set_result(PauseReply(CONTINUED if timed else ANSWERED, ""))

    async def abort(self, job_id: int) -> None:
        """Abort at job ``job_id``'s pause: the task fails on the host (``user requested abort!``)."""
        self.check_write("pause abort")
        reply, _timed = self._take(job_id)
        reply.set_result(PauseReply(ABORTED_ACTION))

    async def hold(self, job_id: int) -> None:
        """Stop job ``job_id``'s timed pause from ending by itself: the operator pressed
        ctrl+C and is choosing (C or A), as ansible-playbook's second prompt has no timeout."""
        self.check_write("pause hold")
        timer = self._timers.pop(job_id, None)
        if timer is not None:
            timer.cancel()
        self.note_held(job_id)

    def note_held(self, job_id: int) -> None:
        """Job ``job_id``'s timed pause is held (here, or by another face of the owner: an
        attached session hears it in its ``view.watch`` stream): the record says so and every
        face redraws: no end time, no "0 seconds left". A pause this desk does not know, or
        one held already, changes nothing."""
        waiting = self._waiting.get(job_id)
        if waiting is not None and waiting.timed and not waiting.held:
            waiting = replace(waiting, ends_at=None, held=True)
            self._waiting[job_id] = waiting
            self.publish(waiting)

    # -- the owner's side ---------------------------------------------------------------
    def pauser(self, job_id: int) -> Pauser | None:
        """Job ``job_id``'s run's pauser (``PlayOptions.pauser``); None when not interactive."""
        if not self.interactive:
            return None

        async def wait(request: PauseRequest) -> PauseReply:
            return await self._wait(job_id, request)

        return wait

    async def _wait(self, job_id: int, request: PauseRequest) -> PauseReply:
        # one pause of a job at a time (the free strategy may reach two on two hosts): the
        # next waits its turn, as Ansible's prompts hold the display's lock
        lock, users = self._turns.get(job_id, (asyncio.Lock(), 0))
        self._turns[job_id] = (lock, users + 1)
        try:
            async with lock:
                return await self._wait_one(job_id, request)
        finally:
            lock, users = self._turns[job_id]
            if users == 1:
                del self._turns[job_id]  # the last one out drops the job's lock
            else:
                self._turns[job_id] = (lock, users - 1)

    async def _wait_one(self, job_id: int, request: PauseRequest) -> PauseReply:
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[PauseReply] = loop.create_future()
        self._replies[job_id] = (reply, request.seconds is not None)
        if request.seconds is not None:
            self._timers[job_id] = loop.call_later(request.seconds, self._time_out, job_id, reply)
        try:
            return await reply
        finally:  # answered, timed out, or the job cancelled (the wait with it)
            timer = self._timers.pop(job_id, None)
            if timer is not None:
                timer.cancel()
            if self._replies.get(job_id, (None,))[0] is reply:
                del self._replies[job_id]

    def _time_out(self, job_id: int, reply: asyncio.Future[PauseReply]) -> None:
        if self._replies.get(job_id, (None,))[0] is reply:
            del self._replies[job_id]
            reply.set_result(PauseReply(TIMED_OUT))

    def _take(self, job_id: int) -> tuple[asyncio.Future[PauseReply], bool]:
        entry = self._replies.pop(job_id, None)
        if entry is None or entry[0].done():
            raise NoPause(f"job {job_id} is not waiting at a pause")
        return entry


class OwnerPauseDesk(PauseDesk):
    """An attached session's desk: the state from the owner's events, the operations sent
    to the owner (``pause.answer``, ``pause.continue``, ``pause.abort``, ``pause.hold``)."""

    def __init__(self, publish: Publish, request: Callable[..., Awaitable[object]]) -> None:
        super().__init__(publish, lambda _text: None)
        self.request = request
        self.interactive = False  # an attached session runs no jobs

    async def answer(self, job_id: int, text: str) -> None:
        await self.request("pause.answer", job_id=job_id, text=text)

    async def continue_early(self, job_id: int) -> None:
        await self.request("pause.continue", job_id=job_id)

    async def abort(self, job_id: int) -> None:
        await self.request("pause.abort", job_id=job_id)

    async def hold(self, job_id: int) -> None:
        await self.request("pause.hold", job_id=job_id)
        # this console's record now; the owner tells every attached view too (``pause_held``)
        self.note_held(job_id)
