"""Celery finds tasks in `<app>.tasks`; each concern keeps its own, imported here only."""

from .lifecycle import tasks as lifecycle_tasks  # noqa: F401
from .notices import tasks as notices_tasks  # noqa: F401
from .results import tasks as results_tasks  # noqa: F401
from .voting import tasks as voting_tasks  # noqa: F401
