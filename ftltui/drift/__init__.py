"""Drift detection: snapshots of host state, their diff, classification and reports.

Pipeline: ``collect`` (snapshot module through the executor) -> ``store`` (immutable
snapshots, baselines) -> ``diff`` (match by (type, id), compare by dot-path) ->
``classify`` (category + severity rules) -> ``ignore`` -> ``correlate`` (same change on
many hosts) -> ``report`` (table / json / markdown). ``desired`` turns a ``--check`` run
into the same :class:`~ftltui.drift.model.Change` records.
"""
