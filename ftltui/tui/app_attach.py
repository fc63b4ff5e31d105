"""A console attached to the owner of its state directory, and taking over from a dead one.

When another process serves the state directory's API (``ftl-tui daemon``, another
console), the console opens a :class:`~ftltui.console.remote_session.RemoteConsoleSession`
(:func:`attach_if_owned`) and shows the owner's jobs, logs and drift live; the header
names the owner's pid. When the owner goes away the session says so (an
:class:`~ftltui.console.updates.OwnerNotice`); this mixin of
:class:`~ftltui.tui.app.FtlApp` tells the operator plainly and offers to take over
(open the directory as its owner here: its jobs are recovered, none runs again on a
host that finished it) or to quit.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.api.socket_path import owner_listening, socket_path
from ftltui.console import updates as up
from ftltui.console.remote_session import RemoteConsoleSession
from ftltui.console.session import ConsoleSession
from ftltui.tui.app_base import ConsoleAppBase
from ftltui.tui.screens.confirm import ConfirmScreen


def attach_if_owned(session: ConsoleSession, state_dir: Path | None, attach: bool | None) -> ConsoleSession:
    """``session`` itself (this console owns the directory), or an attached session with
    its settings: ``attach`` True always attaches (no owner: it says so and offers to take
    over), None attaches when an owner answers on the directory's socket, False never."""
    if state_dir is None or attach is False:
        return session
    if attach or owner_listening(socket_path(state_dir)):
        return RemoteConsoleSession.like(session)
    return session


def owns_jobs(session: ConsoleSession) -> bool:
    """Closing ``session`` cancels its running jobs (an attached one leaves them to the owner)."""
    return not isinstance(session, RemoteConsoleSession)


def drift_ready(session: ConsoleSession) -> bool:
    """The session's drift can be read: it is open (an attached one has no queue)."""
    if isinstance(session, RemoteConsoleSession):
        return session.drift_ready
    return session.queue is not None


class TakeOverScreen(ConfirmScreen):
    """The owner is gone: take over, or quit (never two on the stack)."""


class AttachMixin(ConsoleAppBase):
    _pending: deque[Any]

    if TYPE_CHECKING:  # FtlApp's
        def start_services(self) -> Any: ...

    def attached_label(self) -> str:
        """What the header adds to the inventory's name when this console is a client."""
        services = self.services
        if not isinstance(services, RemoteConsoleSession):
            return ""
        if services.lost is not None:
            return f" (owner pid {services.attached_pid} gone)" if services.attached_pid else " (no owner)"
        return f" (attached to pid {services.attached_pid})"

    def owner_notice(self, notice: up.OwnerNotice) -> None:
        if not notice.lost:
            self.notify(notice.message, title=f"owner pid {notice.pid}", severity="warning", timeout=10)
            return
        self.notify(notice.message, title="the owner is gone", severity="error", timeout=30)
        if isinstance(self.screen, TakeOverScreen):
            return
        who = f"pid {notice.pid}" if notice.pid else "no process"
        question = (f"The owner of this state directory ({who}) is gone. Take over: open it here as its owner "
                    "(its jobs are recovered; none runs again on a host that finished it)? Or quit.")

        def answer(yes: bool | None) -> None:
            if yes:
                self.take_over()
            else:
                self.exit(0)

        self.push_screen(TakeOverScreen(question, yes="Take over", no="Quit"), answer)

    def take_over(self) -> None:
        self.run_worker(self._take_over(), group="take-over", exclusive=True)

    async def _take_over(self) -> None:
        """Close the attached session and open the directory as its owner (or attach to a
        new owner that was quicker)."""
        old = self.services
        if not isinstance(old, RemoteConsoleSession):
            return
        await old.close()
        if owner_listening(socket_path(old.state_dir)):
            new: ConsoleSession = RemoteConsoleSession.like(old)
            if old.inventory is not None:
                new.inventory = old.inventory
            said = "another process took over first: attached to it"
        else:
            new = old.owner_session()
            said = "this console owns the state directory now; the dead owner's jobs were recovered"
        new.subscribe(self._pending.append)
        self.services = new
        self.start_services()
        await new.ready()
        self.notify(said, title="took over" if owns_jobs(new) else "attached")
        self.refresh_header()
