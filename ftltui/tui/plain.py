"""Text typed by the user or sent by a host, on the screen: always plain, never markup.

Textual reads a ``str`` as content markup in many places (``notify``, ``Static``,
``Label``, ``Tree`` labels, ``DataTable`` cells, palette hits). A typed pattern such
as ``[/]`` then closes the app with ``MarkupError``, ``[b]x`` loses its brackets,
and ``[@click=app.quit]x[/]`` in a host's output becomes a link that runs an action.
So every untrusted string reaches the screen as a ``rich.text.Text`` built here:
escape sequences removed and control characters shown (``safe_text``), no markup.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from ftltui.engine.sanitize import safe_text


def plain(text: object, max_len: int | None = None, style: str | Style = "") -> Text:
    """``text`` as a ``Text`` that shows exactly its characters (after ``safe_text``)."""
    return Text(safe_text(str(text), max_len), style=style)

