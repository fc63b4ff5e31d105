"""wait_for, facts, package (check mode), service, and module hygiene (stdlib, py3.8)."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import ftltui.modules as registry
from modhelp import call

MODULE_DIR = Path(registry.__file__).parent
PY38 = "/root/.pyenv/versions/3.8.18/bin/python"


def test_wait_for_port_started_and_stopped():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(50)
    port = srv.getsockname()[1]

    def serve() -> None:  # a real server accepts; an unaccepted backlog would fill up
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    r = call("wait_for", {"port": port, "timeout": 5, "sleep": 0.1})
    assert not r["failed"] and r["port"] == port and r["changed"] is False
    r = call("wait_for", {"port": port, "state": "stopped", "timeout": 1, "sleep": 0.1})
    assert r["failed"] and r["msg"] == "Timeout when waiting for 127.0.0.1:%s to stop." % port
    srv.close()
    assert not call("wait_for", {"port": port, "state": "stopped", "timeout": 5, "sleep": 0.1})["failed"]
    r = call("wait_for", {"port": port, "timeout": 1, "sleep": 0.1})
    assert r["failed"] and r["msg"] == "Timeout when waiting for 127.0.0.1:%s" % port


def test_wait_for_path_and_regex(tmp_path: Path):
    f = tmp_path / "ready"
    threading.Timer(0.2, lambda: f.write_text("status: up 42\n")).start()
    r = call("wait_for", {"path": str(f), "search_regex": r"up (\d+)", "timeout": 10, "sleep": 0.05})
    assert not r["failed"] and r["match_groups"] == ["42"]
    r = call("wait_for", {"path": str(f), "search_regex": "never", "timeout": 1, "sleep": 0.1})
    assert r["failed"] and "search string never" in r["msg"]
    f.unlink()
    assert not call("wait_for", {"path": str(f), "state": "absent", "timeout": 1})["failed"]


def test_wait_for_is_cancellable():
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    r = call("wait_for", {"path": "/nonexistent/ftltui", "timeout": 120}, cancel=cancel)
    assert r["failed"] and r.get("cancelled")


def test_facts_have_ansible_names():
    r = call("setup", {})
    f = r["ansible_facts"]
    assert r["changed"] is False
    uname = os.uname()
    assert f["ansible_kernel"] == uname.release and f["ansible_system"] == "Linux"
    assert f["ansible_hostname"] == uname.nodename.split(".")[0]
    assert f["ansible_processor_vcpus"] == os.cpu_count()
    assert f["ansible_memtotal_mb"] > 0 and f["ansible_memory_mb"]["real"]["total"] == f["ansible_memtotal_mb"]
    assert any(m["mount"] == "/" for m in f["ansible_mounts"])
    assert "lo" in f["ansible_interfaces"] and f["ansible_lo"]["ipv4"]["address"] == "127.0.0.1"
    assert f["ansible_python"]["executable"] == sys.executable
    assert f["ansible_python_version"] == "%d.%d.%d" % sys.version_info[:3]
    assert f["ansible_user_uid"] == os.getuid() and f["ansible_date_time"]["epoch"].isdigit()
    if os.path.exists("/etc/os-release"):
        ident = [l for l in open("/etc/os-release") if l.startswith("ID=")][0].split("=")[1].strip().strip('"')
        assert f["ansible_distribution"].lower().startswith(ident[:3].lower()) or ident in ("rhel", "ol", "amzn")
    only = call("facts", {"filter": ["ansible_kernel*"]})["ansible_facts"]
    assert set(only) - {"gather_subset", "module_setup"} == {"ansible_kernel", "ansible_kernel_version"}


def _has_pkg_db() -> bool:
    return any(os.path.exists(p) for p in ("/usr/bin/dpkg-query", "/usr/bin/rpm", "/sbin/apk"))


@pytest.mark.skipif(not _has_pkg_db(), reason="no dpkg/rpm/apk on this host")
def test_package_check_mode_never_runs_the_manager():
    present = call("package", {"name": "coreutils"}, check=True)
    assert present["changed"] is False and not present["failed"]
    r = call("package", {"name": ["coreutils", "ftltui-no-such-package"], "state": "absent"}, check=True)
    assert r["changed"] and r["packages"] == ["coreutils"] and "would remove" in r["msg"]
    r = call("package", {"name": "ftltui-no-such-package"}, check=True)
    assert r["changed"] and r["packages"] == ["ftltui-no-such-package"]


def test_package_absent_noop_really_runs_nothing():
    r = call("package", {"name": "ftltui-no-such-package", "state": "absent"})
    assert r["changed"] is False and "cmd" not in r


def test_service_without_systemd_fails_clearly():
    if os.path.isdir("/run/systemd/system"):
        r = call("service", {"name": "ftltui-no-such-unit", "state": "started"}, check=True)
        assert r["failed"] and "Could not find" in r["msg"]
    else:
        r = call("service", {"name": "ssh", "state": "started"}, check=True)
        assert r["failed"] and "systemd is not running" in r["msg"]


def _module_files():
    return sorted(p for p in MODULE_DIR.glob("*.py"))


def test_modules_import_only_stdlib_and_themselves():
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    bad = []
    for path in _module_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                if top not in allowed and not name.startswith("ftltui.modules"):
                    bad.append("%s:%s imports %s" % (path.name, node.lineno, name))
    assert bad == []


@pytest.mark.skipif(not os.path.exists(PY38), reason="no Python 3.8 interpreter here")
def test_modules_compile_and_import_on_python38(tmp_path: Path):
    files = [str(p) for p in _module_files()]
    res = subprocess.run([PY38, "-m", "py_compile"] + files, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    # importing runs the dataclass/annotation machinery too
    code = "import ftltui.modules as m\nfor n in m.available(): m.load(n).SPEC\nprint(len(m.available()))"
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    pkg = tmp_path / "ftltui"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    os.symlink(str(MODULE_DIR), str(pkg / "modules"))
    res = subprocess.run([PY38, "-c", code], capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr


def test_every_builtin_declares_spec_and_run():
    for name in registry.available():
        mod = registry.load(name)
        assert mod.SPEC.name == name and callable(mod.run)
    assert registry.load("setup").SPEC.name == "facts"
    for name in ("command", "shell", "raw"):
        assert registry.spec(name).needs_python is False
