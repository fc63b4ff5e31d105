"""The bundled data directories from a checkout or an editable install (the wheel: test_wheel.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ftltui.paths import SAMPLE_INVENTORY, THEMES_DIR, bundled_dir

REPO = Path(__file__).resolve().parents[2]


def test_checkout_uses_the_top_level_directories() -> None:
    assert SAMPLE_INVENTORY == REPO / "sample_inventory" and (SAMPLE_INVENTORY / "hosts.yml").is_file()
    assert THEMES_DIR == REPO / "themes" and (THEMES_DIR / "ftl-dark.yaml").is_file()


def test_package_data_wins_when_the_package_holds_it(tmp_path: Path) -> None:
    """As in an installed wheel: ftltui/<name> inside the package is used, not a top-level dir."""
    pkg = tmp_path / "ftltui"
    (pkg / "sample_inventory").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "paths.py").write_text((REPO / "ftltui" / "paths.py").read_text())
    code = "import ftltui.paths as p; print(p.SAMPLE_INVENTORY); print(p.THEMES_DIR)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=60, check=True).stdout
    shipped, themes = out.splitlines()
    assert shipped == str(pkg / "sample_inventory")
    assert themes == str(tmp_path / "themes")  # not shipped there: the fallback beside the package
    assert bundled_dir("no_such_data", "themes") == REPO / "themes"
