"""Jobs: durable, retried, cancellable units of work run by an in-process worker pool."""

from ftltui.jobs.model import STATES, TERMINAL, TRANSITIONS, Attempt, IllegalTransition, Job, Outcome
from ftltui.jobs.queue import JobQueue
from ftltui.jobs.retry import RetryPolicy

__all__ = ["STATES", "TERMINAL", "TRANSITIONS", "Attempt", "IllegalTransition", "Job", "JobQueue",
           "Outcome", "RetryPolicy"]
