"""``jobs retry`` and ``jobs requeue``: a finished job queued again, as a new linked job.

One function for both faces: ``ftl-tui jobs retry`` owning the state directory, and the
owner doing it for a client (``jobs.again`` in docs/api.md), so a retry means the same
wherever it is asked. ``resume`` (retry) re-runs from failure: a workflow keeps its
succeeded steps, a run goes to its failed hosts only, a playbook to its failed and
unreachable hosts only (never again on a host that finished it); requeue runs a copy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftltui.errors import FtlError
from ftltui.jobs.model import Job

RETRIABLE = frozenset({"failed", "dead", "cancelled", "succeeded", "upstream_failed"})


def secrets_lost(job_id: int) -> str:
    """The refusal of a re-run whose job had secrets (the words of the ``secrets_lost`` outcome)."""
    return (f"job {job_id} had secret arguments, which are never stored (secrets lost): "
            "submit it again with them")


def lost_secrets(doc: dict[str, Any]) -> bool:
    """Did the job hold secrets that its stored document has only as ``********``? A re-run
    of that document would hand the mask to the module as the value (su/sudo password, a
    ``password=`` argument set to ``********``: hV2 finding 2). A workflow recomputes its
    secrets from its file, so only its masked ``vars`` are lost."""
    from ftltui.engine.redact import MASK

    if doc.get("kind") == "workflow":
        return MASK in json.dumps((doc.get("spec") or {}).get("vars") or {}, default=str)
    return bool(doc.get("has_secrets"))


def refusal(doc: dict[str, Any], job_id: int, resume: bool, log_path: Path | None = None) -> str | None:
    """Why the job cannot be queued again (the message the command prints), else ``None``.
    ``log_path``: the job's output log, where a run job's host results are when its
    document has no per-host ledger (jobs of older versions)."""
    if doc["state"] not in RETRIABLE:
        return f"job {job_id} is {doc['state']}; only finished jobs can be retried"
    if lost_secrets(doc):  # never run with the mask as the secret's value (hV2 finding 2)
        return secrets_lost(job_id)
    if doc["kind"] == "playbook" and resume:
        from ftltui.jobs.playbook_kind import failed_hosts

        if not failed_hosts(doc):  # never run a playbook again on hosts that finished it
            return held_refusal(doc, job_id) or (f"job {job_id}: every host finished the playbook; nothing to re-run "
                                                 f"(`ftl-tui jobs requeue {job_id}` runs it again on all hosts)")
    if doc["kind"] == "run" and resume and log_path is not None and not failed_run_hosts(doc, log_path):
        return held_refusal(doc, job_id) or (f"job {job_id}: every host finished the run; nothing to re-run "
                                             f"(`ftl-tui jobs requeue {job_id}` runs it again on all hosts)")
    return None


def again_hosts(doc: dict[str, Any], resume: bool, log_path: Path | None) -> list[str] | None:
    """The hosts a re-run (``resume``) or copy of the job would touch, for the protected-group
    question (hR finding 15); ``None`` for a workflow: its file says (``guard.workflow_hosts``)."""
    if doc.get("kind") == "workflow":
        return None
    if resume and doc.get("kind") == "run" and log_path is not None:
        return failed_run_hosts(doc, log_path)
    if resume and doc.get("kind") == "playbook":
        from ftltui.jobs.playbook_kind import failed_hosts

        return failed_hosts(doc)
    return list(doc.get("hosts") or [])


def held_hosts(doc: dict[str, Any]) -> dict[str, str]:
    """Hosts of a run or playbook job that a re-run from failure leaves alone, with why:
    the module (the play's tasks) may have run there and is not idempotent (hR finding 7)."""
    from ftltui.jobs.retry import idempotent, rerun_split

    spec = doc.get("spec") or {}
    if doc.get("kind") == "run":
        return rerun_split(doc.get("per_host") or {}, idempotent(spec.get("module", ""), spec.get("args")))[1]
    if doc.get("kind") == "playbook":
        return rerun_split(doc.get("per_host") or {}, False)[1]
    return {}


def held_note(doc: dict[str, Any], job_id: int) -> str | None:
    """What a re-run from failure did not re-run, and how to, for the face to print."""
    held = held_hosts(doc)
    if not held:
        return None
    named = ", ".join(f"{h} ({why})" for h, why in list(held.items())[:5]) + (" ..." if len(held) > 5 else "")
    return (f"not re-run on {named}: the command may have run there (README: Retries); re-run it "
            f"explicitly (`ftl-tui jobs requeue {job_id}` runs it again on all hosts)")


def held_refusal(doc: dict[str, Any], job_id: int) -> str | None:
    """The refusal when every host left to re-run is held back."""
    note = held_note(doc, job_id)
    return f"job {job_id}: nothing to re-run: {note}" if note else None


def failed_run_hosts(doc: dict[str, Any], log_path: Path) -> list[str]:
    """Hosts of a run job whose merged result (their last attempt) did not end well, and
    that a re-run may run again (:func:`~ftltui.jobs.retry.rerun_split`)."""

    from ftltui.jobs.retry import idempotent, rerun_split

    per_host = doc.get("per_host")
    if per_host:  # less the hosts where the command may have run (it is not idempotent)
        spec = doc.get("spec") or {}
        return rerun_split(per_host, idempotent(spec.get("module", ""), spec.get("args")))[0]
    bad = []
    try:
        with open(log_path, encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("event") == "HostFinished" and rec["result"]["status"] not in ("ok", "changed", "skipped"):
                    bad.append(rec["host"])
    except FileNotFoundError:
        pass
    return sorted(set(bad))


async def enqueue_again(queue: Any, doc: dict[str, Any], job_id: int, resume: bool, log_path: Path) -> Job:
    """Queue job ``job_id`` (its stored document ``doc``) again; check :func:`refusal` first."""
    from ftltui.jobs import origin
    from ftltui.jobs.kinds import enqueue_workflow

    spec = doc["spec"]
    if lost_secrets(doc):  # every face checks refusal() first; this holds if one does not
        raise FtlError(secrets_lost(job_id))
    problem = origin.mismatch(spec, queue.executor.inventory if queue.executor is not None else None, job_id)
    if problem is not None:  # never resolve the job's pattern in another inventory (hR finding 3)
        raise FtlError(problem)
    inventory = spec.get(origin.SPEC_KEY)  # kept even by a session with no engine (`--detach`)
    if doc["kind"] == "workflow":
        return await enqueue_workflow(queue, spec["file"], vars=spec.get("vars"), check=spec.get("check", False),
                                      resume=doc.get("steps") if resume else None, parent=job_id,
                                      content=spec.get("content"), inventory=inventory)
    if doc["kind"] == "playbook" and resume:  # the stored content, on the failed/unreachable hosts only
        from ftltui.jobs.playbook_kind import rerun_from_failure

        new = await rerun_from_failure(queue, doc, job_id)
        if new is None:
            raise FtlError(refusal(doc, job_id, resume) or f"job {job_id}: nothing to re-run")
        return new
    if doc["kind"] == "run" and resume:  # only the hosts that did not succeed; never again on one that finished
        failed = failed_run_hosts(doc, log_path)
        if not failed:
            raise FtlError(refusal(doc, job_id, resume, log_path) or f"job {job_id}: nothing to re-run")
        # the job's own spec (module, args, become, forks, timeout, inventory), on those hosts
        job: Job = await queue.requeue(job_id, spec={**spec, "pattern": ",".join(failed)}, hosts=failed)
        return job
    # a copy: the same spec, hosts and tries, as the console's requeue always made (hR finding 16)
    job = await queue.requeue(job_id)
    return job
