"""Retry policy (which failures, how often, after how long) and the per-host retry rule.

A job is retried only for transient failures: a host was unreachable, timed out, its
gate broke, or the process running the job died (``lost``). Auth and host-key failures
and bad arguments fail the same way every time, so retrying them only delays the
operator. Lost attempts count, so a job that crashes its process cannot loop forever.
Inside a retried job, :class:`HostLedger` decides per host (see the rule below): a
retry never runs a module again on a host whose attempt finished.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from ftltui.jobs.model import ATTEMPT_CANCELLED, ERROR, OK, TIMEOUT, Outcome

TRANSIENT_KINDS = frozenset({"unreachable", "timeout", "gate_failed", "lost"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.5  # fraction of the delay that is randomised
    retry_on: frozenset[str] = field(default=TRANSIENT_KINDS)

    def retryable(self, error_kind: str | None) -> bool:
        return error_kind in self.retry_on

    def should_retry(self, attempts_made: int, error_kind: str | None) -> bool:
        return self.retryable(error_kind) and attempts_made < self.max_attempts

    def delay(self, attempts_made: int, rng: random.Random | None = None) -> float:
        """Exponential backoff capped at ``max_delay``, with part of it randomised."""
        raw = min(self.max_delay, self.base_delay * self.factor ** max(0, attempts_made - 1))
        r = (rng or random).random()
        return raw * (1 - self.jitter) + raw * self.jitter * r

    def to_doc(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["retry_on"] = sorted(self.retry_on)
        return d

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> RetryPolicy:
        if not doc:
            return cls()
        d = dict(doc)
        if "retry_on" in d:
            d["retry_on"] = frozenset(d["retry_on"])
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


# -- per-host retries ------------------------------------------------------------------
#
# The rule (README "Retries"): a retry never runs a module again on a host whose attempt
# finished. Per host and attempt, the outcome is one of:
#   done       ok, changed, skipped, or failed for good (the module failed, bad arguments,
#              auth, host key, ...): never run again by a retry;
#   not run    unreachable: the connection failed, so the module never started: retried;
#   uncertain  timeout, a gate that died, a controller that died (``lost``): the module
#              may have run; retried only when running it twice is harmless (the module
#              is idempotent), otherwise it stays failed and says so.
# Both the ``run`` job kind and each workflow step keep a ledger of these outcomes in
# their record, saved as hosts finish, so a retry after a crash skips finished hosts too.

NOT_STARTED_KINDS = frozenset({"unreachable"})
# ``connection_lost``: a connection that broke while the module ran (the host's status is
# still ``unreachable``, as Ansible shows it, but the module may have run): uncertain.
UNCERTAIN_KINDS = frozenset({"timeout", "gate_failed", "lost", "connection_lost"})
RUNNING, DONE, RETRY, HELD, CANCELLED = "running", "done", "retry", "held", "cancelled"
ENDED_WELL = ("ok", "changed", "skipped")  # host statuses that are a success
HELD_MSG = "not retried: the command may have run; re-run it explicitly"
MSG_CLIP = 300


def idempotent(module: str, args: Any) -> bool:
    """May this invocation run twice on a host without harm?

    ``command``/``shell`` do whatever their command does, unless ``creates``/``removes``
    guard them (Ansible's own idempotence switch); ``raw``/``script`` never are; a service
    restart/reload repeats itself. The other native modules converge on a state. Any other
    module (an installed Ansible or collection module) is unknown here, so it is not
    assumed to be: a retry must not guess. ``ansible.builtin.X``/``ansible.legacy.X``
    are judged as ``X``."""
    from ftltui import modules

    a = args if isinstance(args, dict) else {}
    short = module
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        if module.startswith(prefix):
            short = module[len(prefix):]
    if short in ("command", "shell"):
        return bool(a.get("creates") or a.get("removes"))
    if short in ("raw", "script"):
        return False
    if short == "service":
        return a.get("state") not in ("restarted", "reloaded")
    return modules.canonical(short) in modules.BUILTIN


def host_message(host: str, msg: str) -> str:
    """``host: msg``, without naming the host twice (transport errors already start with it)."""
    msg = str(msg)
    return msg if msg.startswith(f"{host}:") or msg.startswith(f"{host} ") else f"{host}: {msg}"


def attempt_record(number: int, hr: Any) -> dict[str, Any]:
    """The brief, durable form of one host's result (a ``HostResult`` or its dict)."""
    d = hr.to_dict() if hasattr(hr, "to_dict") else dict(hr)
    res = d.get("result") or {}
    return {"attempt": number, "status": d.get("status"), "error_kind": d.get("error_kind"),
            "rc": res.get("rc"), "msg": str(res.get("msg", ""))[:MSG_CLIP],
            "duration": round(float(d.get("duration") or 0.0), 3), "ended": time.time()}


def may_have_run(attempt: dict[str, Any] | None) -> bool:
    """Did this failed attempt perhaps run the module? A timeout, a dead gate or controller,
    a broken connection, or a cancel that came after the host had started (its command ran
    part of the way: hR finding 7). An unreachable host, or one cancelled before it started,
    never ran it."""
    if not attempt:
        return False
    kind = attempt.get("error_kind")
    if kind in UNCERTAIN_KINDS:
        return True
    return (attempt.get("status") == "cancelled" or kind == "cancelled") and bool(attempt.get("started"))


def held_reason(attempt: dict[str, Any]) -> str:
    """Why a host is held back, in a few words (``cancelled while it ran``, ``timeout``)."""
    kind = attempt.get("error_kind") or attempt.get("status") or "?"
    return "cancelled while it ran" if kind == "cancelled" else str(kind)


def rerun_split(per_host: dict[str, Any], is_idempotent: bool) -> tuple[list[str], dict[str, str]]:
    """An operator's re-run from failure (``jobs retry``, ``r``/``e``): the hosts it runs
    (their last attempt did not end well) and those it holds back, with why: the module
    may have run there and running it twice is not harmless (the rule above; README
    "Retries"). Never a host whose last attempt ended well."""
    again: list[str] = []
    held: dict[str, str] = {}
    for host in sorted(per_host):
        attempts = per_host[host].get("attempts") or []
        last = attempts[-1] if attempts else None
        if last is not None and last.get("status") in ENDED_WELL:
            continue
        if last is not None and not is_idempotent and may_have_run(last):
            held[host] = held_reason(last)
        else:
            again.append(host)
    return again, held


def decide(status: str | None, error_kind: str | None, is_idempotent: bool) -> str:
    """The ledger state after one attempt on a host (the rule above, in one place)."""
    if status in ENDED_WELL:
        return DONE
    if status == "cancelled" or error_kind == "cancelled":
        return CANCELLED
    if error_kind in NOT_STARTED_KINDS:
        return RETRY
    if error_kind in UNCERTAIN_KINDS:
        return RETRY if is_idempotent else HELD
    return DONE


def copy_ledger(entries: dict[str, Any]) -> dict[str, Any]:
    """Entries are changed in place, attempt records never: copying to that depth is enough."""
    return {h: {**e, "attempts": list(e.get("attempts") or [])} for h, e in entries.items()}


class HostLedger:
    """Per-host attempts of one run job or one workflow step: a plain dict in its record.

    ``entries[host] = {"state": running|done|retry|held|cancelled, "attempts": [...]}``;
    the last attempt in the list is the one that ran last, so it is the host's result."""

    def __init__(self, doc: dict[str, Any] | None, is_idempotent: bool) -> None:
        self.entries: dict[str, dict[str, Any]] = {h: {**e, "attempts": list(e.get("attempts") or [])}
                                                   for h, e in (doc or {}).items()}
        self.idempotent = is_idempotent

    def doc(self) -> dict[str, Any]:
        """A copy to store (the store's writer thread must never see a dict change)."""
        return copy_ledger(self.entries)

    def entry(self, host: str) -> dict[str, Any]:
        """A copy of one host's entry to store (``doc()`` for one host)."""
        e = self.entries[host]
        return {**e, "attempts": list(e.get("attempts") or [])}

    def close_interrupted(self, why: str = "the controller died while this host ran") -> list[str]:
        """Hosts left ``running`` by a dead process: their attempt is lost (uncertain)."""
        out = []
        for h, e in self.entries.items():
            if e["state"] == RUNNING:
                n = e.pop("planned", None) or (e["attempts"][-1]["attempt"] + 1 if e["attempts"] else 1)
                e["attempts"].append({"attempt": n, "status": "failed", "error_kind": "lost",
                                      "rc": None, "msg": why, "duration": 0.0, "ended": time.time()})
                e["state"] = decide("failed", "lost", self.idempotent)
                out.append(h)
        return out

    def cancel_running(self, why: str = "cancelled", started: bool = False) -> None:
        """Hosts still running are cancelled; ``started``: they had begun (a play's hosts),
        so what they ran may have changed them (:func:`may_have_run`)."""
        for e in self.entries.values():
            if e["state"] == RUNNING:
                n = e.pop("planned", None) or (e["attempts"][-1]["attempt"] + 1 if e["attempts"] else 1)
                e["state"] = CANCELLED
                rec = {"attempt": n, "status": "cancelled", "error_kind": "cancelled", "rc": None, "msg": why,
                       "duration": 0.0, "ended": time.time()}
                if started:
                    rec["started"] = True
                e["attempts"].append(rec)

    def runs(self, host: str, *, count_lost: bool = True) -> int:
        e = self.entries.get(host)
        if not e:
            return 0
        return sum(1 for a in e["attempts"] if count_lost or a.get("error_kind") != "lost")

    def plan(self, hosts: list[str], budget: int | None = None) -> list[str]:
        """The hosts the next attempt runs: never tried, or retryable with budget left
        (``budget``: most attempts per host, not counting those lost to a dead controller)."""
        self.close_interrupted()
        out = []
        for h in hosts:
            e = self.entries.get(h)
            if e is None or (e["state"] == RETRY and (budget is None or self.runs(h, count_lost=False) < budget)):
                out.append(h)
        return out

    def start(self, hosts: list[str], number: int) -> None:
        for h in hosts:
            e = self.entries.setdefault(h, {"state": RUNNING, "attempts": []})
            e["state"], e["planned"] = RUNNING, number

    def record(self, number: int, hr: Any, started: bool = False) -> None:
        """``started``: the host had begun running the module (its ``HostStarted`` came),
        kept on a cancelled attempt: the module may have run (:func:`may_have_run`)."""
        e = self.entries.setdefault(hr.host, {"state": RUNNING, "attempts": []})
        e.pop("planned", None)
        rec = attempt_record(number, hr)
        if started and rec["status"] == "cancelled":
            rec["started"] = True
        e["attempts"].append(rec)
        e["state"] = decide(rec["status"], rec["error_kind"], self.idempotent)

    def retryable(self, hosts: list[str] | None = None, budget: int | None = None) -> list[str]:
        return [h for h, e in self.entries.items() if (hosts is None or h in hosts) and e["state"] == RETRY
                and (budget is None or self.runs(h, count_lost=False) < budget)]

    def last(self, host: str) -> dict[str, Any] | None:
        e = self.entries.get(host)
        return e["attempts"][-1] if e and e["attempts"] else None

    def failures(self) -> dict[str, dict[str, Any]]:
        """Hosts whose merged result is not ok, with their last attempt."""
        out = {}
        for h, e in self.entries.items():
            last = e["attempts"][-1] if e["attempts"] else None
            if last is None or last["status"] not in ENDED_WELL:
                out[h] = last or {"status": e["state"], "error_kind": None, "msg": ""}
        return out

    def describe(self, host: str) -> str:
        """One line for a failed host: what happened and why it was (not) retried."""
        e = self.entries[host]
        last = e["attempts"][-1] if e["attempts"] else {}
        what = host_message(host, last.get("msg") or last.get("status") or e["state"])
        if e["state"] == HELD:
            return f"{what} ({HELD_MSG})"
        return what


def ledger_outcome(ledger: HostLedger, hosts: list[str], cancelled: bool = False,
                   budget: int | None = None) -> Outcome:
    """A job's (or step's) outcome from its merged per-host results."""
    counts: dict[str, int] = {}
    for h in hosts:
        last = ledger.last(h)
        st = last["status"] if last else "cancelled"
        counts[st] = counts.get(st, 0) + 1
    summary = {"counts": counts}
    if cancelled:
        return Outcome(ATTEMPT_CANCELLED, "cancelled", "cancelled", summary)
    bad = {h: a for h, a in ledger.failures().items() if h in hosts}
    if not bad:
        return Outcome(OK, None, f"{len(hosts)} host(s) ok", summary)
    again = ledger.retryable(list(bad), budget)
    # a retry is worth it only for hosts it may run; the kind names the first of those
    first = again[0] if again else next(iter(bad))
    kind = bad[first].get("error_kind") or bad[first].get("status")
    status = TIMEOUT if kind == "timeout" else ERROR
    msg = f"{len(bad)} host(s) failed: " + "; ".join(ledger.describe(h) for h in list(bad)[:3])
    return Outcome(status, kind, msg[:600], summary, retry=bool(again))


def dead_reason(attempts: int, kind: str | None, message: str) -> str:
    """The reason of a ``dead`` job (its retries ran out), in plain words."""
    return f"gave up after {attempts} attempt{'s' if attempts != 1 else ''} ({kind}: {message})"
