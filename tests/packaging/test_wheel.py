"""A normal (non-editable) install works: build the wheel, install it into a fresh venv.

The venv has no system site packages, so the editable install of the checkout cannot
leak in; every command runs from a directory outside the checkout. Dependencies come
from the package index (pip's cache makes this about 30 s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The top-level data directories and where the wheel carries them (pyproject.toml).
DATA_DIRS = {"sample_inventory": "ftltui/sample_inventory", "themes": "ftltui/themes_data"}

pytestmark = [pytest.mark.slow, pytest.mark.packaging, pytest.mark.timeout(600)]


def _sh(argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _source_files() -> list[str]:
    """What the wheel must hold: the package's code and data, as paths inside the wheel."""
    wanted = []
    for path in sorted((REPO / "ftltui").rglob("*")):  # every file, whatever its suffix (serve's .html too)
        if path.is_file() and path.suffix != ".pyc" and "__pycache__" not in path.parts:
            wanted.append(path.relative_to(REPO).as_posix())
    for top, inside in DATA_DIRS.items():
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                wanted.append(f"{inside}/{path.relative_to(REPO / top).as_posix()}")
    return wanted


class Installed:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.wheel: Path | None = None
        self.bin = root / "venv" / "bin"
        self.cwd = root / "elsewhere"  # outside the checkout: nothing can be found relative to it
        self.cwd.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        self.env.update(FTL_TUI_HOME=str(root / "state"), PATH=f"{self.bin}:{os.environ.get('PATH', '')}",
                        TEXTUAL_ANIMATIONS="none", PYTHONDONTWRITEBYTECODE="1")

    def python(self, code: str) -> str:
        return _sh([str(self.bin / "python"), "-c", textwrap.dedent(code)], self.cwd, self.env)

    def ftl(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "ftl-tui"), *argv], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    inst = Installed(root)
    # Build from a copy: an in-tree build would write build/ into a checkout others use.
    src = root / "src"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pyproject.toml", "README.md", "ftltui", *DATA_DIRS):
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, src / name, **({"ignore": skip} if (REPO / name).is_dir() else {}))
    _sh([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"), str(src)], root)
    (inst.wheel,) = (root / "dist").glob("ftl_tui-*.whl")
    # No pip inside the venv (ensurepip is missing on some system Pythons): this pip installs into it.
    venv.create(root / "venv", with_pip=False, system_site_packages=False)
    _sh([sys.executable, "-m", "pip", "--python", str(inst.bin / "python"), "install", "--quiet", str(inst.wheel)],
        root, inst.env, timeout=900)
    return inst


def test_wheel_holds_the_code_the_sample_inventory_and_the_themes(installed: Installed) -> None:
    assert installed.wheel is not None
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = [f for f in _source_files() if f not in names]
    assert not missing, f"not in the wheel (pyproject.toml packages / package-data): {missing}"
    assert not any(n.startswith(("sample_inventory/", "themes/", "tests/")) for n in names)


def test_the_installed_package_is_not_the_checkout(installed: Installed) -> None:
    where = installed.python("import ftltui, ftltui.paths as p; print(ftltui.__file__); print(p.SAMPLE_INVENTORY)")
    package, sample = where.splitlines()
    assert str(installed.root / "venv") in package and str(REPO) not in package + sample
    assert sample.endswith("ftltui/sample_inventory")


def test_run_ping_on_the_bundled_sample_from_outside_the_checkout(installed: Installed) -> None:
    proc = installed.ftl("run", "localhost", "ping")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("localhost | SUCCESS => {")
    assert "bundled demo inventory" in proc.stderr  # nothing configured: the demo, and it says so
    hosts = installed.ftl("inventory", "--list-hosts", "all")
    assert hosts.returncode == 0 and "web01.example.invalid" in hosts.stdout.split()


def test_the_demo_note_names_the_installed_sample_whose_workflows_then_run(installed: Installed) -> None:
    """README (Headless use): without a checkout, the note on stderr is how a user finds the sample's workflows."""
    proc = installed.ftl("run", "localhost", "ping")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (note,) = [line for line in proc.stderr.splitlines() if "bundled demo inventory" in line]
    sample = Path(note.rsplit(" ", 1)[1])
    assert str(installed.root / "venv") in str(sample) and sample.name == "sample_inventory", note
    play = installed.ftl("play", str(sample / "workflows" / "local-smoke.yml"), "--check")
    assert play.returncode == 0, play.stdout + play.stderr
    assert "job 1: succeeded" in play.stdout.splitlines()[-1]


def test_a_missing_extra_is_named_with_its_pip_command(installed: Installed) -> None:
    """The wheel alone has no [web] or [sites]: serve, worker and workers say which extra, exit 5."""
    broker = installed.root / "broker.url"
    broker.write_text("redis+socket://:pw@/nonexistent/redis.sock\n")
    broker.chmod(0o600)
    key = installed.root / "sites.key"
    assert installed.ftl("worker", "--init-key", "--key-file", str(key)).returncode == 0
    for argv, extra in ((["serve", "--port", "0"], "web"),
                        (["worker", "--site", "east", "--broker-file", str(broker), "--key-file", str(key)], "sites"),
                        (["workers", "--broker-file", str(broker)], "sites")):
        proc = installed.ftl(*argv)
        assert proc.returncode == 5 and f"pip install 'ftl-tui[{extra}]'" in proc.stderr, (argv, proc.stderr)


def test_a_module_glob_without_ansible_says_ansible_is_missing(installed: Installed) -> None:
    """README: `ftl-tui modules 'community.general.*'` lists installed Ansible modules; the wheel alone has none."""
    proc = installed.ftl("modules", "community.general.*")
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    assert "no Ansible installation found" in proc.stderr and "pip install ansible" in proc.stderr, proc.stderr
    assert "copy" in installed.ftl("modules", "co*").stdout.split()  # native modules are there


def test_themes_are_found_in_the_installed_package(installed: Installed) -> None:
    out = installed.python("""
        from ftltui.paths import THEMES_DIR
        from ftltui.tui.themes import load_themes
        themes, problems = load_themes(THEMES_DIR)
        print(THEMES_DIR)
        print(" ".join(sorted(t.name for t in themes)))
        print(len(problems))
    """)
    where, names, problems = out.splitlines()
    assert str(installed.root / "venv") in where
    assert names.split() == ["ftl-dark", "ftl-high-contrast", "ftl-light"] and problems == "0"


def test_the_console_starts_headless_and_quits(installed: Installed) -> None:
    out = installed.python("""
        import asyncio
        from ftltui.paths import default_inventory, state_dir
        from ftltui.tui.app import FtlApp

        async def main():
            app = FtlApp([str(default_inventory())], state_dir(), watch=False)
            async with app.run_test(size=(100, 30)) as pilot:
                for _ in range(50):
                    await pilot.pause(0.1)
                    if app.inventory is not None or app.inventory_error:
                        break
                print("inventory", "error" if app.inventory_error else len(app.inventory.hosts))
                print("theme", app.theme)
                await pilot.press("q")
                await pilot.pause(0.2)
            print("exit", app.return_code)

        asyncio.run(main())
    """)
    from ftltui.inventory import load_inventory

    hosts = len(load_inventory([str(REPO / "sample_inventory")]).hosts)
    assert out.splitlines() == [f"inventory {hosts}", "theme ftl-dark", "exit 0"], out
