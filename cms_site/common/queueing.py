"""Queue a Celery task by its registered name.

Services queue their tasks this way, so a services module never imports its tasks module
(which imports the services): one direction of imports, no cycle. The task's module is
imported here, at call time, so the name always resolves to the registered task and
`task_always_eager` and the task's own options apply (an unregistered name would be sent
blindly with `send_task`). A name is the task's module path plus its function
(`election_pages.notices.tasks.notification_run_start_task`), or, for a task registered under a
short stable name (`otp_delivery.delivery_send`), its package plus the name, the task
living in that package's `tasks` module. It is the project's app, not `current_app`: a
test that starts a worker makes another app current.
"""

from importlib import import_module

from cms_site.celery import app


def task_enqueue(name: str, *args, countdown: float | None = None) -> None:
    """Send task `name` with positional `args` (IDs only, never secrets), after
    `countdown` seconds when given."""
    package, _, _ = name.rpartition(".")
    import_module(package)
    if name not in app.tasks:
        import_module(f"{package}.tasks")
    task = app.tasks[name]
    if countdown is None:
        task.delay(*args)
    else:
        task.apply_async(args, countdown=countdown)
