"""Remote execution over SSH: connection pool, jump hosts, the gate client, ``SshRunner``."""

from ftltui.engine.ssh.runner import SshRunner

__all__ = ["SshRunner"]
