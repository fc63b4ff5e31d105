"""``ftl-tui serve``: the console in a browser, on textual-serve, behind a token.

textual-serve (an optional extra: ``pip install 'ftl-tui[web]'``) starts one console
process per browser tab and relays its screen over a websocket; it has no notion of who
is asking. :mod:`ftltui.tui.web.guard` is the door in front of it (token, Host and Origin
checks, before any handler runs, so a refused request never starts a process) and
:mod:`ftltui.tui.web.server` is the served site. Nothing here is imported unless ``serve``
runs, so the rest of ftl-tui works without aiohttp installed.
"""
