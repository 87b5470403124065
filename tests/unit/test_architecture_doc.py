"""docs/architecture.md carries the layer diagram generated from the code."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_architecture_layer_diagram_is_current():
    diagram = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "import_report.py"), "--diagram"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert diagram in doc, "docs/architecture.md is stale: paste `python .ci/import_report.py --diagram`"
