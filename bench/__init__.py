"""Benchmarks of ftl-tui against ansible-playbook and FTL2 on the real SSH test bed.

Not part of the pytest suite: run ``python -m bench`` (or ``scripts/bench``).
"""
