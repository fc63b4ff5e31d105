"""The owner's local API: one process owns a state directory, the others are its clients.

No Textual here. :mod:`protocol` is the wire format (docs/api.md), :mod:`server` the
owner's Unix-socket server dispatching to an :class:`operations.OwnerOperations`,
:mod:`client` the other side, :mod:`local_operations` the operations over a JobQueue.
"""
