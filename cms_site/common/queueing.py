"""Queue a Celery task by its registered name.

Services queue their tasks this way, so a services module never imports its tasks module
(which imports the services): one direction of imports, no cycle. The task's module is
imported here, at call time, so the name always resolves to the registered task and
`task_always_eager` and the task's own options apply (an unregistered name would be sent
blindly with `send_task`). It is the project's app, not `current_app`: a test that starts
a worker makes another app current.
"""

from importlib import import_module

from cms_site.celery import app


def task_enqueue(name: str, *args) -> None:
    """Send task `name` with positional `args` (IDs only, never secrets)."""
    module, _, _ = name.rpartition(".")
    import_module(module)
    app.tasks[name].delay(*args)
