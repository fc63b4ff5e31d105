"""The Textual console. The only package of ftl-tui allowed to import textual.

Plain-Python helpers here (``commands``, ``fuzzy``, ``filters``, ``logring``,
``keymap``, ``services``) do not import textual, so they can be unit-tested and
reused without a screen.
"""
