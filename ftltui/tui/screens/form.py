"""The layout every form dialog shares (form.tcss), read once for their ``DEFAULT_CSS``:
the title and the buttons stay in view, the fields scroll between them."""

from __future__ import annotations

from pathlib import Path

FORM_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
