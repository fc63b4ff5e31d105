"""Privilege escalation (Ansible's ``become``): which user, how, and the handshake.

Everything is read from the host's variables (``ansible_become``,
``ansible_become_user``, ``ansible_become_method``, ``ansible_become_password`` /
``ansible_become_pass``, ``ansible_become_flags``, ``ansible_become_exe``); the CLI and
ansible.cfg only ever set those variables, so inventory and ``-e`` precedence hold.

The gate is started *through* sudo or su, so every module of that host and user runs
as the become user in one long-lived process. The password never goes into argv or
the environment: it is written to the process's stdin when, and only when, the
escalation program asks for it. sudo is told to print a random marker as its prompt
(``-p``), so a prompt is recognised without guessing; su cannot be told, so a line
on stderr that ends in a colon before the gate has said anything is its prompt.
A second prompt means the password was refused: the start fails at once instead of
waiting for a timeout, and the reason is named (:func:`explain`).
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from ftltui.engine.templating import has_template, host_context, render_string
from ftltui.errors import FtlError, HostError
from ftltui.inventory.model import Host

if TYPE_CHECKING:
    from ftltui.engine.host_source import HostSource

METHODS = ("sudo", "su")
_TRUE = ("yes", "true", "1", "on", "y")
# Ansible's defaults for become_flags: sudo "-H -S -n", su ""
_DEFAULT_FLAGS = {"sudo": "-H -S -n", "su": ""}
_SU_PROMPT = re.compile(r"[^\n]*:\s*$")
_ASK_HINT = "(set ansible_become_password, use -K, or turn become on in the console's run form, which asks)"


class BecomeFailed(HostError):
    """Escalation was refused: wrong or missing password, no sudoers entry, requiretty.

    Not transient: repeating it with the same password cannot help (and could lock the
    account), so the retry policy leaves it alone.
    """

    kind = "become_failed"


@dataclass(frozen=True)
class Become:
    """How to become ``user`` on one host; ``password`` is a secret (never shown)."""

    method: str
    user: str
    password: str | None = field(default=None, repr=False)
    flags: str | None = None  # None: the method's default
    exe: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes a gate different: one gate per host AND effective user (and how)."""
        return (self.method, self.user, self.flags or "", self.exe or "")


def truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def become_for(host: Host, inventory: HostSource | None = None) -> Become | None:
    """The become settings of a host, or None when it does not escalate.

    Values may be templates (``ansible_become_password: "{{ vault_sudo_pass }}"`` is the
    usual way to keep it in a vault); they are rendered with the host's variables. An
    unsupported method, or a password that cannot be decrypted or rendered, fails that
    host with a message naming it (Ansible has many methods; ftl-tui does sudo and su).
    """
    hostvars = host.vars
    if not truthy(_value(host, inventory, "ansible_become", False)):
        return None
    method = str(_value(host, inventory, "ansible_become_method") or "sudo").strip()
    if method not in METHODS:
        raise BecomeFailed(host.name, f"{host.name}: become method {method!r} is not supported "
                                      f"(ftl-tui supports {' and '.join(METHODS)})")
    name = "ansible_become_password" if "ansible_become_password" in hostvars else "ansible_become_pass"
    password = _value(host, inventory, name)
    flags = _value(host, inventory, "ansible_become_flags")
    exe = _value(host, inventory, "ansible_become_exe")
    return Become(method=method, user=str(_value(host, inventory, "ansible_become_user") or "root"),
                  password=None if password in (None, "") else password,
                  flags=None if flags is None else flags, exe=None if not exe else exe)


def _value(host: Host, inventory: HostSource | None, name: str, default: Any = None) -> Any:
    """One become variable as text (booleans kept), rendered if it is a template."""
    value = host.vars.get(name, default)
    if value is None or isinstance(value, bool):
        return value
    try:
        text = str(value)  # an undecrypted vault value raises its reason here
        if has_template(text):
            text = str(render_string(text, host_context(host, inventory, {}), host=host.name, arg=name))
    except (FtlError, TypeError, ValueError) as exc:
        raise BecomeFailed(host.name, f"{host.name}: {name}: {exc}") from None
    return text


def new_marker() -> str:
    """A prompt nobody else prints: sudo is told to use it (``-p``)."""
    return f"[ftl-become-{secrets.token_hex(8)}] "


def wrap(command: str, become: Become, marker: str) -> str:
    """The shell command line that runs ``command`` (a shell line) as the become user."""
    if become.method == "sudo":
        flags = shlex.split(_DEFAULT_FLAGS["sudo"] if become.flags is None else become.flags)
        if become.password is not None:
            # with a password sudo must ask (not -n) and read it from stdin (-S), as Ansible does
            flags = [f for f in flags if f not in ("-n", "--non-interactive")]
            if "-S" not in flags and "--stdin" not in flags:
                flags.append("-S")
        exe = become.exe or "sudo"
        # sudo execs argv directly: the command needs no shell of its own
        return " ".join([shlex.quote(exe), *map(shlex.quote, flags), "-p", shlex.quote(marker),
                         "-u", shlex.quote(become.user), "--", command])
    flags = shlex.split(_DEFAULT_FLAGS["su"] if become.flags is None else become.flags)
    exe = become.exe or "su"
    # su runs the target user's shell with -c; a C locale keeps its messages recognisable
    return " ".join(["LC_ALL=C", shlex.quote(exe), *map(shlex.quote, flags), shlex.quote(become.user),
                     "-c", shlex.quote(command)])


class PromptWatch:
    """Fed the escalation program's stderr until the gate speaks; counts its prompts."""

    def __init__(self, become: Become, marker: str) -> None:
        self.become = become
        self.marker = marker
        self.prompts = 0
        self._text = ""

    def feed(self, data: str) -> int:
        """Add stderr text; returns how many new password prompts it held."""
        self._text += data
        new = 0
        if self.become.method == "sudo":
            while self.marker in self._text:
                self._text = self._text.split(self.marker, 1)[1]
                new += 1
            self._text = self._text[-len(self.marker):]  # enough for a marker split across reads
        else:
            if _SU_PROMPT.search(self._text.rsplit("\n", 1)[-1]) and not self._text.endswith("\n"):
                self._text = ""
                new += 1
            else:
                self._text = self._text[-400:]
        self.prompts += new
        return new


def explain(host: str, become: Become, stderr: str, *, login: str | None, refused: bool = False,
            missing: bool = False, status: int | None = None) -> BecomeFailed:
    """A one-line reason for a failed escalation, in sudo's/su's own words where it has them."""
    who = login or "the login user"
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    tail = lines[-1] if lines else ""
    if missing:
        return BecomeFailed(host, f"{host}: {become.method}: a password is required to become {become.user} "
                                  + _ASK_HINT)
    if refused or "incorrect password" in stderr or "Authentication failure" in stderr:
        if become.method == "sudo":
            return BecomeFailed(host, f"{host}: sudo: incorrect password for user {who} on {host}")
        return BecomeFailed(host, f"{host}: su: incorrect password for user {become.user} on {host}")
    if "a password is required" in stderr:
        return BecomeFailed(host, f"{host}: sudo: a password is required to become {become.user} "
                                  + _ASK_HINT)
    if "must have a tty" in stderr or "a terminal is required" in stderr:
        return BecomeFailed(host, f"{host}: sudo requires a terminal (requiretty) to become {become.user}; "
                                  f"ftl-tui does not allocate one: allow {who} without requiretty")
    if "not allowed to execute" in stderr or "not in the sudoers file" in stderr or "may not run sudo" in stderr:
        # sudo's own line quotes the whole bootstrap command: say it shorter
        return BecomeFailed(host, f"{host}: sudo: user {who} is not allowed to run commands as {become.user} "
                                  f"on {host} (no sudoers entry)")
    if status == 127 and (become.exe or become.method) in tail:
        return BecomeFailed(host, f"{host}: {become.exe or become.method} is not installed ({_short(tail)})")
    return BecomeFailed(host, f"{host}: {become.method} to {become.user} failed: {_short(tail) or 'no reason given'}")


def _short(text: str) -> str:
    return text[:300]


def request_vars(request: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ansible_* variables for a become asked for with a run (the console's toggle).

    They go UNDER the host's own variables, as ``-b``/``--become-user`` do in Ansible:
    an inventory ``ansible_become_user`` still wins. ``request`` is ``{"user", "method",
    "password"}``; the password is a secret the job queue keeps in memory only.
    """
    if not request:
        return {}
    out: dict[str, Any] = {"ansible_become": True}
    if request.get("user"):
        out["ansible_become_user"] = str(request["user"])
    if request.get("method"):
        out["ansible_become_method"] = str(request["method"])
    if request.get("password"):
        out["ansible_become_password"] = str(request["password"])
    return out
