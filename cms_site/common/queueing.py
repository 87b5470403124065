"""Queue a Celery task by its registered name.

Services queue their tasks this way, so a services module never imports its tasks module
(which imports the services): one direction of imports, no cycle. A signature resolves to
the registered task, so `task_always_eager` and the task's own options still apply.
"""

from celery import current_app


def task_enqueue(name: str, *args) -> None:
    """Send task `name` with positional `args` (IDs only, never secrets)."""
    current_app.signature(name, args=args).delay()
