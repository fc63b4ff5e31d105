"""Workers per site (issue 17): hosts that only a machine near them can reach run there.

A host's site comes from its ``ftl_site`` variable or a group mapping in ansible.cfg
(:mod:`ftltui.sites.settings`). The owner (console, daemon, a headless command) sends
one Celery task per (job, attempt, site shard) to the site's queue on a Redis broker
(:mod:`ftltui.sites.dispatch`); ``ftl-tui worker --site NAME`` consumes it, runs the
same engine over the shipped hosts and streams the events back through a Redis stream
(:mod:`ftltui.sites.worker`). Every task and stream entry is Fernet-sealed with a key
only the owner and the workers hold (:mod:`ftltui.sites.seal`): secrets never sit in
Redis in plaintext, and a payload that does not authenticate is refused.

Celery and redis are an optional extra (``pip install ftl-tui[sites]``): nothing here is
imported unless a site is configured or a worker is started.
"""
