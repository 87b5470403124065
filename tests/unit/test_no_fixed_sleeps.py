"""No fixed sleeps in the tests: a test waits for an event (tests.waiting.wait_until, a
worker stack's wait_idle, Playwright's expect), never for a fixed time, which is too short
on a loaded machine and too long everywhere else."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# The polling helper itself, and the fake gateway whose "hang" behaviour is a deliberate
# slow answer.
ALLOWED = {TESTS / "waiting.py", TESTS / "fake_kavenegar.py"}
FORBIDDEN = {"sleep", "wait_for_timeout"}


def fixed_waits(source: str) -> list[tuple[int, str]]:
    """(line, name) of every call to sleep or wait_for_timeout, however it was reached:
    time.sleep, asyncio.sleep, `from time import sleep [as nap]`, page.wait_for_timeout."""
    tree = ast.parse(source)
    aliases = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name in FORBIDDEN
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN:
                found.append((node.lineno, func.attr))
            elif isinstance(func, ast.Name) and (func.id in FORBIDDEN or func.id in aliases):
                found.append((node.lineno, aliases.get(func.id, func.id)))
    return sorted(found)


def test_the_check_finds_each_form_of_fixed_wait():
    source = (
        "import time\nfrom time import sleep as nap, sleep\n"
        "time.sleep(1)\nsleep(2)\nnap(3)\npage.wait_for_timeout(500)\n"
        "async def f():\n    await asyncio.sleep(1)\n"
        "wait_until(lambda: True)\nevent.wait(5)\n"
    )
    assert fixed_waits(source) == [(3, "sleep"), (4, "sleep"), (5, "sleep"), (6, "wait_for_timeout"), (8, "sleep")]


def test_no_fixed_sleep_in_tests():
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line}: {name}()"
        for path in sorted(TESTS.rglob("*.py"))
        if path not in ALLOWED
        for line, name in fixed_waits(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "fixed waits in tests (poll with tests.waiting.wait_until or use expect()):\n" + "\n".join(
        offenders
    )
