"""The executor: run one module on a host pattern, concurrently, with events.

One ``Executor`` lives as long as the console (or a script's ``automation`` block):
it owns the runners, so SSH connections and remote gates are reused by every run,
and it remembers each host's last facts for ``{{ ansible_* }}`` in later arguments.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ftltui import modules
from ftltui.ansible_modules.run import (
    CENSORED,
    DEPRECATION_LABEL,
    AnsibleSpec,
    censored_result,
    deprecation_message,
)
from ftltui.engine.actions import dispatch
from ftltui.engine.ansible_actions import refusal
from ftltui.engine.events import (
    STATUSES,
    Event,
    EventBus,
    EventHandler,
    HostFinished,
    HostResult,
    HostStarted,
    OutputLine,
    RunFinished,
    RunStarted,
    Status,
    Warning_,
)
from ftltui.engine.host_source import HostSource
from ftltui.engine.local import LocalRunner
from ftltui.engine.placement import LOST_KIND, Placement, PlacementLost, ShardRequest
from ftltui.engine.redact import Redactor, names_only
from ftltui.engine.runner import Runner
from ftltui.engine.templating import has_template, host_context, render_args
from ftltui.errors import (
    HostError,
    ModuleArgsError,
    PatternError,
    TemplateError,
    UnknownModuleError,
)
from ftltui.inventory.model import Host
from ftltui.json_types import JsonDict, JsonObject
from ftltui.modules.base import ArgumentError, ModuleSpec, validate_args

if TYPE_CHECKING:
    from ftltui.engine.shards import ProcessShards

RunTarget = str | Sequence[Host]
# error kinds whose result holds the module's (or the task's) content: censored under no_log;
# transport, timeout and cancellation messages are the engine's own and stay readable, and so
# does a template error that names an undefined variable (the module never ran); one that could
# quote a value (a filter's error) is censored (_censored_kind, redact.names_only)
_MODULE_CONTENT = frozenset({None, "module_failed", "bad_args"})


@dataclass
class RunResult:
    """Every host's result of one run, plus how the run ended."""

    run_id: str
    module: str
    pattern: str
    results: dict[str, HostResult] = field(default_factory=dict)
    duration: float = 0.0
    cancelled: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {s: 0 for s in STATUSES}
        for r in self.results.values():
            counts[r.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(r.ok for r in self.results.values())

    def hosts_with(self, *statuses: str) -> list[str]:
        return [h for h, r in self.results.items() if r.status in statuses]

    @property
    def exit_code(self) -> int:
        """The CLI's contract: 0 all ok, 3 any unreachable, 2 any other failure."""
        if self.hosts_with("unreachable"):
            return 3
        if self.hosts_with("failed", "cancelled") or self.cancelled:
            return 2
        return 0

    def to_dict(self) -> JsonDict:
        return {
            "run_id": self.run_id,
            "module": self.module,
            "pattern": self.pattern,
            "duration": round(self.duration, 6),
            "cancelled": self.cancelled,
            "counts": {k: v for k, v in self.counts.items()},  # JSON: an int per status
            "results": {h: r.to_dict() for h, r in self.results.items()},
        }


@dataclass(frozen=True)
class ConnectionStats:
    """What the executor's SSH pool holds: connections, and jump hosts carrying tunnels."""

    connections: int
    tunnels: int


@dataclass
class _Run:
    """Per-run mutable state shared by the host tasks."""

    run_id: str
    module: str
    spec: ModuleSpec
    args: dict[str, Any]
    check: bool
    timeout: float | None
    fail_fast: bool
    redactor: Redactor
    emit: Callable[[Event], None]
    diff: bool = True
    no_log: bool = False
    keep_result: bool = False  # no_log: the return value keeps the real result (events never do)
    rendered: bool = False  # args were rendered by the caller (playbooks): never templated again
    # the module process's extra variables (never logged): {name: value}, or per host {host: {name: value}}
    environment: dict[str, Any] | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    cancel_requested: bool = False
    tasks: dict[str, asyncio.Task[HostResult]] = field(default_factory=dict)
    # hosts run by placements (see ftltui.engine.placement): one task per placement with hosts
    placed: list[_Placed] = field(default_factory=list)


@dataclass
class _Placed:
    """One placement's share of a run: its hosts, its task, and what its events have told so far."""

    placement: Placement
    hosts: list[Host]
    task: asyncio.Task[dict[str, HostResult]] | None = None
    started: set[str] = field(default_factory=set)
    finished: dict[str, HostResult] = field(default_factory=dict)  # as emitted (censored under no_log)


class Executor:
    """Runs modules on hosts of an inventory.

    ``inventory`` is what patterns select from (:class:`~ftltui.engine.host_source.HostSource`);
    ``None`` until one is set (a shard worker's, before the controller sends its own): runs
    on explicit hosts work, a pattern raises :class:`~ftltui.errors.PatternError`.
    ``secrets`` are extra values to redact (e.g. from ``--secret NAME``);
    ``secret_vars`` name variables whose values are secret on every host.
    """

    def __init__(
        self,
        inventory: HostSource | None,
        *,
        forks: int = 50,
        secrets: Iterable[str] = (),
        secret_vars: Iterable[str] = (),
        runners: dict[str, Runner] | None = None,
        ssh_options: Mapping[str, object] | None = None,
        base_dir: str | None = None,
        var_defaults: JsonObject | None = None,
        extra_vars: JsonObject | None = None,
        ansible_modules: Iterable[str] = (),
        verbosity: int = 0,
        placements: Sequence[Placement] = (),
        workers: int | None = 1,
    ) -> None:
        self.inventory: HostSource | None = inventory
        # ordered: the first placement that claims a host runs it; unclaimed hosts run here
        self.placements: list[Placement] = list(placements)
        # names whose Ansible implementation runs instead of the native one (--ansible-module)
        self.ansible_modules = frozenset(ansible_modules)
        self.verbosity = verbosity  # -v count: Ansible modules get it (-vvv: their tracebacks)
        self.forks = max(1, forks)
        self.bus: EventBus[Event] = EventBus()
        self.facts: dict[str, dict[str, Any]] = {}
        self.base_dir = base_dir
        self._secrets = list(secrets)
        self._secret_vars = frozenset(secret_vars)
        self._runners: dict[str, Runner] = dict(runners or {})
        self._ssh_options: dict[str, Any] = dict(ssh_options or {})  # asyncssh's options, as given
        self._runs: dict[str, _Run] = {}
        # Ansible's order: command-line options and config (lowest) < inventory < -e extra vars.
        self.var_defaults: dict[str, Any] = dict(var_defaults or {})
        self.extra_vars: dict[str, Any] = dict(extra_vars or {})
        # --workers: hosts no other placement claims spread over worker processes (ftltui.engine.shards);
        # 1 runs them in this loop; None decides from the inventory's size and the cores
        self.shards: ProcessShards | None = None
        if workers != 1:
            from ftltui.engine.shards import ProcessShards, ShardConfig

            config = ShardConfig.of(self.forks, self._secret_vars, self._ssh_options, base_dir)
            self.shards = ProcessShards(self, workers, config)
            self.placements.append(self.shards)

    # -- public API -----------------------------------------------------------------
    def resolve(self, target: RunTarget) -> list[Host]:
        """The hosts of a pattern (from the inventory) or the given hosts, each :meth:`layered`."""
        if isinstance(target, str):
            if self.inventory is None:
                raise PatternError(f"no inventory is loaded: the pattern {target!r} matches no host")
            hosts = list(self.inventory.select(target))
        else:
            hosts = list(target)
        return [self.layered(h) for h in hosts]

    def layered(self, host: Host) -> Host:
        """``host`` with the option/config layer under its vars and ``-e`` extra vars over them.

        The engine reads connection and become settings only from these ansible_* vars,
        so a command-line ``-u`` loses to an inventory ``ansible_user`` and ``-e`` wins,
        as in Ansible. The inventory's own Host objects are left unchanged.
        """
        if not self.var_defaults and not self.extra_vars:
            return host
        return replace(host, vars={**self.var_defaults, **host.vars, **self.extra_vars})

    def add_secrets(self, values: Iterable[str]) -> None:
        """More values to redact in later runs (a shard worker learns each request's secrets)."""
        known = set(self._secrets)
        self._secrets.extend(v for v in values if v not in known)

    def redactor_for(self, hosts: Iterable[Host]) -> Redactor:
        """The one place that decides what is secret in a run.

        Per host: ``ansible_password``/``ansible_ssh_pass``/``ansible_become_password``/
        ``ansible_become_pass``, names in ``secrets:``/``--secret``, and every value a
        vault decrypted (inventory, vars files, ``-e @file``), see ``Host.secret_values``.
        Plus, from the inventory's vault keyring, the vault passwords and every value
        decrypted this session (``{{ hostvars[other].x }}`` reaches other hosts' values).
        """
        redactor = Redactor(self._secrets)
        vault = self.inventory.vault if self.inventory is not None else None
        if vault is not None:
            redactor.add(vault.secret_texts())
        for h in hosts:
            redactor.add(h.secret_values(self._secret_vars))
        return redactor

    async def run(
        self,
        target: RunTarget,
        module: str,
        args: JsonObject | None = None,
        *,
        check: bool = False,
        timeout: float | None = None,
        fail_fast: bool = False,
        run_id: str | None = None,
        on_event: EventHandler | None = None,
        diff: bool = True,
        no_log: bool = False,
        keep_result: bool = False,
        rendered: bool = False,
        environment: Mapping[str, str] | Mapping[str, Mapping[str, str]] | None = None,
        forks: int | None = None,
    ) -> RunResult:
        """Run ``module`` on every host of ``target``; never raises for host failures.

        ``diff``: modules report what they change (Ansible's ``--diff``/``diff:``; the caller
        decides whether to show it; workflows keep it for drift). ``no_log``: Ansible's task
        ``no_log``: results are censored, live output and warnings are not emitted. Censoring
        happens here, at the source: every event (the bus, ``on_event``: the console, jobs,
        logs) carries the censored result; with ``keep_result`` the returned
        :class:`RunResult` alone keeps the real one (a playbook's ``register`` needs it).
        ``rendered``: ``args`` are final (the playbook runner renders them per host with its
        own variables); a ``{{`` in them is data, not a template.
        ``environment``: Ansible's ``environment`` keyword, final (rendered, strings): set for
        the module's process on the host (and what it starts), for this call only. It travels
        in the gate's request frame, never in argv, events, logs or state. Per host: a mapping
        of host names to such mappings (a workflow's templated ``environment``: one call, so
        the hosts share ``forks``); a host not in it gets none.
        ``forks``: this run's bound on hosts at once (a job's ``-f N``), instead of the
        executor's; it bounds the hosts run in this process (placements keep their own).

        Raises ``UnknownModuleError``/``ModuleArgsError``/``PatternError`` before any
        host starts. Cancelling the awaiting task cancels every host, emits their
        ``cancelled`` results and ``RunFinished``, then re-raises; :meth:`cancel`
        does the same but lets this return normally.
        """
        args = dict(args or {})
        spec = self.module_spec(module)
        precheck_args(spec, args)
        hosts = self.resolve(target)
        pattern = target if isinstance(target, str) else ",".join(h.name for h in hosts)
        run_id = run_id or uuid.uuid4().hex[:12]
        redactor = self.redactor_for(hosts)
        redactor.add(_secret_arg_values(spec, args))

        def emit(event: Event) -> None:
            self.bus.emit(event)
            if on_event is not None:
                on_event(event)

        run = _Run(run_id, spec.name, spec, args, check, timeout, fail_fast, redactor, emit, diff=diff, no_log=no_log,
                   keep_result=keep_result, rendered=rendered, environment=_environment(environment))
        self._runs[run_id] = run
        result = RunResult(run_id, spec.name, pattern)
        started = time.monotonic()
        emit(RunStarted(run_id, module=spec.name, pattern=pattern, hosts=tuple(h.name for h in hosts),
                        check=check, args={"censored": CENSORED} if no_log else redactor.obj(args)))
        if isinstance(target, str) and self.inventory is not None:
            for name in self.inventory.last_unmatched:
                emit(Warning_(run_id, host=None, text=f"pattern {name!r} matched no host"))
        if isinstance(spec, AnsibleSpec) and spec.deprecation:  # its runtime.yml deprecation, as Ansible shows it
            emit(Warning_(run_id, host=None, text=DEPRECATION_LABEL + spec.deprecation))
        sem = asyncio.Semaphore(max(1, forks) if forks is not None else self.forks)
        local = self._place(run, hosts)
        for h in local:
            run.tasks[h.name] = asyncio.create_task(self._host_task(run, h, sem), name=f"ftl:{run_id}:{h.name}")
        for placed in run.placed:
            placed.task = asyncio.create_task(self._placement_task(run, placed), name=f"ftl:{run_id}:placement")
        all_tasks: list[asyncio.Task[Any]] = [*run.tasks.values(), *(p.task for p in run.placed if p.task)]
        externally_cancelled = False
        try:
            await asyncio.gather(*all_tasks, return_exceptions=True)
        except asyncio.CancelledError:
            externally_cancelled = True
            for t in all_tasks:
                t.cancel()
            await asyncio.gather(*all_tasks, return_exceptions=True)
        finally:
            self._runs.pop(run_id, None)
        placed_results = {name: hr for p in run.placed
                          for name, hr in self._placed_results(run, p, externally_cancelled).items()}
        for h in hosts:
            if h.name in placed_results:
                result.results[h.name] = placed_results[h.name]
                continue
            task = run.tasks[h.name]
            if task.cancelled():  # only a real cancellation is ``cancelled``
                hr = self._finish(run, h.name, "cancelled", {"msg": "cancelled"}, 0.0, "cancelled")
            elif (exc := task.exception()) is not None:
                hr = self._finish(run, h.name, "failed", {"msg": _unexpected(h.name, exc)}, 0.0, "internal")
            else:
                hr = task.result()
            result.results[h.name] = hr
        result.duration = time.monotonic() - started
        result.cancelled = externally_cancelled or run.cancel_requested
        emit(RunFinished(run_id, counts=result.counts, duration=result.duration, cancelled=result.cancelled))
        if externally_cancelled:
            raise asyncio.CancelledError()
        return result

    def cancel(self, run_id: str, *, fail_fast: bool = False) -> bool:
        """Cancel a run cooperatively: its ``run()`` returns with ``cancelled=True``.

        ``fail_fast``: not the operator's cancel but a failed host elsewhere (a placement's
        run, see ``ftltui.engine.placement``): the run's hosts stop with the fail_fast message.
        """
        run = self._runs.get(run_id)
        if run is None:
            return False
        if fail_fast:
            if not run.stop.is_set():
                self._stop_fail_fast(run, "")
            return True
        run.cancel_requested = True
        run.stop.set()
        for t in run.tasks.values():
            t.cancel()
        for p in run.placed:
            p.placement.cancel(run_id)
        return True

    @property
    def active_runs(self) -> list[str]:
        return list(self._runs)

    def module_spec(self, module: str) -> ModuleSpec:
        """The native module's spec, else the installed Ansible module's (:class:`AnsibleSpec`)."""
        if not self.ansible_modules and modules.canonical(module) in modules.BUILTIN:
            return modules.load(module).SPEC  # the fast path: a plain native name
        from ftltui.ansible_modules import finder
        from ftltui.ansible_modules.run import ansible_spec

        if finder.use_native(module, None, self.ansible_modules):
            return modules.load(finder.short_name(module) or module).SPEC
        spec = ansible_spec(module, playbook_dir=self.base_dir)
        if spec is None:
            known = ", ".join(modules.available())
            raise UnknownModuleError(f"unknown module {module!r}: not native (known: {known}) and no installed "
                                     f"Ansible has it") from None
        return spec

    def _host_spec(self, spec: ModuleSpec, host: Host) -> ModuleSpec:
        """The run's spec, or Ansible's implementation where the host's ``ftl_ansible_modules`` asks."""
        if isinstance(spec, AnsibleSpec) or not host.vars.get("ftl_ansible_modules"):
            return spec
        from ftltui.ansible_modules import finder
        from ftltui.ansible_modules.run import ansible_spec

        if finder.use_native(spec.name, host.vars, self.ansible_modules):
            return spec
        return ansible_spec(spec.name, playbook_dir=self.base_dir) or spec

    def set_inventory(self, inventory: HostSource | None) -> None:
        """Run later runs on ``inventory`` (a reloaded file); runs in flight keep their hosts."""
        self.inventory = inventory

    def set_interactive(self, active: bool) -> None:
        """An operator is pressing keys in the console this Executor runs in (True) or stopped
        (False): the shard workers give the console's process more of the cores meanwhile
        (ShardConfig.input_group_nice says what it buys and costs)."""
        if self.shards is not None:
            self.shards.set_interactive(active)

    def connection_stats(self) -> ConnectionStats:
        """SSH connections open now, and of those the jump hosts carrying tunnels."""
        pool = getattr(self._runners.get("ssh"), "pool", None)
        stats = pool.stats() if pool is not None else {}
        # shard workers hold their hosts' connections (their figures as of their last run)
        extra = self.shards.connection_stats() if self.shards is not None else (0, 0)
        return ConnectionStats(int(stats.get("connections", 0)) + extra[0], int(stats.get("tunnels", 0)) + extra[1])

    async def __aenter__(self) -> Executor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        for placement in self.placements:
            await placement.close()
        for runner in self._runners.values():
            await runner.close()
        self._runners.clear()

    # -- internals ------------------------------------------------------------------
    def runner_for(self, host: Host) -> Runner:
        kind = "local" if host.connection == "local" else "ssh"
        runner = self._runners.get(kind)
        if runner is None:
            if kind == "local":
                runner = LocalRunner(max_workers=self.forks)
            else:
                from ftltui.engine.ssh import SshRunner  # heavy import: only when needed

                runner = SshRunner(inventory=self.inventory, on_warning=self._ssh_warning, **self._ssh_options)
            self._runners[kind] = runner
        return runner

    def _ssh_warning(self, host: str | None, text: str) -> None:
        self.bus.emit(Warning_("", host=host, text=text))

    async def _host_task(self, run: _Run, host: Host, sem: asyncio.Semaphore) -> HostResult:
        try:
            await sem.acquire()
        except asyncio.CancelledError:
            return self._finish(run, host.name, "cancelled", {"msg": _stop_reason(run, started=False)}, 0.0,
                                "cancelled")
        try:
            if run.stop.is_set():
                return self._finish(run, host.name, "cancelled", {"msg": _stop_reason(run, started=False)}, 0.0,
                                    "cancelled")
            run.emit(HostStarted(run.run_id, host=host.name))
            started = time.monotonic()
            try:
                hr = await self._run_on_host(run, host, started)
            except asyncio.CancelledError:
                hr = self._finish(run, host.name, "cancelled", {"msg": _stop_reason(run, started=True)},
                                  time.monotonic() - started, "cancelled")
            except Exception as exc:  # a bug or an error nobody classified: the host failed, say why
                hr = self._finish(run, host.name, "failed", {"msg": _unexpected(host.name, exc)},
                                  time.monotonic() - started, "internal")
            if run.fail_fast and hr.status in ("failed", "unreachable") and not run.stop.is_set():
                self._stop_fail_fast(run, host.name)
            return hr
        finally:
            sem.release()

    async def _run_on_host(self, run: _Run, host: Host, started: float) -> HostResult:
        def elapsed() -> float:
            return time.monotonic() - started

        def on_output(stream: str, text: str) -> None:
            if run.no_log:
                return
            run.emit(OutputLine(run.run_id, host=host.name, stream=stream, text=run.redactor.text(text)))

        try:
            args = run.args
            if not run.rendered and has_template(args):
                ctx = host_context(host, self.inventory, self.facts)
                args = render_args(args, ctx, host=host.name)
            spec = self._host_spec(run.spec, host)
            # an Ansible module validates its own arguments, on the host, as under Ansible
            params = dict(args) if isinstance(spec, AnsibleSpec) else validate_args(spec, args)
            run.redactor.add(_secret_arg_values(spec, params))
            # Ansible's raw never gets the environment keyword (measured with 2.19: not with
            # executable=, not with become either): it is a command line, not a module process
            environment = None if spec.name == "raw" else _host_environment(run.environment, host.name)
            coro = dispatch(self, self.runner_for(host), host, spec.name, params, run.check, on_output,
                            spec=spec, diff=run.diff, no_log=run.no_log, environment=environment)
            raw = await (asyncio.wait_for(coro, run.timeout) if run.timeout else coro)
        except TemplateError as exc:
            return self._finish(run, host.name, "failed", {"failed": True, "msg": str(exc)}, elapsed(), "template")
        except ArgumentError as exc:
            return self._finish(run, host.name, "failed", {"failed": True, "msg": str(exc)}, elapsed(), "bad_args")
        except (asyncio.TimeoutError, TimeoutError):
            msg = f"{host.name}: timed out after {run.timeout:g}s"
            return self._finish(run, host.name, "failed", {"msg": msg}, elapsed(), "timeout")
        except HostError as exc:
            status: Status = "unreachable" if exc.unreachable else "failed"
            res: dict[str, Any] = {"msg": str(exc)}
            if status == "unreachable":
                res["unreachable"] = True
            return self._finish(run, host.name, status, res, elapsed(), exc.kind)
        for text in _module_warnings(raw) if isinstance(run.spec, AnsibleSpec) and not run.no_log else ():
            run.emit(Warning_(run.run_id, host=host.name, text=run.redactor.text(text)))
        if run.spec.name == "facts" and isinstance(raw.get("ansible_facts"), dict) and not raw.get("failed"):
            self.facts[host.name] = raw["ansible_facts"]
        kind: str | None
        if raw.get("failed"):
            status, kind = "failed", "module_failed"
        elif raw.get("skipped"):
            status, kind = "skipped", None
        else:
            status, kind = ("changed" if raw.get("changed") else "ok"), None
        return self._finish(run, host.name, status, raw, elapsed(), kind)

    def _stop_fail_fast(self, run: _Run, failed_host: str) -> None:
        """``fail_fast``: a host failed, so every other host of the run stops, here and in placements."""
        run.stop.set()
        for name, t in run.tasks.items():
            if name != failed_host:
                t.cancel()
        for p in run.placed:
            p.placement.cancel(run.run_id, fail_fast=True)

    # -- placements -------------------------------------------------------------------
    def _place(self, run: _Run, hosts: list[Host]) -> list[Host]:
        """Give each host to the first placement that claims it (``run.placed``); the rest run here."""
        if not self.placements:
            return hosts
        local: list[Host] = []
        shares: dict[int, _Placed] = {}
        for h in hosts:
            for i, p in enumerate(self.placements):
                if p.claims(h):
                    shares.setdefault(i, _Placed(p, [])).hosts.append(h)
                    break
            else:
                local.append(h)
        run.placed = [shares[i] for i in sorted(shares)]
        return local

    def shard_request(self, run_id: str, module: str, args: JsonObject, hosts: Sequence[Host], *,
                      check: bool = False, diff: bool = True, timeout: float | None = None,
                      fail_fast: bool = False, no_log: bool = False, rendered: bool = False,
                      environment: Mapping[str, str] | Mapping[str, Mapping[str, str]] | None = None,
                      secrets: Iterable[str] = ()) -> ShardRequest:
        """The :class:`ShardRequest` for running this call on ``hosts`` elsewhere, with the facts
        its templates may read (none when nothing is templated)."""
        facts: dict[str, dict[str, Any]] = {}
        templated = module == "template" or (not rendered and has_template(args))
        if templated:
            wanted = self.facts if module == "template" or "hostvars" in repr(args) else \
                {h.name: self.facts[h.name] for h in hosts if h.name in self.facts}
            facts = dict(wanted)
        env: dict[str, Any] | None = dict(environment) if environment is not None else None  # flat or per host
        return ShardRequest(run_id=run_id, module=module, args=args if isinstance(args, dict) else dict(args),
                            hosts=tuple(hosts), check=check, diff=diff, timeout=timeout, fail_fast=fail_fast,
                            no_log=no_log, rendered=rendered,
                            environment=env, verbosity=self.verbosity,
                            ansible_modules=tuple(sorted(self.ansible_modules)), base_dir=self.base_dir,
                            facts=facts, secrets=tuple(sorted(secrets)))

    async def _placement_task(self, run: _Run, placed: _Placed) -> dict[str, HostResult]:
        request = self.shard_request(run.run_id, run.module, run.args, placed.hosts, check=run.check, diff=run.diff,
                                     timeout=run.timeout, fail_fast=run.fail_fast, no_log=run.no_log,
                                     rendered=run.rendered, environment=_for_hosts(run.environment, placed.hosts),
                                     secrets=run.redactor.secrets)
        names = {h.name for h in placed.hosts}

        def emit(event: Event) -> None:
            host = getattr(event, "host", None)
            if isinstance(event, (RunStarted, RunFinished)) or (host is not None and host not in names):
                return  # the executor's own events, or not this placement's host
            if isinstance(event, OutputLine):
                if run.no_log:
                    return
                event = replace(event, text=run.redactor.text(event.text))
            elif isinstance(event, Warning_):
                if run.no_log and host is not None:
                    return
                event = replace(event, text=run.redactor.text(event.text))
            elif isinstance(event, HostStarted):
                placed.started.add(event.host)
            elif isinstance(event, HostFinished):
                if event.host in placed.finished:
                    return  # one result per host, whatever the placement repeats
                shown = self._shown(run, replace(event.result, result=run.redactor.obj(event.result.result)))
                event = replace(event, result=shown)
                placed.finished[event.host] = shown
                if run.fail_fast and shown.status in ("failed", "unreachable") and not run.stop.is_set():
                    self._stop_fail_fast(run, event.host)
            run.emit(event)

        return await placed.placement.run(request, list(placed.hosts), emit)

    def _shown(self, run: _Run, real: HostResult) -> HostResult:
        """What events carry for ``real``: censored under ``no_log`` unless it is the engine's own message."""
        if run.no_log and _censored_kind(real):
            return replace(real, result=censored_result(real.result))
        return real

    def _placed_results(self, run: _Run, placed: _Placed, externally_cancelled: bool) -> dict[str, HostResult]:
        """Every host of a placement's share, once: its real result, else the one its events gave,
        else ``cancelled`` (the run was cancelled or stopped by fail_fast) or ``lost`` (uncertain)."""
        task = placed.task
        returned: dict[str, HostResult] = {}
        error: BaseException | None = None
        if task is not None and not task.cancelled():
            error = task.exception()
            if error is None:
                returned = task.result() or {}
        out: dict[str, HostResult] = {}
        for h in placed.hosts:
            real = returned.get(h.name)
            if real is not None:
                real = replace(real, result=run.redactor.obj(real.result))
                if h.name not in placed.finished:  # a result without its event: the event now
                    shown = self._shown(run, real)
                    placed.finished[h.name] = shown
                    run.emit(HostFinished(run.run_id, host=h.name, result=shown))
                if run.spec.name == "facts" and real.ok and isinstance(real.result.get("ansible_facts"), dict):
                    self.facts[h.name] = real.result["ansible_facts"]
                out[h.name] = real if run.keep_result else self._shown(run, real)
            elif h.name in placed.finished:
                out[h.name] = placed.finished[h.name]
            elif externally_cancelled or run.cancel_requested or (task is not None and task.cancelled()) \
                    or run.stop.is_set():
                out[h.name] = self._finish(run, h.name, "cancelled",
                                           {"msg": _stop_reason(run, started=h.name in placed.started)}, 0.0,
                                           "cancelled")
            else:
                msg = str(error) if error is not None and str(error) else "the host's placement ended without its result"
                if error is not None and not isinstance(error, PlacementLost):
                    msg = _unexpected(h.name, error).replace("unexpected error", "placement failed", 1)
                out[h.name] = self._finish(run, h.name, "failed", {"msg": f"{h.name}: {msg}" if not
                                           msg.startswith(f"{h.name}:") else msg}, 0.0, LOST_KIND)
        return out

    def _finish(self, run: _Run, host: str, status: Status, result: dict[str, Any], duration: float,
                error_kind: str | None) -> HostResult:
        """Emit the host's result (censored under ``no_log``) and return it (real with ``keep_result``)."""
        result = dict(result)
        result.setdefault("changed", status == "changed")
        if status in ("failed", "unreachable"):
            result["failed"] = status == "failed" or result.get("failed", False)
        real = HostResult(host, status, run.redactor.obj(result), duration, error_kind)
        censor = run.no_log and _censored_kind(real)  # the engine's own messages stay readable
        shown = replace(real, result=censored_result(real.result)) if censor else real
        run.emit(HostFinished(run.run_id, host=host, result=shown))
        return real if run.keep_result else shown


def _censored_kind(result: HostResult) -> bool:
    """Is this result's content censored under ``no_log``? A module's output and bad arguments
    are; a template error only when its message could quote a value (a filter's error), not
    when it names an undefined variable (redact.names_only)."""
    if result.error_kind in _MODULE_CONTENT:
        return True
    return result.error_kind == "template" and not names_only(str(result.result.get("msg", "")))


def _environment(env: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The ``environment`` to send, checked once: names and values are strings, names are
    usable (no ``=``, no NUL), so a host never gets a request it cannot apply. A mapping
    whose values are all mappings is per host (values are never mappings otherwise)."""
    if not env:
        return None
    if all(isinstance(v, Mapping) for v in env.values()):
        return {str(host): _environment(one) or {} for host, one in env.items()} or None
    out: dict[str, str] = {}
    for name, value in env.items():
        if not isinstance(name, str) or not name or "=" in name or "\0" in name:
            raise ModuleArgsError(f"environment: {str(name)[:60]!r} is not a usable variable name")
        if not isinstance(value, str) or "\0" in value:
            raise ModuleArgsError(f"environment: the value of {name} must be a string without NUL characters")
        out[name] = value
    return out


def _per_host(env: dict[str, Any] | None) -> bool:
    return env is not None and bool(env) and all(isinstance(v, dict) for v in env.values())


def _host_environment(env: dict[str, Any] | None, host: str) -> dict[str, str] | None:
    """One host's variables from a run's ``environment`` (flat, or per host)."""
    if env is not None and _per_host(env):
        return env.get(host) or None
    return env


def _for_hosts(env: dict[str, Any] | None, hosts: Sequence[Host]) -> dict[str, Any] | None:
    """What a placement is sent: a per-host ``environment`` only for its own hosts."""
    if env is None or not _per_host(env):
        return env
    names = {h.name for h in hosts}
    return {h: e for h, e in env.items() if h in names} or None


def _unexpected(host: str, exc: BaseException) -> str:
    """The message of an exception no layer turned into a typed error (kind ``internal``)."""
    text = str(exc).strip()
    return f"{host}: unexpected error: {type(exc).__name__}" + (f": {text}" if text else "")


def _stop_reason(run: _Run, *, started: bool) -> str:
    if run.fail_fast and run.stop.is_set() and not run.cancel_requested:
        return ("cancelled" if started else "not started") + ": an earlier host failed (fail_fast)"
    return "cancelled"


def precheck_args(spec: ModuleSpec, args: JsonObject) -> None:
    """The spec's checks that need no host (:meth:`ModuleSpec.precheck`), as the error a
    user reads: a misspelt argument fails before any host is touched."""
    try:
        spec.precheck(args if isinstance(args, dict) else dict(args), templated=has_template(args))
    except ArgumentError as exc:
        raise ModuleArgsError(str(exc)) from None
    refused = refusal(spec) if isinstance(spec, AnsibleSpec) else None
    if refused is not None:  # a controller plugin ftl-tui lacks: no host could run it (hD #9)
        raise ModuleArgsError(refused)


def _module_warnings(raw: dict[str, Any]) -> list[str]:
    """An Ansible module's warnings and deprecations, as lines to show (CLI, console, JSON)."""
    out = [str(w.get("msg", w)) if isinstance(w, dict) else str(w) for w in raw.get("warnings") or ()]
    for d in raw.get("deprecations") or ():  # Ansible's words (ansible_modules/run.deprecation_message)
        out.append(DEPRECATION_LABEL + (deprecation_message(d) if isinstance(d, dict) else str(d)))
    return out


def _secret_arg_values(spec: ModuleSpec, params: dict[str, Any]) -> list[str]:
    out = []
    for name in spec.secret_args():
        value = params.get(name)
        if value not in (None, ""):
            out.append(str(value))
        arg = spec.args.get(name)  # an AnsibleSpec's no_log options are not declared args
        for alias in arg.aliases if arg is not None else ():
            if params.get(alias) not in (None, ""):
                out.append(str(params[alias]))
    return out
