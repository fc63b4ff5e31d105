"""Suite-wide fixtures. Area fixtures live in each tests/<area>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["testbed_fixtures"]

REPO = Path(__file__).resolve().parent.parent
SAMPLE_INVENTORY = REPO / "sample_inventory"

TESTS = Path(__file__).resolve().parent

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ.pop("TEXTUAL_THEME", None)


# Seconds a group takes on one CI worker (the slowest groups: ``--durations=150`` of a full run on
# 2026-12-04, scaled to the CI machine's total).
# Only the order of the work depends on it: the longest groups start first, so no long one is
# left running alone at the end while the other worker idles (longest-processing-time first).
# A group not listed counts _SECONDS_PER_TEST a test; a stale number costs time, never a result.
_GROUP_SECONDS = {
    "become": 60, "playbook/test_loader_escapes.py": 93, "playbook/test_play_oracle.py": 85,
    "api/test_run_client.py": 84, "playbook/test_runner_defects.py": 78, "api/test_daemon_cli.py": 73,
    "hardening/test_tui_hardening.py": 70, "playbook/test_runner_features.py": 43,
    "ansible_modules/test_run_oracle.py": 42, "hardening/test_remote_output.py": 42,
    "ansible_modules/test_run_diff_nolog.py": 41, "engine/test_cli_ansible_shape.py": 34,
    "hardening/test_workflow_fuzz.py": 31, "tui/test_play_console.py": 25, "playbook/test_output_text.py": 25,
    "console/test_attach_session.py": 24, "packaging/test_wheel.py": 24, "modules/test_vs_ansible.py": 24,
    "inventory/test_oracle_list.py": 21, "ansible_modules/test_native_copy_tree.py": 19,
    "playbook/test_runner_core.py": 19, "api/test_protocol_fuzz.py": 18, "hardening/test_faults_disk.py": 18,
    "playbook/test_runner_serial.py": 16, "sites/test_site_jobs.py": 16, "config/test_config_fuzz.py": 15,
    "ansible_modules/test_bundle_speed.py": 15, "ansible_modules/test_run_bed.py": 14,
    "hardening/test_hardening_fuzz.py": 13, "ansible_modules/test_arg_rules.py": 13,
    "playbook/test_environment.py": 12, "vault/test_vault_cli.py": 12, "hardening/test_local_orphans.py": 12,
    "tui/test_pilot_layout.py": 12, "modules/test_copy_diff.py": 11, "playbook/test_runner_vars.py": 11,
    "api/test_play_client.py": 11, "playbook/test_runner_misc.py": 10,
    "playbook/test_loader_errors.py": 25,
}
_SECONDS_PER_TEST = 0.4


def _group(item: pytest.Item) -> str:
    rel = Path(str(item.path)).resolve().relative_to(TESTS)
    return "become" if rel.parts[0] == "become" or "become" in rel.name else rel.as_posix()


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist >= 3.7 reorders loadscope/loadgroup work by the number of tests a group
    # holds, unless told not to: that sent one-test oracle files of half a minute to the end
    # of the queue, whatever order the hook below chose.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the groups into node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``, as scripts/test runs it) the tests of one
    file stay on one worker, so module fixtures are built once. Tests that use sudo on the
    bed form one group: they share machine-wide accounts (a wrong password counts against
    them), sudoers and the become users' gate caches, which some of them empty."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    groups = {item.nodeid: _group(item) for item in items}
    cost: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        g = groups[item.nodeid]
        cost[g] = cost.get(g, 0.0) + _SECONDS_PER_TEST
        first.setdefault(g, i)
    cost.update((g, s) for g, s in _GROUP_SECONDS.items() if g in cost)
    # The longest groups first; a group's tests keep their order (module fixtures, the bed).
    items.sort(key=lambda item: (-cost[groups[item.nodeid]], first[groups[item.nodeid]]))
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write the real user's state dir."""
    home = tmp_path_factory.mktemp("ftl-home")
    monkeypatch.setenv("FTL_TUI_HOME", str(home))
    return home


@pytest.fixture
def sample_inventory() -> Path:
    return SAMPLE_INVENTORY


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 512 KiB tmpfs for the full-disk tests (skips unless root)."""
    from diskfill import mounted_small_disk

    yield from mounted_small_disk(tmp_path)
