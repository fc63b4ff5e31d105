"""become settings and the prompt handshake, without a host: what is run, what counts as a prompt."""

from __future__ import annotations

import shlex

import pytest

from ftltui.engine.become import Become, BecomeFailed, PromptWatch, become_for, explain, new_marker, request_vars, wrap
from ftltui.inventory.model import Host


def _host(**v) -> Host:
    return Host("web1", vars=v)


@pytest.mark.parametrize("flag", [True, "yes", "True", "1", "on"])
def test_become_is_read_from_ansible_vars_with_defaults(flag) -> None:
    b = become_for(_host(ansible_become=flag))
    assert b == Become(method="sudo", user="root")


@pytest.mark.parametrize("flag", [False, "no", "false", "0", None])
def test_no_become_without_the_flag(flag) -> None:
    assert become_for(_host(ansible_become=flag, ansible_become_user="x")) is None


def test_password_alias_flags_exe_and_templates() -> None:
    b = become_for(_host(ansible_become=True, ansible_become_method="su", ansible_become_user="{{ app_user }}",
                         app_user="app", ansible_become_pass="{{ secret_pw }}", secret_pw="s3cret",
                         ansible_become_flags="-l", ansible_become_exe="/bin/su"))
    assert (b.method, b.user, b.password, b.flags, b.exe) == ("su", "app", "s3cret", "-l", "/bin/su")
    assert "s3cret" not in repr(b)


def test_unknown_method_names_it() -> None:
    with pytest.raises(BecomeFailed) as exc:
        become_for(_host(ansible_become=True, ansible_become_method="pbrun"))
    assert exc.value.message == "web1: become method 'pbrun' is not supported (ftl-tui supports sudo and su)"


def test_undecryptable_vault_password_fails_the_host_naming_the_variable() -> None:
    from ftltui.errors import Location
    from ftltui.vault.envelope import VaultError
    from ftltui.vault.values import VaultValue

    v = VaultValue("$ANSIBLE_VAULT;1.1;AES256\n00", VaultError("no vault secret for vault id 'default'"),
                   Location("group_vars/all.yml", 3), name="ansible_become_password")
    with pytest.raises(BecomeFailed) as exc:
        become_for(_host(ansible_become=True, ansible_become_password=v))
    assert "ansible_become_password" in exc.value.message and "group_vars/all.yml:3" in exc.value.message


def test_sudo_command_line_never_holds_the_password() -> None:
    marker = new_marker()
    line = wrap("python3 -S -c 'x' h 1", Become("sudo", "app", password="pw-123"), marker)
    argv = shlex.split(line)
    assert "pw-123" not in line
    assert argv[:2] == ["sudo", "-H"] and "-n" not in argv and "-S" in argv
    assert argv[argv.index("-p") + 1] == marker and argv[argv.index("-u") + 1] == "app"
    assert argv[argv.index("--") + 1:] == ["python3", "-S", "-c", "x", "h", "1"]
    # no password: -n stays (a rule that needs one fails at once: "a password is required")
    assert "-n" in shlex.split(wrap("true", Become("sudo", "root"), marker))
    # flags of the user's own, -S added when a password must be read from stdin
    assert shlex.split(wrap("true", Become("sudo", "root", password="x", flags="-H"), marker))[:3] == \
        ["sudo", "-H", "-S"]


def test_su_command_line() -> None:
    argv = shlex.split(wrap("python3 -c 'a b'", Become("su", "app", password="pw", exe="/bin/su"), "m"))
    assert argv == ["LC_ALL=C", "/bin/su", "app", "-c", "python3 -c 'a b'"]


def test_sudo_marker_is_found_across_reads_and_counted() -> None:
    m = new_marker()
    w = PromptWatch(Become("sudo", "app", password="x"), m)
    assert w.feed("sudo: some warning\n" + m[:5]) == 0
    assert w.feed(m[5:]) == 1
    assert w.feed("Sorry, try again.\n") == 0
    assert w.feed(m) == 1 and w.prompts == 2
    assert new_marker() != m


@pytest.mark.parametrize(("chunks", "prompts"), [
    (["Password: "], 1),
    (["Pass", "word: "], 1),
    (["Passwort: "], 1),
    (["su: warning: cannot change directory to /x: No such file or directory\n"], 0),
    (["Password: ", "su: Authentication failure\n"], 1),
])
def test_su_prompt_is_a_colon_ended_line_without_newline(chunks, prompts) -> None:
    w = PromptWatch(Become("su", "app", password="x"), "unused")
    assert sum(w.feed(c) for c in chunks) == prompts


def test_explain_uses_sudos_words() -> None:
    b = Become("sudo", "app")
    assert explain("h", b, "sudo: a password is required\n", login="u").message.startswith(
        "h: sudo: a password is required to become app")
    assert explain("h", b, "sudo: sorry, you must have a tty to run sudo\n", login="u").message.startswith(
        "h: sudo requires a terminal (requiretty)")
    msg = explain("h", b, "Sorry, user u is not allowed to execute '/usr/bin/python3 -S -c ...' as app on h.\n",
                  login="u").message
    assert msg == "h: sudo: user u is not allowed to run commands as app on h (no sudoers entry)"
    assert explain("h", b, "", login="u", refused=True).message == "h: sudo: incorrect password for user u on h"


def test_request_vars_go_under_the_hosts_own() -> None:
    layer = request_vars({"user": "app", "method": "su", "password": "pw"})
    assert layer == {"ansible_become": True, "ansible_become_user": "app", "ansible_become_method": "su",
                     "ansible_become_password": "pw"}
    assert request_vars(None) == {}
