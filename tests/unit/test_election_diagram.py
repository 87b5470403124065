"""A3: the documented state diagram is the one the code defines."""

from pathlib import Path

from election_pages.diagram import election_lifecycle_doc, election_state_diagram_mermaid


def test_a3_docs_diagram_is_generated_from_the_current_state_machine():
    doc = Path(__file__).resolve().parents[2] / "docs" / "election-lifecycle.md"
    assert doc.read_text(encoding="utf-8") == election_lifecycle_doc(), "run `manage.py election_diagram`"


def test_a3_diagram_has_every_lifecycle_edge():
    diagram = election_state_diagram_mermaid()
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
