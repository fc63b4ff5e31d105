"""Schedules: cron expressions in a time zone, records in the state store, and the
:class:`~ftltui.schedule.scheduler.Scheduler` an owner process runs to fire them."""
