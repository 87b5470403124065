"""The page types' way to their rendering code without importing it.

`get_context()` and the routes of the page models (election_pages.models) ask here for a
builder by name; `ElectionPagesConfig.ready()` registers the builders of
`election_pages.page_context` and `election_pages.selectors`. Those modules import the
models, so the models importing them would be an import cycle.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

_BUILDERS: dict[str, Callable] = {}


def page_builder_register(*, name: str, builder: Callable) -> None:
    _BUILDERS[name] = builder


def page_builder(name: str) -> Callable:
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ImproperlyConfigured(f"no page builder registered as {name!r}") from None
