"""Process shards: a run's hosts spread over worker processes on the controller (issue 17)."""

from ftltui.engine.shards.auto import auto_workers
from ftltui.engine.shards.config import ShardConfig
from ftltui.engine.shards.process import LOST_MSG, ProcessShards

__all__ = ["LOST_MSG", "ProcessShards", "ShardConfig", "auto_workers"]
