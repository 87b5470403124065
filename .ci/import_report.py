"""Print the import health of the portal's packages (`make lint` runs it).

- import cycles between modules, counting imports inside functions (grimp sees those too):
  each strongly connected group of two or more modules is one cycle group;
- imports inside functions, and how many of them carry no comment saying why.

It prints; the layer rules themselves are enforced by import-linter (`.importlinter`).
"""

import ast
import sys
from pathlib import Path

import grimp

PACKAGES = ("cms_site", "election_pages", "member_workflow", "otp_delivery")
ROOT = Path(__file__).resolve().parent.parent


def cycle_groups(graph) -> list[list[str]]:
    """Tarjan's strongly connected components over the module graph, groups of 2+ only."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def _explained(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or just above its block of imports."""
    if "#" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0 and (lines[above].strip().startswith(("from ", "import ", ")")) or not lines[above].strip()):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def function_imports() -> tuple[int, list[str]]:
    """All imports inside functions, and those without a comment on or just above them."""
    total, unexplained = 0, []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        total += 1
                        if not _explained(lines, inner.lineno):
                            unexplained.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return total, unexplained


# The boxes of the layer diagram in docs/architecture.md: each module counts for the
# longest of these prefixes it starts with.
DIAGRAM_UNITS = (
    "cms_site.common",
    "cms_site.audit",
    "cms_site.demo",
    "cms_site.celery",
    "cms_site",
    "otp_delivery",
    "member_workflow",
    "election_pages.pages",
    "election_pages.results",
    "election_pages.notices",
    "election_pages.voting",
    "election_pages.lifecycle",
    "election_pages",
)


def _unit(module: str) -> str:
    return next(u for u in DIAGRAM_UNITS if module == u or module.startswith(u + "."))


def layer_diagram(graph) -> str:
    """A Mermaid graph of which unit imports which (in-function imports included)."""
    edges = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = _unit(module), _unit(imported)
            if a != b:
                edges.add((a, b))
    lines = ["```mermaid", "graph TD"]
    lines += [f"    {a.replace('.', '_')}[{a}] --> {b.replace('.', '_')}[{b}]" for a, b in sorted(edges)]
    lines.append("```")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    if "--diagram" in sys.argv:
        print(layer_diagram(graph))
        return 0
    groups = cycle_groups(graph)
    total, unexplained = function_imports()
    print(f"import cycles (grimp, in-function imports included): {len(groups)} group(s)")
    for group in groups:
        print("  - " + " ↔ ".join(group))
    print(f"imports inside functions: {total}, without a comment saying why: {len(unexplained)}")
    for where in unexplained:
        print(f"  - {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
