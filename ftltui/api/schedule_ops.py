"""Schedules through the owner: ``schedule.list`` and the edits ``schedule.add``,
``schedule.rm``, ``schedule.pause``, ``schedule.resume``.

While a daemon or a console owns a state directory, ``ftl-tui schedule add|rm|pause|
resume`` cannot open its store; they send these requests instead and print the same
lines. The owner stores the change in its own store (the one writer), checks it
exactly as ``ScheduleBook.add`` does when nobody owns the directory (once: the client
does not check first), with its host patterns checked against the inventory it will fire
on, its own (``allow_no_hosts``: a pattern matching none is stored anyway), and tells its operations (``schedules_changed``): they wake the
scheduler, so a schedule added through the API fires on time, and send a ``schedules``
item to every attached console's ``view.watch``, so its Schedules view re-reads. An
attached console's Schedules view makes its edits with these ops too. The edits are write ops: a read-only owner or
client is refused them by the server, like every other write.

Added in protocol 1 as new ops (a client asks ``owner.info`` capabilities for
``schedules``; an older owner answers ``unknown_op``, and the command then says the
directory is in use, as before).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ftltui.api.protocol import E_BAD_REQUEST, E_NOT_FOUND, ProtocolError
from ftltui.schedule.model import (
    MISFIRE_POLICIES,
    Schedule,
    ScheduleBook,
    ScheduleError,
)
from ftltui.schedule.records import schedule_record

READ_OPS = frozenset({"schedule.list"})
WRITE_OPS = frozenset({"schedule.add", "schedule.rm", "schedule.pause", "schedule.resume"})
OPS = READ_OPS | WRITE_OPS
CAPABILITY = "schedules"


def _str(args: dict[str, Any], name: str, default: str | None = None) -> str:
    value = args.get(name, default)
    if not isinstance(value, str):
        raise ProtocolError(E_BAD_REQUEST, f"argument {name!r}: expected a string")
    return value


def _flag(args: dict[str, Any], name: str) -> bool:
    value = args.get(name, False)
    if not isinstance(value, bool):
        raise ProtocolError(E_BAD_REQUEST, f"argument {name!r}: expected a boolean")
    return value


def _id(args: dict[str, Any]) -> int:
    value = args.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProtocolError(E_BAD_REQUEST, "argument 'id': expected a schedule id of at least 1")
    return value


def _add(book: ScheduleBook, a: dict[str, Any], inventory: Any) -> Schedule:
    argv = a.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(w, str) for w in argv):
        raise ProtocolError(E_BAD_REQUEST, "argument 'argv': expected the command's words (run|play|drift scan ...)")
    misfire = _str(a, "misfire", "run-once")
    if misfire not in MISFIRE_POLICIES:
        raise ProtocolError(E_BAD_REQUEST, f"argument 'misfire': expected one of {', '.join(MISFIRE_POLICIES)}")
    notify = a.get("notify")
    if notify is not None and not isinstance(notify, dict):
        raise ProtocolError(E_BAD_REQUEST, "argument 'notify': expected a mapping")
    from ftltui.schedule.notify import Notify

    return book.add(_str(a, "cron"), list(argv), tz=_str(a, "tz", "UTC"), misfire=misfire,
                    overlap=_flag(a, "overlap"), paused=_flag(a, "paused"), cwd=_str(a, "cwd", ""),
                    notify=Notify.from_doc(notify) if notify else None, inventory=inventory,
                    allow_no_hosts=_flag(a, "allow_no_hosts"))


def _edit(book: ScheduleBook, op: str, a: dict[str, Any], inventory: Any = None) -> Any:
    if op == "schedule.list":
        return [schedule_record(s) for s in book.all()]
    if op == "schedule.add":
        return schedule_record(_add(book, a, inventory))
    if op == "schedule.rm":
        return schedule_record(book.remove(_id(a)))
    return schedule_record(book.set_paused(_id(a), op == "schedule.pause"))


async def one_shot(ops: Any, op: str, args: dict[str, Any]) -> Any:
    """One schedule request on the owner's store (``ops.store``)."""
    store = getattr(ops, "store", None)
    if store is None:
        raise ProtocolError(E_BAD_REQUEST, "this owner keeps no schedules")
    book = ScheduleBook(store)
    executor = getattr(getattr(ops, "queue", None), "executor", None)  # the inventory its schedules fire on
    try:
        result = await asyncio.to_thread(_edit, book, op, args, getattr(executor, "inventory", None))
    except ScheduleError as exc:  # durable writes above: an fsync each
        code = E_NOT_FOUND if exc.message.startswith("no schedule") else E_BAD_REQUEST
        raise ProtocolError(code, str(exc)) from None  # with file:line:col (a workflow step's hosts:)
    if op in WRITE_OPS:
        changed: Callable[[str], None] | None = getattr(ops, "schedules_changed", None)
        if callable(changed):
            changed(f"schedule {result['id']} {_DONE[op]} by a client")
    return result


_DONE = {"schedule.add": "added", "schedule.rm": "removed", "schedule.pause": "paused", "schedule.resume": "resumed"}
