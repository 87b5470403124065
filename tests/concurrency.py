"""Run one piece of work in several threads released together (the PostgreSQL concurrency
tests). Each thread closes its own database connection."""

import threading

from django.db import connection


def in_threads(n: int, target, *, refused: tuple = (), timeout: float = 120) -> list[tuple[str, object]]:
    """Call target(i) for i in 0..n-1, all threads released by one barrier. Returns one
    outcome per thread: ("ok", result), ("refused", class name) for an exception listed in
    `refused`, or ("crash", repr) for any other exception."""
    barrier = threading.Barrier(n)
    outcomes: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", target(i))
        except refused as exc:
            outcomes[i] = ("refused", type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - every outcome is reported to the test
            outcomes[i] = ("crash", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes
