"""The Celery application both sides build: same broker, same task name, same delivery rules.

Delivery: ``acks_late`` (a task is acknowledged after it ran, so a worker that dies
mid-shard leaves it unacknowledged), ``reject_on_worker_lost``, prefetch 1 (a worker
holds no shard it is not running). Redis redelivers an unacknowledged task only after
its visibility timeout, so the owner does not wait for that: a shard whose worker's
claim lapses is sent again by the owner at once (:mod:`ftltui.sites.dispatch`), and a
copy delivered later finds the shard done and drops it. Results travel in a Redis
stream, not in Celery's result backend (none is configured).
"""

from __future__ import annotations

from typing import Any, Callable

from ftltui.sites.broker import Broker
from ftltui.sites.wire import TASK_NAME

VISIBILITY_TIMEOUT = 3600  # Celery's own redelivery backstop; the owner redelivers within LEASE_SECONDS


def make_app(broker: Broker, run_task: Callable[[str], Any] | None = None) -> Any:
    """A Celery app on ``broker``; on a worker, ``run_task(token)`` is the task's body."""
    from celery import Celery  # type: ignore[import-untyped]

    app = Celery("ftltui-sites", broker=broker.url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_enable_remote_control=False,  # no pidbox queues: workers are listed by their heartbeats
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker waits for Redis to come back
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT, "socket_timeout": 10,
                                  "socket_connect_timeout": 5},
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5,
                                   "interval_max": 1},
    )

    def run_shard(token: str) -> None:
        if run_task is not None:
            run_task(token)

    app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, ignore_result=True)(run_shard)
    return app
