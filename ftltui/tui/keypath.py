"""A key bound in the console resolves where it arrives, not after bubbling (issue 17).

Textual hands a key to the focused widget, which passes it to its parent, and so on up
to the screen and the app, one message (one event-loop turn) per level; only then does
the app look up the bindings of that chain. While 1,000 hosts stream, every loop turn
also runs whatever else is ready (a repaint, a flush of output, a shard's events), so a
pane switch from a widget six levels deep waited behind six rounds of that work.

When no widget on the focus chain handles keys itself (a ``key_*`` method, ``on_key``,
``_on_key`` beyond Widget's own, or an ``@on(Key)`` handler: Input, TextArea, DataTable,
Select ...), the bubble can only end in that same binding lookup: :func:`resolve_now`
does it at once, with the same chain and order (priority bindings first, then from the
focused widget up). Otherwise the key takes Textual's usual way.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widget import Widget


_HANDLES: dict[type, bool] = {}


def handles_keys(cls: type) -> bool:
    """Does this widget class look at keys other than through bindings? (cached per class)"""
    known = _HANDLES.get(cls)
    if known is None:
        handlers = getattr(cls, "_decorated_handlers", None) or {}
        known = _HANDLES[cls] = (
            getattr(cls, "_on_key", Widget._on_key) is not Widget._on_key or hasattr(cls, "on_key")
            or any(name.startswith("key_") for name in dir(cls))
            or any(isinstance(t, type) and issubclass(t, events.Key) for t in handlers))
    return known


def chain_is_bindings_only(app: Any) -> bool:
    """Nothing between the focused widget and the screen would act on a key by itself."""
    node = app.focused
    screen = app.screen
    while node is not None and node is not screen:
        if handles_keys(type(node)):
            return False
        node = node.parent
    return node is screen and not handles_keys(type(screen))


async def resolve_now(app: Any, event: events.Key) -> bool:
    """Run the key's binding now if the bubble could only have ended there; True if run."""
    if not chain_is_bindings_only(app):
        return False
    if app.focused is not None:
        try:
            app.screen._clear_tooltip()  # as Textual does for a key it forwards
        except Exception:
            pass
    return bool(await app._check_bindings(event.key, priority=True) or await app._check_bindings(event.key))
