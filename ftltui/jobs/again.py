"""``jobs retry`` and ``jobs requeue``: a finished job queued again, as a new linked job.

One function for both faces: ``ftl-tui jobs retry`` owning the state directory, and the
owner doing it for a client (``jobs.again`` in docs/api.md), so a retry means the same
wherever it is asked. ``resume`` (retry) re-runs from failure: a workflow keeps its
succeeded steps, a run goes to its failed hosts only, a playbook to its failed and
unreachable hosts only (never again on a host that finished it); requeue runs a copy.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftltui.errors import FtlError
from ftltui.jobs.model import Job

RETRIABLE = frozenset({"failed", "dead", "cancelled", "succeeded", "upstream_failed"})
BECOME = "become_password"  # a job secret kind (Job.secret_kinds); the others are PREFIX:NAME
# the spec key holding the values of a PREFIX:NAME kind, by job kind
_PLACES: dict[str, dict[str, str]] = {"run": {"arg": "args"}, "playbook": {"prompt": "answers"},
                                      "workflow": {"var": "vars"}}
_WHAT = {"arg": "the secret argument", "prompt": "the private vars_prompt answer", "var": "the secret variable"}


@dataclass(frozen=True)
class GivenSecrets:
    """The secrets a re-run is given again, as the first run took them: ``become_password``
    (``-K``, the console's become prompt) and ``values`` by name (a module argument such as
    ``password``, a private ``vars_prompt`` answer, a workflow's secret variable). A record
    whose repr names the names only, so a log line or a traceback never shows a value."""

    become_password: str | None = field(default=None, repr=False)
    values: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return bool(self.become_password) or bool(self.values)

    def __repr__(self) -> str:
        become = "********" if self.become_password else None
        return f"GivenSecrets(become_password={become!r}, values={sorted(self.values)!r})"

    __str__ = __repr__

    def value_of(self, kind: str) -> str | None:
        """The value given for one secret kind (``become_password``, ``arg:password``, ...)."""
        if kind == BECOME:
            return self.become_password or None
        return self.values.get(kind.partition(":")[2]) or None

    def to_wire(self) -> dict[str, Any]:
        """``jobs.again``'s ``secrets`` argument (docs/api.md): over the owner's 0600 socket only."""
        return {"become_password": self.become_password, "values": dict(self.values)}

    @classmethod
    def from_wire(cls, value: Any) -> GivenSecrets:
        """The ``secrets`` argument checked: ``ValueError`` naming what is wrong, never a value."""
        if value is None:
            return cls()
        if not isinstance(value, dict) or set(value) - {"become_password", "values"}:
            raise ValueError("expected an object with 'become_password' and 'values'")
        become, values = value.get("become_password"), value.get("values") or {}
        if become is not None and not isinstance(become, str):
            raise ValueError("'become_password': expected a string")
        if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
            raise ValueError("'values': expected an object of strings")
        return cls(become or None, dict(values))


def secret_kinds(doc: Mapping[str, Any]) -> list[str] | None:
    """Which secrets the job had (names and kinds, never values); ``None`` when its document
    does not say (a job of an older version, or one that had none)."""
    kinds = doc.get("secret_kinds")
    return [str(k) for k in kinds] if kinds else None


def _what(kind: str) -> str:
    prefix, _, name = kind.partition(":")
    return "a become password" if kind == BECOME else f"{_WHAT.get(prefix, 'the secret')} {name}"


def _option(kind: str) -> str:
    return "-K (or --become-password-file FILE)" if kind == BECOME else f"--secret {kind.partition(':')[2]}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def missing_secrets(doc: Mapping[str, Any], given: GivenSecrets | None = None) -> list[str] | None:
    """The secret kinds a re-run of ``doc`` still needs (``[]``: none, all given); ``None``
    when its secrets are lost but its document does not say which (an older version)."""
    if not lost_secrets(doc):
        return []
    kinds = secret_kinds(doc)
    if kinds is None:
        return None
    return [k for k in kinds if (given or GivenSecrets()).value_of(k) is None]


def secrets_lost(job_id: int, doc: Mapping[str, Any] | None = None, given: GivenSecrets | None = None) -> str:
    """The refusal of a re-run whose job had secrets not given again (the words of the
    ``secrets_lost`` outcome): which ones and the option for each when its document says,
    else the general words of older versions."""
    missing = missing_secrets(doc, given) if doc is not None else None
    if not missing:
        return (f"job {job_id} had secret arguments, which are never stored (secrets lost): "
                "submit it again with them")
    whats, options = [_what(k) for k in missing], list(dict.fromkeys(_option(k) for k in missing))
    return (f"job {job_id} used {_and(whats)}, which {'is' if len(whats) == 1 else 'are'} never stored "
            f"(secrets lost): add {_and(options)}")


def not_held(job_id: int, kinds: list[str] | None, ran_before: bool = False) -> str:
    """Why a job that had secrets failed when it came to run: the process that queued it
    ended (it held them in memory only) and this one never had them. Names them, and the
    re-run that gives them again, when the job says which (the ``secrets_lost`` outcome).

    ``ran_before``: an earlier attempt ran (its owner died mid-run, and this is the retry):
    ``jobs retry`` resumes it (a workflow keeps its succeeded steps, a run goes to the hosts
    that did not finish), where ``jobs requeue`` would run everything again (session 10
    review, finding 2)."""
    again = "retry" if ran_before else "requeue"
    ended = "the process that ran it ended mid-run" if ran_before else "the process that queued it ended before it ran"
    if not kinds:
        return f"secret arguments are never stored, and {ended}: `ftl-tui jobs {again} {job_id}` with them"
    whats, options = [_what(k) for k in kinds], list(dict.fromkeys(_option(k) for k in kinds))
    verb = "resumes it" if ran_before else "runs it"
    return (f"{_and(whats)} never stored, and {ended}: "
            f"`ftl-tui jobs {again} {job_id}` with {_and(options)} {verb}")


def lost_secrets(doc: Mapping[str, Any]) -> bool:
    """Did the job hold secrets that its stored document has only as ``********``? A re-run
    of that document would hand the mask to the module as the value (su/sudo password, a
    ``password=`` argument set to ``********``: hV2 finding 2). A workflow recomputes its
    secrets from its file, so only its masked ``vars`` are lost."""
    from ftltui.engine.redact import MASK

    if doc.get("kind") == "workflow":
        return MASK in json.dumps((doc.get("spec") or {}).get("vars") or {}, default=str)
    return bool(doc.get("has_secrets"))


def unknown_secrets(doc: Mapping[str, Any], job_id: int, given: GivenSecrets | None) -> str | None:
    """The refusal of ``--secret NAME`` values the job did not have (a typo would otherwise
    leave the real one missing, or set an argument the job never had), else ``None``."""
    kinds = secret_kinds(doc) or []
    unknown = sorted(set((given or GivenSecrets()).values) - {k.partition(":")[2] for k in kinds if k != BECOME})
    if not unknown:
        return None
    return (f"job {job_id} had no secret named {', '.join(unknown)}; it had "
            + (_and([_what(k) for k in kinds]) if kinds else "none that --secret gives"))


def _put(spec: dict[str, Any], job_kind: str, kind: str, value: str) -> bool:
    """Put one secret back in its place in a job's spec (False: this job has no such place)."""
    if kind == BECOME and job_kind == "run":
        become = spec.get("become")
        if not isinstance(become, dict):
            return False
        become["password"] = value
        return True
    if kind == BECOME and job_kind == "playbook":
        spec["become_password"] = value
        return True
    prefix, _, name = kind.partition(":")
    key = _PLACES.get(job_kind, {}).get(prefix)
    target = spec.setdefault(key, {}) if key is not None else None
    if not isinstance(target, dict):
        return False
    target[name] = value
    return True


def restored(doc: Mapping[str, Any], job_id: int,
             given: GivenSecrets | None) -> tuple[dict[str, Any], list[str], list[str]]:
    """The job's spec with the secrets given again in their places, their values (job secrets
    of the new job: masked everywhere, kept in memory only) and their kinds. A secret the job
    had and was not given raises the ``secrets lost`` refusal, naming it; a name the job did
    not have is refused too. The mask ``********`` is never left as a value (hV2 finding 2).
    A become password is taken for any playbook or become run: ``play -K`` gave it to its own
    session, not to the job, so its re-run needs it again without the job saying so."""
    from ftltui.engine.redact import MASK

    given = given or GivenSecrets()
    missing = missing_secrets(doc, given)
    if missing is None or missing:
        raise FtlError(secrets_lost(job_id, doc, given))
    spec: dict[str, Any] = copy.deepcopy(dict(doc.get("spec") or {}))
    job_kind, kinds = str(doc.get("kind")), list(secret_kinds(doc) or [])
    if given.become_password and BECOME not in kinds:
        kinds.append(BECOME)
    unknown = unknown_secrets(doc, job_id, given)
    if unknown:
        raise FtlError(unknown)
    values = []
    for kind in kinds:
        value = given.value_of(kind)
        if value is None:
            continue
        if not _put(spec, job_kind, kind, value):
            raise FtlError(f"job {job_id} ({job_kind}) takes no {_what(kind).removeprefix('a ')}")
        values.append(value)
    if lost_secrets(doc) and MASK in json.dumps(spec, default=str):  # never run with the mask as a value
        raise FtlError(f"job {job_id}: its stored record still has ******** where no secret given again goes "
                       "(a secret's text inside another argument?), so it cannot be re-run as stored: "
                       "submit it again")
    return spec, values, kinds


def refusal(doc: dict[str, Any], job_id: int, resume: bool, log_path: Path | None = None,
            given: GivenSecrets | None = None) -> str | None:
    """Why the job cannot be queued again (the message the command prints), else ``None``.
    ``log_path``: the job's output log, where a run job's host results are when its
    document has no per-host ledger (jobs of older versions). ``given``: the secrets the
    job had, given again (without them such a job is refused, naming what to add)."""
    if doc["state"] not in RETRIABLE:
        return f"job {job_id} is {doc['state']}; only finished jobs can be retried"
    problem = _nothing_to_rerun(doc, job_id, resume, log_path)
    if problem is not None:  # said before the secrets are asked for: they would be typed for nothing
        return problem
    if given and unknown_secrets(doc, job_id, given):
        return unknown_secrets(doc, job_id, given)
    if missing_secrets(doc, given) != []:  # never run with the mask as the secret's value (hV2 finding 2)
        return secrets_lost(job_id, doc, given)
    return None


def _nothing_to_rerun(doc: dict[str, Any], job_id: int, resume: bool, log_path: Path | None) -> str | None:
    """A re-run from failure of a run or playbook that every host finished (or is held back)."""
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


async def enqueue_again(queue: Any, doc: dict[str, Any], job_id: int, resume: bool, log_path: Path,
                        given: GivenSecrets | None = None) -> Job:
    """Queue job ``job_id`` (its stored document ``doc``) again; check :func:`refusal` first.
    ``given``: its secrets given again (:func:`restored`), job secrets of the new job."""
    from ftltui.jobs import origin
    from ftltui.jobs.kinds import enqueue_workflow

    spec, values, kinds = doc["spec"], list[str](), list[str]()
    if lost_secrets(doc) or given:  # every face checks refusal() first; restored() holds if one does not
        spec, values, kinds = restored(doc, job_id, given)
    secret_kw: dict[str, Any] = {"secrets": values, "secret_kinds": kinds} if values else {}
    problem = origin.mismatch(spec, queue.executor.inventory if queue.executor is not None else None, job_id)
    if problem is not None:  # never resolve the job's pattern in another inventory (hR finding 3)
        raise FtlError(problem)
    inventory = spec.get(origin.SPEC_KEY)  # kept even by a session with no engine (`--detach`)
    if doc["kind"] == "workflow":
        return await enqueue_workflow(queue, spec["file"], vars=spec.get("vars"), check=spec.get("check", False),
                                      resume=doc.get("steps") if resume else None, parent=job_id,
                                      content=spec.get("content"), inventory=inventory, extra_secrets=values)
    if doc["kind"] == "playbook" and resume:  # the stored content, on the failed/unreachable hosts only
        from ftltui.jobs.playbook_kind import rerun_from_failure

        new = await rerun_from_failure(queue, {**doc, "spec": spec}, job_id, **secret_kw)
        if new is None:
            raise FtlError(refusal(doc, job_id, resume, given=given) or f"job {job_id}: nothing to re-run")
        return new
    if doc["kind"] == "run" and resume:  # only the hosts that did not succeed; never again on one that finished
        failed = failed_run_hosts(doc, log_path)
        if not failed:
            raise FtlError(refusal(doc, job_id, resume, log_path, given) or f"job {job_id}: nothing to re-run")
        # the job's own spec (module, args, become, forks, timeout, inventory), on those hosts
        job: Job = await queue.requeue(job_id, spec={**spec, "pattern": ",".join(failed)}, hosts=failed, **secret_kw)
        return job
    # a copy: the same spec, hosts and tries, as the console's requeue always made (hR finding 16)
    job = await queue.requeue(job_id, spec=spec if values else None, **secret_kw)
    return job
