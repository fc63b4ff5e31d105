"""One task on one host: ``when``, the loop, ``until``, the action, ``changed_when``/
``failed_when``, ``register``, ``ignore_errors``, the recap count and the events.

Ansible evaluates a task's keywords per host (and ``when`` per loop item), so all of it
happens here with that host's variables; the strategy decides which hosts run a task.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ftltui.errors import FtlError, TemplateError
from ftltui.playbook.actions_controller import ACTIONS, ActionCall, evaluate_condition
from ftltui.playbook.conditionals import (
    ConditionalError,
    conditional,
    conditional_failure,
    first_false,
)
from ftltui.playbook.env_keyword import task_environment
from ftltui.playbook.events import (
    HostOutput,
    HostTaskResult,
    ItemResult,
    PlaybookWarning,
    TaskRetrying,
)
from ftltui.playbook.loops import (
    item_label,
    item_vars,
    loop_control,
    loop_items,
    loop_keyword,
)
from ftltui.playbook.model import RAW_PARAMS_ACTIONS, Task, builtin_name
from ftltui.playbook.module_call import (
    call_module,
    connection_host,
    delegate_host,
    render_args,
    with_module_defaults,
)
from ftltui.playbook.playctx import PlayRun
from ftltui.playbook.results import (
    failure_result,
    loop_result,
    registered,
    shown,
    skipped_result,
    status_of,
)
from ftltui.playbook.scope import Scope, as_list
from ftltui.playbook.templar import make_templar
from ftltui.playbook.vars import task_vars
from ftltui.templating import unsafe


@dataclass
class HostOutcome:
    """What the strategy needs from one host's run of a task."""

    host: str
    status: str  # ok changed failed unreachable skipped
    result: dict[str, Any]
    ignored: bool = False


class TaskRun:
    """A task being run by one or more hosts (one ``task_id``)."""

    def __init__(self, pc: PlayRun, task: Task, scope: Scope, task_id: str, *, handler: bool = False) -> None:
        self.pc, self.task, self.scope, self.task_id, self.handler = pc, task, scope, task_id, handler
        self.kw = task.keywords
        self.action = builtin_name(task.action)

    def keyword(self, name: str, default: Any = None) -> Any:
        return self.scope.keyword(name, self.kw, default)

    def templar_for(self, host: str) -> tuple[Any, dict[str, Any]]:
        variables = task_vars(self.pc, host, self.scope, self.kw.get("vars"))
        search = [u.role.path for u in reversed(self.scope.roles)]
        return make_templar(variables, self.pc.base_dir, search), variables

    # -- one host -------------------------------------------------------------------
    async def run_host(self, host: str) -> HostOutcome:
        try:
            templar, variables = self.templar_for(host)
            result = await self._run(host, templar, variables)
        except FtlError as exc:
            result = failure_result(exc)
            templar = None
        return self.conclude(host, result, templar)

    async def _run(self, host: str, templar: Any, variables: dict[str, Any]) -> dict[str, Any]:
        whens = list(self.scope.whens) + as_list(self.kw.get("when"))
        kind = loop_keyword(self.kw)
        if kind is None:
            stop = self._skip_or_fail(templar, whens)
            return stop if stop is not None else await self._attempts(host, templar, variables)
        if self.scope.whens:  # the enclosing blocks' conditions are checked once, before the loop
            stop = self._skip_or_fail(templar, list(self.scope.whens))
            if stop is not None:
                return stop
        items = loop_items(kind, self.kw[kind], templar, [str(u.role.path) for u in self.scope.roles]
                           + [str(self.pc.base_dir)])
        control = loop_control(templar, self.kw.get("loop_control"))
        results: list[dict[str, Any]] = []
        for i in range(len(items)):
            ivars = item_vars(items, i, control)
            itemplar = templar.with_vars(ivars)
            stop = self._skip_or_fail(itemplar, as_list(self.kw.get("when")))
            res = stop if stop is not None else await self._attempts(host, itemplar, {**variables, **ivars})
            loop_var = str(control.get("loop_var") or "item")
            res = dict(res, **{loop_var: items[i]}, ansible_loop_var=loop_var)
            if control.get("index_var"):
                res.update(ansible_index_var=control["index_var"], **{str(control["index_var"]): i})
            if control.get("extended"):
                res["ansible_loop"] = ivars["ansible_loop"]
            label = item_label(itemplar, self.kw.get("loop_control"), items[i])
            results.append(res)
            self.pc.run.emit(ItemResult(self.pc.index, self.task_id, host, status_of(res), _label(label),
                                        shown(res, self._no_log(itemplar))))
            try:
                if self._break_when(itemplar, res):
                    break
            except ConditionalError as exc:  # Ansible: the task fails with the error alone
                return conditional_failure(exc.message)
            pause = float(control.get("pause") or 0)
            if pause and i < len(items) - 1:
                await asyncio.sleep(pause)
        return loop_result(results)

    async def _attempts(self, host: str, templar: Any, variables: dict[str, Any]) -> dict[str, Any]:
        """The action once, or until ``until`` holds (``retries``, ``delay``)."""
        until = self.kw.get("until")
        if until is None:
            return self._judge(await self._once(host, templar, variables), templar)
        retries = int(templar.render(self.kw.get("retries", 3)))
        delay = float(templar.render(self.kw.get("delay", 5)))
        attempts = max(1, retries + 1)
        res: dict[str, Any] = {}
        for n in range(1, attempts + 1):
            res = self._judge(await self._once(host, templar, variables), templar)
            res["attempts"] = n
            if res.get("unreachable"):
                return res
            try:
                if conditional(self._with_register(templar, res), until, self.task.location):
                    return res
            except ConditionalError as exc:  # Ansible: the task fails with the error alone
                return {"failed": True, "changed": False, "msg": exc.message}
            if n < attempts:
                res["retries"] = attempts  # what Ansible's result says (retries + 1)
                self._retrying(host, templar, res, attempts - n)
                await asyncio.sleep(delay)
        res["failed"] = True
        res["attempts"] = max(1, attempts - 1)  # what ansible-playbook reports after the last retry
        return res

    def _retrying(self, host: str, templar: Any, res: dict[str, Any], left: int) -> None:
        delegate = self.keyword("delegate_to")
        name = self.task.name or self.task.label
        self.pc.run.emit(TaskRetrying(self.pc.index, self.task_id, host, name, left, shown(res, self._no_log(templar)),
                                      None if delegate is None else str(templar.render(delegate))))

    async def _once(self, host: str, templar: Any, variables: dict[str, Any]) -> dict[str, Any]:
        args_of: str | None = None  # the action whose arguments a template error failed (Ansible's finalization)
        try:
            # rendered for every task, as Ansible does (an undefined variable fails even a debug),
            # but only modules get it: it never reaches the controller or its actions
            environment = task_environment(self.scope.environment, self.kw.get("environment"), templar,
                                           lambda text: self.pc.run.emit(PlaybookWarning(text, host)))
            args_of = self._qualified_action()
            if "_raw_params" in self.task.args and self.action not in RAW_PARAMS_ACTIONS:  # "fail: msg=a b"
                return {"failed": True, "changed": False,
                        "msg": f"Task failed: Action {args_of!r} does not support raw params."}
            if self.action in ACTIONS:
                call = ActionCall(self.pc, self.scope, host, dict(self.task.args), templar, self.task.location,
                                  self.task.label)
                return await ACTIONS[self.action](call)
            args = render_args(with_module_defaults(self.action, self.task.action, self.task.args,
                                                    self.scope, self.kw, templar), templar)
            args_of = None
            target = connection_host(self.pc, host, self.scope, self.kw, templar, variables)
            delegate = self.keyword("delegate_to")
            if delegate is not None:
                target = delegate_host(self.pc, str(templar.render(delegate)))
            if self.action == "wait_for_connection":  # the controller retries the host's connection
                from ftltui.playbook.actions_connection import wait_for_connection

                return await wait_for_connection(self.pc, target, args,
                                                 self.pc.check_mode(self._check_kw(templar)))
            timeout = self.keyword("timeout")
            return await call_module(
                self.pc, target, self.task.action, args, check=self.pc.check_mode(self._check_kw(templar)),
                timeout=float(templar.render(timeout)) if timeout else None,
                on_output=self._output_sink(host, templar),
                scope=self.scope, templar=templar, no_log=self._no_log(templar), environment=environment)
        except FtlError as exc:
            return failure_result(exc, args_of)

    def _qualified_action(self) -> str:
        """The action as Ansible's errors name it: ``copy`` is ``ansible.builtin.copy``."""
        written = self.task.action
        return written if "." in written and written != f"ansible.legacy.{self.action}" \
            else f"ansible.builtin.{self.action}"

    def _output_sink(self, host: str, templar: Any) -> Any:
        """Live output lines as events; none for a ``no_log`` task (its output is secret)."""
        if self._no_log(templar):
            return lambda stream, text: None
        return lambda stream, text: self.pc.run.emit(HostOutput(self.pc.index, self.task_id, host, stream, text))

    def _check_kw(self, templar: Any) -> Any:
        value = self.keyword("check_mode")
        return None if value is None else evaluate_condition(templar, value)

    def _break_when(self, item_templar: Any, res: dict[str, Any]) -> bool:
        """``loop_control.break_when`` (ansible-core 2.18): after each item, with the loop
        variables and the registered name (that item's result) bound; every condition true
        ends the loop, the items after it never run."""
        raw = self.kw.get("loop_control")
        conds = as_list(raw.get("break_when")) if isinstance(raw, dict) else []
        templar = self._with_register(item_templar, res)
        return bool(conds) and all(conditional(templar, c, self.task.location) for c in conds)

    def _with_register(self, templar: Any, res: dict[str, Any]) -> Any:
        name = self.kw.get("register")
        return templar.with_vars({str(name): unsafe(registered(res))}) if name else templar

    def _judge(self, res: dict[str, Any], templar: Any) -> dict[str, Any]:
        """``changed_when`` then ``failed_when``, with the registered name bound to the result."""
        if res.get("unreachable") or res.get("skipped"):
            return res
        res = dict(res)
        where = self.task.location
        try:
            if "changed_when" in self.kw:
                res["changed"] = all(conditional(self._with_register(templar, res), c, where)
                                     for c in as_list(self.kw["changed_when"]))
            if "failed_when" in self.kw:
                failed = any(conditional(self._with_register(templar, res), c, where)
                             for c in as_list(self.kw["failed_when"]))
                res["failed_when_result"] = failed
                res["failed"] = failed
        except ConditionalError:  # Ansible: the result is failed, its own message kept
            res["failed"] = True
        return res

    def _skip_or_fail(self, templar: Any, conditions: list[Any]) -> dict[str, Any] | None:
        """The skipped result when a ``when`` is false, the failed one when a ``when`` does
        not give a boolean (Ansible 2.19), None when the task runs."""
        try:
            cond = first_false(templar, conditions, self.task.location)
        except ConditionalError as exc:
            return conditional_failure(exc.message)
        except TemplateError as exc:
            return conditional_failure(f"Task failed: Error while evaluating conditional: {exc.message}")
        return None if cond is None else skipped_result(cond)

    def _no_log(self, templar: Any) -> bool:
        value = self.keyword("no_log")
        return bool(value is not None and evaluate_condition(templar, value))

    # -- after the host ran ---------------------------------------------------------
    def conclude(self, host: str, result: dict[str, Any], templar: Any) -> HostOutcome:
        """Register, apply facts, count, emit: what every host's result goes through."""
        st = self.pc.run.host(host)
        status = status_of(result)
        ignored = False
        if status == "failed" and templar is not None and _keyword_true(templar, self.keyword("ignore_errors")):
            ignored = True
        if status == "unreachable" and templar is not None and _keyword_true(templar,
                                                                            self.keyword("ignore_unreachable")):
            ignored = True
        self.apply(host, result, status)
        if self.kw.get("register"):
            # a result is data from the host: never templated again (a "{{" in stdout stays text)
            st.fact_vars[str(self.kw["register"])] = unsafe(registered(result))
        event_result = shown(result, templar is not None and self._no_log(templar))
        delegated = self.keyword("delegate_to")
        self.pc.run.emit(HostTaskResult(self.pc.index, self.task_id, host, status, event_result, ignored,  # type: ignore[arg-type]
                                        str(delegated) if delegated is not None else None))
        return HostOutcome(host, status, result, ignored)

    def apply(self, host: str, result: dict[str, Any], status: str) -> None:
        """Facts a result carries: set_fact/include_vars into the host's variables, a
        module's ``ansible_facts`` (setup, package_facts...) into its facts (the delegated
        host's with ``delegate_facts``)."""
        st = self.pc.run.host(host)
        delegate = self.keyword("delegate_to")
        if delegate is not None and _truthy_kw(self.keyword("delegate_facts")) and "{{" not in str(delegate):
            st = self.pc.run.host(str(delegate))
        for res in result.get("results", [result]) if "results" in result else [result]:
            if not isinstance(res, dict):  # a module's own list (not a loop's items): no facts in it
                continue
            facts = res.get("ansible_facts")
            if not isinstance(facts, dict) or status_of(res) in ("failed", "unreachable", "skipped"):
                continue
            if res.get("_ftl_fact_vars"):  # set_fact: values already rendered once, never again
                st.fact_vars.update(unsafe(facts))
                if res.get("_ftl_fact_cacheable"):  # cacheable: a fact too (ansible_facts.NAME), as Ansible
                    st.facts.update({k.removeprefix("ansible_"): v for k, v in unsafe(facts).items()})
            elif res.get("_ftl_include_vars"):  # a vars file: the author's templates, rendered when used
                st.included_vars.update(facts)
            else:  # a module's facts come from the host: data
                st.facts.update({k.removeprefix("ansible_"): v for k, v in unsafe(facts).items()})


def count(pc: PlayRun, outcome: HostOutcome) -> None:
    """The recap, with ansible-playbook's rules (see state.py)."""
    run, host = pc.run, outcome.host
    if outcome.status == "skipped":
        run.count(host, "skipped")
    elif outcome.status == "unreachable":
        if outcome.ignored:  # ignore_unreachable: counted as an ignored ok, like ignore_errors
            run.count(host, "ok")
            run.count(host, "ignored")
        else:
            run.count(host, "unreachable")
    elif outcome.status == "failed":
        if outcome.ignored:
            run.count(host, "ok")
            run.count(host, "ignored")
            if outcome.result.get("changed"):
                run.count(host, "changed")
        else:
            run.count(host, "failed")
    else:
        run.count(host, "ok")
        if outcome.status == "changed":
            run.count(host, "changed")


def _keyword_true(templar: Any, value: Any) -> bool:
    return value is not None and evaluate_condition(templar, value)


def _truthy_kw(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in ("yes", "true", "1", "on", "y")


def _label(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
