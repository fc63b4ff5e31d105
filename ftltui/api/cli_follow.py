"""``play WORKFLOW.yml``, ``jobs show`` and ``jobs retry|requeue`` as clients of a live owner.

Like :mod:`ftltui.api.cli_client`: when a process serves the state directory, these
commands ask it instead of failing "in use", and print what they print alone with the
same exit status. ``show`` prints the owner's record with ``jobs show``'s own printer.
A workflow, a retry and a requeue are submitted with a follow stream
(``workflow.follow``, ``jobs.again.follow``: docs/api.md), whose events are the new
job's, from the moment it was queued, as ``play``'s printer receives them when this
process runs the queue; they are printed by that same printer (``play.Printer``).
With no owner, another inventory, or an option only this process can carry out, the
functions return ``None`` and the command goes on as before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from ftltui.api.cli_client import (
    GUARD_OPTIONS,
    OTHER_INVENTORY,
    OWN_OPTIONS,
    _cancel,
    _only_options,
    _refuse_readonly,
    refuse_if_readonly_owner,
    refuse_other_inventory,
    same_inventory,
    state_dir_of_args,
    with_owner,
)
from ftltui.api.client import ApiClient, ApiError, StreamEnded
from ftltui.api.event_decode import job_event
from ftltui.api.protocol import E_NOT_FOUND, StreamEvent
from ftltui.engine.redact import Redactor
from ftltui.errors import StateError
from ftltui.jobs.model import Job

# ``play WORKFLOW`` options a workflow job of the owner carries
WORKFLOW_DELEGABLE = frozenset({"workflow", "check", "extra_vars", "json", "inventory", "state_dir", "wait_lock",
                                "func", "command_parser", "command", "ansible_config", "vault_keyring", "demo_noted",
                                # vault passwords read here: sent in ``vault`` (vault_wire)
                                "vault_password_files", "ask_vault_pass", "vault_ids"}) | GUARD_OPTIONS
JOBS_DELEGABLE = frozenset({"jobs_cmd", "id", "detach", "json", "inventory", "state_dir", "func", "command",
                            "ansible_config", "vault_keyring", "demo_noted",
                            # the secrets a job had, given again: sent in ``secrets`` (docs/api.md)
                            "ask_become_pass", "become_password_file", "secret", "given_secrets",
                            # vault passwords read here (file, script, prompt): sent in ``vault``
                            "vault_password_files", "ask_vault_pass", "vault_ids"}) | GUARD_OPTIONS
VAULT_OPTIONS = ("vault_password_files", "ask_vault_pass", "vault_ids")


def vault_wire(args: argparse.Namespace) -> list[dict[str, str]]:
    """The vault passwords this command's keyring holds: its vault options (``--ask-vault-pass``
    asked on this terminal, once) and ansible.cfg's ``vault_password_file`` /
    ``ANSIBLE_VAULT_PASSWORD_FILE``, for the ``vault`` argument of ``jobs.again``,
    ``playbook.submit``, ``run.submit`` and ``workflow.follow``: over the owner's 0600 socket
    only, never argv, never stored (docs/api.md). A password this process read must reach the
    job it starts, as it would alone: dropping a config file's password made the owner's job
    fail "no vault password given" (review s11, finding 3)."""
    from ftltui.commands.common import keyring_of
    from ftltui.commands.options import OptionsError

    out = []
    for secret in keyring_of(args).secrets:
        try:
            out.append({"vault_id": secret.vault_id, "password": secret.password.decode("utf-8")})
        except UnicodeDecodeError:
            raise OptionsError(f"the vault password for vault id '{secret.vault_id}' is not UTF-8 text: it cannot be "
                               "sent to the owner; stop the owner and run the command here") from None
    return out


async def _show_doc(client: ApiClient, job_id: int) -> dict[str, Any]:
    """The owner's ``jobs show`` record; no such job is the store's own error (exit 4)."""
    try:
        doc: dict[str, Any] = await client.request("jobs.show", id=job_id)
    except ApiError as exc:
        if exc.code == E_NOT_FOUND:
            raise StateError(str(exc)) from None
        raise
    return doc


async def _follow(client: ApiClient, op: str, as_json: bool, workflow_path: str | None, **args: Any) -> int:
    """Submit with a follow stream and print the job as ``play``'s foreground printer does."""
    from ftltui.commands.common import print_jsonl
    from ftltui.commands.play import Printer

    printer = Printer(as_json, Redactor())  # the owner redacted every record with its own secrets
    printer.workflow_path = workflow_path
    end = StreamEnded()
    job_id = 0
    try:
        async for msg in client.stream(op, end, **args):
            if not isinstance(msg, StreamEvent):
                continue
            item = msg.event
            if "submitted" in item:
                ref = item["submitted"]
                job_id = printer.job_id = int(ref["id"])
                printer.started(Job(job_id, "", {}, state=str(ref.get("state", "")), title=str(ref.get("title", ""))))
            elif isinstance(item.get("event"), dict):
                if as_json:
                    print_jsonl(item["event"])
                    continue
                event = job_event(item["event"])
                if event is not None:
                    printer(event)
    except asyncio.CancelledError:  # Ctrl-C: as in-process, the job is cancelled
        if job_id:
            await asyncio.shield(_cancel(client, job_id))
        raise
    e = end.result or {}
    job = Job(int(e.get("id") or job_id), "", {}, state=str(e.get("state", "")), reason=str(e.get("reason") or ""),
              error_kind=e.get("error_kind"), steps=dict(e.get("steps") or {}), summary=dict(e.get("summary") or {}))
    return printer.summary(job)


def workflow_via_owner(args: argparse.Namespace, extra_vars: dict[str, Any]) -> int | None:
    """``play WORKFLOW.yml`` as a workflow job of the owner; ``None`` with no owner or
    options only this process carries out; refused (FtlError) on another inventory."""
    from ftltui.commands.common import inventory_sources

    state_dir = state_dir_of_args(args)
    if not _only_options(args, args.workflow, WORKFLOW_DELEGABLE):
        refuse_if_readonly_owner(state_dir, "play", OWN_OPTIONS)  # not "state directory in use"
        return None
    try:
        json.dumps(extra_vars)
    except (TypeError, ValueError):
        refuse_if_readonly_owner(state_dir, "play", OWN_OPTIONS)
        return None  # e.g. -e values that are not plain data
    path = Path(args.workflow).resolve()
    sources = inventory_sources(args)

    async def play(client: ApiClient) -> int | None:
        if not await same_inventory(client, sources):
            await _refuse_readonly(client, state_dir, "play", OTHER_INVENTORY)
            raise await refuse_other_inventory(client, state_dir, "play", sources)  # not "in use" (issue 16)
        vault = vault_wire(args)  # the owner's keyring takes them before the job (docs/api.md)
        return await _follow(client, "workflow.follow", bool(args.json), str(path) if args.check else None,
                             file=str(path), vars=extra_vars, check=bool(args.check), foreground=True,
                             **({"vault": vault} if vault else {}))

    return with_owner(state_dir, play)


def jobs_more_via_owner(args: argparse.Namespace) -> int | None:
    """``jobs show|retry|requeue`` through the owner; ``None`` with no owner (or, for
    retry/requeue, another inventory)."""
    from ftltui.commands.common import EXIT_BAD_INPUT, EXIT_OK, error, inventory_sources
    from ftltui.commands.jobs import print_job
    from ftltui.jobs.again import refusal

    given = {k for k, v in vars(args).items() if v not in (None, False, [], "")}
    if args.jobs_cmd != "show" and not given <= JOBS_DELEGABLE:
        refuse_if_readonly_owner(state_dir_of_args(args), f"jobs {args.jobs_cmd}", OWN_OPTIONS)
        return None

    async def show(client: ApiClient) -> int | None:
        try:
            doc = await _show_doc(client, args.id)
        except StateError:
            return None  # not in the owner's live store: archived? read here, off its loop (issue 16)
        print_job(doc, args.json)
        return EXIT_OK

    async def again(client: ApiClient) -> int | None:
        doc = await _show_doc(client, args.id)
        resume = args.jobs_cmd == "retry"
        log = Path(doc["log"]) if doc.get("log") else None  # the client is on the owner's machine
        given = getattr(args, "given_secrets", None)  # commands/jobs.py read them (-K, --secret)
        problem = refusal({**doc, "state": doc["stored_state"]}, args.id, resume, log, given)
        if problem is not None:
            error(problem)
            return EXIT_BAD_INPUT
        if not await same_inventory(client, inventory_sources(args)):
            await _refuse_readonly(client, state_dir_of_args(args), f"jobs {args.jobs_cmd}", OTHER_INVENTORY)
            return None
        secrets: dict[str, Any] = {"secrets": given.to_wire()} if given else {}  # the 0600 socket only, never argv
        vault = vault_wire(args)
        if vault:  # the owner adds them to its keyring and reads its inventory again with them
            secrets["vault"] = vault
        if args.detach:
            ref = await client.request("jobs.again", id=args.id, resume=resume, **secrets)
            print(f"job {ref['id']}: queued (from job {args.id})")
            return EXIT_OK
        return await _follow(client, "jobs.again.follow", bool(args.json), None, id=args.id, resume=resume,
                             **secrets)

    return with_owner(state_dir_of_args(args), show if args.jobs_cmd == "show" else again,
                       action=f"jobs {args.jobs_cmd}")
