"""Site hosts on an install without the ``[sites]`` extra: say what to install, name the site.

Before, each site host failed with "placement failed: ModuleNotFoundError: No module named
'redis'" at run time. The real CLI runs in a subprocess whose ``sitecustomize`` makes
``import redis`` / ``import celery`` fail, as on an install without the extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ftltui.sites.seal import create_key

REPO = Path(__file__).resolve().parents[2]
BLOCKER = """\
import sys

class _NoSitesExtra:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("redis", "celery", "kombu"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoSitesExtra())
"""
INVENTORY = """\
all:
  hosts:
    east1: {ftl_site: east}
    here: {}
  vars:
    ansible_connection: local
    ansible_python_interpreter: python3
"""


def _ftl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    blocker = tmp_path / "blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    (tmp_path / "inventory.yml").write_text(INVENTORY)
    # a configured site, as the owner of a real one has it: a broker file and the key
    broker = tmp_path / "broker.url"
    broker.write_text("redis://:not-used@127.0.0.1:6379/0\n")  # never dialled: the import fails first
    broker.chmod(0o600)
    if not (tmp_path / "sites.key").exists():
        create_key(tmp_path / "sites.key")
    (tmp_path / "ansible.cfg").write_text(f"[ftl_sites]\nbroker_file = {broker}\nkey_file = {tmp_path / 'sites.key'}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FTL_TUI_BROKER", "ANSIBLE_CONFIG"))}
    env.update(PYTHONPATH=os.pathsep.join([str(blocker), str(REPO)]),  # this checkout's ftltui, not an installed one
               HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "ftltui", *args, "-i", str(tmp_path / "inventory.yml"),
                           "--state-dir", str(tmp_path / "state")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_blocker_blocks(tmp_path: Path) -> None:
    _ftl(tmp_path, "jobs", "list")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "blocker"))
    probe = subprocess.run([sys.executable, "-c", "import redis"], env=env, capture_output=True, text=True, check=False)
    assert probe.returncode != 0 and "No module named 'redis'" in probe.stderr


def test_run_on_a_site_host_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    r = _ftl(tmp_path, "run", "all", "-m", "ping")
    assert r.returncode == 5, (r.returncode, r.stdout, r.stderr)  # a configuration error, as a missing broker
    assert "site east" in r.stderr and "pip install 'ftl-tui[sites]'" in r.stderr, r.stderr
    assert "ModuleNotFoundError" not in r.stderr + r.stdout


def test_a_workflow_on_a_site_host_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    flow = tmp_path / "flow.yml"
    flow.write_text("name: f\nhosts: all\nsteps:\n  - name: a\n    module: ping\n")
    r = _ftl(tmp_path, "play", str(flow))
    assert r.returncode == 5, (r.returncode, r.stdout, r.stderr)
    assert "site east: hosts with a site need Celery and redis: pip install 'ftl-tui[sites]'" in r.stderr, r.stderr


def test_a_lenient_owner_fails_only_the_site_host_and_says_why(tmp_path: Path) -> None:
    """A drift scan (as the console) fails the site hosts with the reason, runs the rest."""
    r = _ftl(tmp_path, "drift", "scan", "all")
    assert "here: snapshot" in r.stdout, r.stdout + r.stderr
    assert ("east1: FAILED unreachable: site east: not run: hosts with a site need Celery and redis: "
            "pip install 'ftl-tui[sites]'") in r.stdout, r.stdout + r.stderr
    assert "ModuleNotFoundError" not in r.stdout + r.stderr
