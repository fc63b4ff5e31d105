"""A key bound in the console resolves where it arrives, not after bubbling (issue 17).

Textual hands a key to the focused widget, which passes it to its parent, and so on up
to the screen and the app, one message (one event-loop turn) per level; only then does
the app look up the bindings of that chain. While 1,000 hosts stream, every loop turn
also runs whatever else is ready (a repaint, a flush of output, a shard's events), so a
pane switch from a widget six levels deep waited behind six rounds of that work.

When no widget on the focus chain handles keys itself (``on_key``, ``_on_key`` beyond
Widget's own, or an ``@on(Key)`` handler: Input, TextArea, DataTable, Select ...) nor
this key in particular (a ``key_<name>`` or ``_key_<name>`` method for one of the key's
names, as Textual's ``dispatch_key`` looks them up: ``Screen._key_escape`` clears a text
selection), the bubble can only end in that same binding lookup: :func:`resolve_now`
does it at once, with the same chain and order (priority bindings first, then from the
focused widget up). Otherwise the key takes Textual's usual way. Decided per key, so a
widget's ``key_escape`` sends escape the usual way and every other key still fast.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widget import Widget


_HANDLES: dict[type, bool] = {}


def handles_keys(cls: type) -> bool:
    """Does this widget class look at every key other than through bindings? (cached per
    class; the per-key methods are :func:`handles_key`'s)"""
    known = _HANDLES.get(cls)
    if known is None:
        handlers = getattr(cls, "_decorated_handlers", None) or {}
        known = _HANDLES[cls] = (
            getattr(cls, "_on_key", Widget._on_key) is not Widget._on_key or hasattr(cls, "on_key")
            or any(isinstance(t, type) and issubclass(t, events.Key) for t in handlers))
    return known


def handles_key(cls: type, names: tuple[str, ...]) -> bool:
    """Does this widget class look at this key (any of its ``names``) itself?"""
    return handles_keys(cls) or any(hasattr(cls, f"key_{n}") or hasattr(cls, f"_key_{n}") for n in names)


def chain_is_bindings_only(app: Any, names: tuple[str, ...] = ()) -> bool:
    """Nothing between the focused widget and the screen would act on a key (one of
    ``names``) by itself."""
    node = app.focused
    screen = app.screen
    while node is not None and node is not screen:
        if handles_key(type(node), names):
            return False
        node = node.parent
    return node is screen and not handles_key(type(screen), names)


async def resolve_now(app: Any, event: events.Key) -> bool:
    """Run the key's binding now if the bubble could only have ended there; True if run."""
    if not chain_is_bindings_only(app, tuple(event.name_aliases)):
        return False
    if app.focused is not None:
        try:
            app.screen._clear_tooltip()  # as Textual does for a key it forwards
        except Exception:
            pass
    return bool(await app._check_bindings(event.key, priority=True) or await app._check_bindings(event.key))
