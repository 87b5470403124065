"""A3: the documented state diagram is the one the code defines."""

from cms_site.common.fsm_diagram import fsm_mermaid
from election_pages.lifecycle.models import Election


def test_a3_diagram_has_every_lifecycle_edge():
    """docs/state-machines.md (generated; tests/unit/test_state_diagrams.py) shows these."""
    diagram = fsm_mermaid(Election, "state")
    for edge in [
        "draft --> announced: announce",
        "announced --> open: open",
        "open --> closed: close",
        "open --> closed: force_close",
        "closed --> tallied: tally",
        "tallied --> published: publish_results",
        "published --> archived: archive",
        "draft --> cancelled: cancel",
        "announced --> cancelled: cancel",
        "open --> cancelled: cancel",
    ]:
        assert edge in diagram
    assert "closed --> cancelled" not in diagram
