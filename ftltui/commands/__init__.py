"""Headless sub-commands. Each module defines ``register(subparsers)``.

A handler takes the parsed ``argparse.Namespace`` and returns the exit status.
"""

COMMAND_MODULES = ("run", "inventory", "modules", "play", "jobs", "drift", "config", "completion", "schedule", "daemon", "serve", "worker", "workers")
