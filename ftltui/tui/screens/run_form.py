"""The run form: pick a module (fuzzy), fill its declared args (validated as you type).

Fields are generated from the module's ``SPEC.args``: a choice list or a boolean is a
select, a secret is a password input, anything else a text input (lists as
``a,b`` or JSON, mappings as JSON). ``ctrl+r`` (or enter on a field) runs it.

``ctrl+b`` toggles become (the row shows when it is on, or when the hosts already
become): user and method go with the run; if the hosts' variables hold no become
password, a password prompt asks for one when the run is submitted (empty: none is
needed, as with NOPASSWD). The password travels only in the request, never on screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static, Switch
from textual.widgets.option_list import Option

from ftltui.ansible_modules.docs import controller_spec
from ftltui import modules
from ftltui.console.run_args import RunBecome
from ftltui.modules.base import Arg, ModuleSpec
from ftltui.tui.fuzzy import rank
from ftltui.tui.plain import plain
from ftltui.tui.services import validate_run_args


@dataclass
class RunRequest:
    hosts: list[str]
    module: str
    args: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    become: RunBecome | None = field(default=None, repr=False)  # the become toggle, its password a job secret


class ModuleInput(Input):
    BINDINGS = [
        Binding("down", "pick(1)", "Next module", show=False, id="runform.module_next"),
        Binding("up", "pick(-1)", "Prev module", show=False, id="runform.module_prev"),
    ]

    def action_pick(self, step: int) -> None:
        ol = self.screen.query_one("#module-list", OptionList)
        if ol.option_count:
            cur = ol.highlighted if ol.highlighted is not None else -1
            ol.highlighted = max(0, min(ol.option_count - 1, cur + step))


# The picker shows the best matches only: an Ansible installation has ~10,000 modules
PICKER_LIMIT = 200


def module_names() -> list[str]:
    """Native modules, then every installed Ansible module by FQCN (the listing is cached per process)."""
    try:
        from ftltui.ansible_modules.catalog import names

        return names()
    except Exception:  # an unreadable Ansible installation must not take the form down
        return modules.available()


def _parse_value(arg: Arg, text: str) -> Any:
    text = text.strip()
    if arg.type in ("list", "dict", "raw") and text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


class RunFormScreen(ModalScreen[RunRequest | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="runform.cancel"),
        Binding("ctrl+r", "submit", "Run", id="runform.submit", priority=True),
        Binding("ctrl+t", "toggle_check", "Check mode", id="runform.check", priority=True),
        Binding("ctrl+b", "toggle_become", "Become", id="runform.become", priority=True, show=False),
    ]
    DEFAULT_CSS = """
    RunFormScreen #become-options { height: 3; display: none; }
    RunFormScreen #become-options.-shown { display: block; }
    RunFormScreen #become-options Label { padding: 1 0; }
    RunFormScreen #become-user { width: 20; }
    RunFormScreen #become-method { width: 14; }
    RunFormScreen #run-keys { width: 1fr; padding: 1 0 0 2; color: $text-muted; }
    """

    def __init__(self, hosts: list[str], label: str, module: str | None = None) -> None:
        super().__init__()
        self.hosts = hosts
        self.label = label
        self.names = module_names()
        self.module: str | None = None
        self.spec: ModuleSpec | None = None
        self.error: str | None = "pick a module"
        self._initial = module

    def compose(self) -> ComposeResult:
        with Vertical(id="run-form", classes="dialog"):
            yield Static(plain(f"Run on {self.label}" + ("" if "host" in self.label else f" ({len(self.hosts)} host(s))"), style="bold"), id="run-title")
            yield ModuleInput(placeholder="module (fuzzy: type to filter, ↑↓ pick, enter choose)",
                              id="module-input")
            yield OptionList(*[Option(n, id=n) for n in self.names[:PICKER_LIMIT]], id="module-list")
            yield Static("", id="module-summary")
            yield VerticalScroll(id="arg-fields")
            with Horizontal(id="run-options"):
                yield Label("check mode ")
                yield Switch(value=False, id="check-switch")
                yield Static("", id="run-error")
            become = self._host_become()
            with Horizontal(id="become-options", classes="-shown" if become else ""):
                yield Label("become ")
                yield Switch(value=bool(become), id="become-switch")
                yield Label(" as ")
                yield Input(value=str(become.get("ansible_become_user") or ""), placeholder="root",
                            id="become-user")
                method = str(become.get("ansible_become_method") or "sudo")
                yield Select([("sudo", "sudo"), ("su", "su")], value=method if method in ("sudo", "su") else "sudo",
                             allow_blank=False, id="become-method")
            with Horizontal(id="run-buttons"):
                yield Button("Run (ctrl+r)", id="run-submit", variant="primary", disabled=True)
                yield Button("Cancel (esc)", id="run-cancel")
                # the become row is hidden until asked for: its key must be on the form
                yield Static(Text("ctrl+t check · ctrl+b become"), id="run-keys")

    def on_mount(self) -> None:
        self.query_one("#module-list", OptionList).highlighted = 0
        self.validate()
        if self._initial:
            self.query_one(ModuleInput).value = self._initial
            self.choose(self._initial)
        else:
            self.query_one(ModuleInput).focus()

    # -- module picker ------------------------------------------------------------------
    @on(Input.Changed, "#module-input")
    def _filter_modules(self, event: Input.Changed) -> None:
        ol = self.query_one("#module-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(n, id=n) for n in rank(event.value, self.names, limit=PICKER_LIMIT)])
        if ol.option_count:
            ol.highlighted = 0

    @on(Input.Submitted, "#module-input")
    def _module_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ol = self.query_one("#module-list", OptionList)
        if ol.highlighted is not None and ol.option_count:
            self.choose(str(ol.get_option_at_index(ol.highlighted).id))
        else:
            self.app.bell()

    @on(OptionList.OptionSelected, "#module-list")
    def _module_selected(self, event: OptionList.OptionSelected) -> None:
        self.choose(str(event.option.id))

    def choose(self, name: str) -> None:
        self.module = name
        self.spec = controller_spec(name)
        self.query_one(ModuleInput).value = name
        self.query_one("#module-summary", Static).update(Text(f"{name}: {self.spec.summary}", style="italic"))
        self.query_one("#module-list", OptionList).display = False
        box = self.query_one("#arg-fields", VerticalScroll)
        box.remove_children()
        widgets = []
        args = sorted(self.spec.args.items(), key=lambda kv: (not kv[1].required, kv[0] != self.spec.free_form,
                                                              kv[0]))
        for name_, arg in args:
            req = " *" if arg.required else ""
            desc = f"{name_} ({arg.type}){req}"
            widgets.append(Label(Text(desc, style="bold" if arg.required else ""), classes="arg-label"))
            widgets.append(self._field(name_, arg))
        box.mount_all(widgets)
        self.validate()
        if widgets:
            self.call_after_refresh(lambda: widgets[1].focus())

    def _field(self, name: str, arg: Arg) -> Any:
        fid = f"arg-{name}"
        if arg.choices or arg.type == "bool":
            values = [str(c) for c in arg.choices] if arg.choices else ["yes", "no"]
            return Select([(v, v) for v in values], prompt=f"default: {arg.default}", id=fid, allow_blank=True,
                          classes="arg-field")
        placeholder = arg.help or ""
        if arg.default not in (None, "", [], {}):
            placeholder = f"{placeholder} (default {arg.default})".strip()
        return Input(placeholder=placeholder, password=arg.secret, id=fid, classes="arg-field")

    # -- values & validation -------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.spec is None:
            return out
        for name, arg in self.spec.args.items():
            w = self.query_one(f"#arg-{name}")
            if isinstance(w, Select):
                value = w.value
                if isinstance(value, str) and value and type(value) is str:  # Select.NULL is a str subclass
                    out[name] = value
            elif isinstance(w, Input) and w.value.strip():
                out[name] = _parse_value(arg, w.value)
        return out

    def validate(self) -> None:
        if self.module is None:
            self.error = "pick a module"
        else:
            self.error = validate_run_args(self.module, self.values())
        err = self.query_one("#run-error", Static)
        err.update(Text(f"  ✖ {self.error}" if self.error else "  ✔ ready"))
        err.set_class(self.error is not None, "-error")  # colours from the theme (app.tcss)
        err.set_class(self.error is None, "-ready")
        self.query_one("#run-submit", Button).disabled = self.error is not None

    @on(Input.Changed, ".arg-field")
    @on(Select.Changed, ".arg-field")
    def _changed(self, event: Any) -> None:
        self.validate()

    @on(Input.Submitted, ".arg-field")
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#run-submit")
    def _pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#run-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_toggle_check(self) -> None:
        sw = self.query_one("#check-switch", Switch)
        sw.value = not sw.value

    def action_toggle_become(self) -> None:
        sw = self.query_one("#become-switch", Switch)
        sw.value = not sw.value
        self.query_one("#become-options").set_class(True, "-shown")
        if sw.value:
            self.query_one("#become-user", Input).focus()

    def _host_become(self) -> dict[str, Any]:
        """The first selected host's become variables, if its inventory already becomes."""
        inv = getattr(self.app, "inventory", None)
        hosts = getattr(inv, "hosts", None) or {}
        for name in self.hosts:
            h = hosts.get(name)
            if h is not None and str(h.vars.get("ansible_become", "")).lower() in ("true", "yes", "1", "on"):
                return {k: v for k, v in h.vars.items() if k in ("ansible_become_user", "ansible_become_method")}
        return {}

    def _has_password(self) -> bool:
        """Every selected host already has a become password in its variables."""
        inv = getattr(self.app, "inventory", None)
        hosts = getattr(inv, "hosts", None) or {}
        return bool(self.hosts) and all(
            name in hosts and any(hosts[name].vars.get(k) not in (None, "")
                                  for k in ("ansible_become_password", "ansible_become_pass"))
            for name in self.hosts)

    def action_submit(self) -> None:
        self.validate()
        if self.error is not None or self.module is None:
            self.app.bell()
            return
        check = self.query_one("#check-switch", Switch).value
        request = RunRequest(self.hosts, self.module, self.values(), check)
        if not self.query_one("#become-switch", Switch).value:
            self.dismiss(request)
            return
        user = self.query_one("#become-user", Input).value.strip() or "root"
        method = str(self.query_one("#become-method", Select).value)
        request.become = RunBecome(user, method)
        if self._has_password():
            self.dismiss(request)
            return
        from ftltui.tui.screens.secret_prompt import SecretPrompt

        def answered(password: str | None) -> None:
            if password:
                request.become = RunBecome(user, method, password)
            self.dismiss(request)

        who = "your" if method == "sudo" else f"{user}'s"
        self.app.push_screen(SecretPrompt(f"{method} password", f"{who} password to become {user} "
                                          f"(leave empty if none is needed)"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
