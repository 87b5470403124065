"""Hypothesis profiles of the fuzz suite, and the counts it reports.

- `sample` (default): 30 examples per form, part of `make test`;
- `fuzz`: 10,000 examples per form (`make fuzz`, HYPOTHESIS_PROFILE=fuzz);
FUZZ_EXAMPLES=<n> overrides the number of either. The profiles apply to these tests only.
"""

import os
from collections import Counter

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,  # nothing written under the work tree
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("sample", max_examples=30, **_COMMON)
settings.register_profile("fuzz", max_examples=10_000, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "sample")
if PROFILE not in ("sample", "fuzz"):
    PROFILE = "sample"
FUZZ_SETTINGS = settings(settings.get_profile(PROFILE))
if os.environ.get("FUZZ_EXAMPLES"):
    FUZZ_SETTINGS = settings(FUZZ_SETTINGS, max_examples=int(os.environ["FUZZ_EXAMPLES"]))

# target name -> Counter of HTTP status codes, filled by the tests.
STATUSES: dict[str, Counter] = {}


def pytest_terminal_summary(terminalreporter):
    if not STATUSES:
        return
    terminalreporter.write_line(f"fuzz ({PROFILE}, max_examples={FUZZ_SETTINGS.max_examples} per target):")
    total = 0
    for name, counts in sorted(STATUSES.items()):
        runs = sum(counts.values())
        total += runs
        by_status = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        terminalreporter.write_line(f"  {name}: {runs} requests ({by_status})")
    terminalreporter.write_line(
        f"  total: {total} requests, 5xx: {sum(c[s] for c in STATUSES.values() for s in c if s >= 500)}"
    )
