"""Unsealing benchmark (issue 12): open N sealed ballots, against libsodium itself.

    .venv/bin/python bench/unseal_bench.py --ballots 100000

Needs no database. Makes an election key pair and N ballots sealed with
`crypto.ballot_seal` (three positions with limits 5/3/1, three-digit candidate ids, each
ballot padded to the election's fixed size), then times, in the same run and interleaved
for `--rounds` rounds:

- raw, 1 core: `nacl.bindings.crypto_box_seal_open` in a loop over a sample;
- raw, all cores: the same call alone in a fork pool of one process per core, over the
  same chunks `ballots_open` uses, the plaintexts sent back to the parent (the baseline);
- `ballots_open`: the unsealing code on all N (fork pool, JSON parse and shape check).

The two pool runs alternate in order from round to round. Prints ballots/s for each (best
round), the ratio ballots_open / raw all cores (target ≥ 0.8) as the median of the rounds'
paired ratios, and the CPU time per ballot of each pool run (parent and workers, from
getrusage: less sensitive than wall time to other load on a shared machine), as a
markdown table row.
"""

import argparse
import datetime
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.test")

import django  # noqa: E402

django.setup()

import nacl.bindings  # noqa: E402

from election_pages.secrecy import crypto  # noqa: E402
from election_pages.voting import unsealing  # noqa: E402

LIMITS = {"101": 5, "102": 3, "103": 1}
CANDIDATES = {"101": range(201, 213), "102": range(301, 307), "103": range(401, 404)}

_KEYS: tuple[bytes, bytes] | None = None  # the raw pool's keys, copied by the fork


def _raw_chunk(ciphertexts: list[bytes]) -> list[bytes]:
    private, public = _KEYS
    return [nacl.bindings.crypto_box_seal_open(c, public, private) for c in ciphertexts]


def ballots_make(n: int, public: bytes) -> tuple[list[bytes], list[dict]]:
    rng = random.Random(12)
    size = crypto.ballot_plaintext_size(limits=LIMITS, id_digits=3)
    # Most voters fill every position; one in four leaves some places empty.
    choices = [
        {k: rng.sample(CANDIDATES[k], lim if rng.random() < 0.75 else rng.randint(0, lim)) for k, lim in LIMITS.items()}
        for _ in range(n)
    ]
    return [crypto.ballot_seal(c, public=public, size=size) for c in choices], choices


def raw_one_core(sample: list[bytes], private: bytes, public: bytes) -> float:
    start = time.perf_counter()
    for c in sample:
        nacl.bindings.crypto_box_seal_open(c, public, private)
    return len(sample) / (time.perf_counter() - start)


def _cpu() -> float:
    """CPU seconds of this process and of its finished (reaped) children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run, n: int) -> tuple[float, float, list]:
    """(ballots/s wall, CPU µs per ballot, result) of run()."""
    cpu, start = _cpu(), time.perf_counter()
    result = run()
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    return n / elapsed, cpu / n * 1e6, result


def raw_all_cores(ciphertexts: list[bytes], private: bytes, public: bytes, cores: int) -> list[bytes]:
    global _KEYS
    chunks = [ciphertexts[i : i + unsealing.CHUNK] for i in range(0, len(ciphertexts), unsealing.CHUNK)]
    _KEYS = (private, public)
    try:
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            return [p for result in pool.imap(_raw_chunk, chunks) for p in result]
    finally:
        _KEYS = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=20_000, help="ballots for the single-core raw loop")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    private, public = crypto.keypair_new()
    start = time.perf_counter()
    ciphertexts, choices = ballots_make(args.ballots, public)
    size = len(ciphertexts[0])
    print(f"{args.ballots} ballots of {size} bytes sealed in {time.perf_counter() - start:.1f} s; {cores} cores")
    # Sealing's share of a confirm (budget: < 5 ms CPU): one ballot sealed and hashed.
    seal_n = min(args.ballots, 20_000)
    cpu0 = time.process_time()
    for index in range(seal_n):
        crypto.tracker(
            crypto.ballot_seal(
                choices[index], public=public, size=crypto.ballot_plaintext_size(limits=LIMITS, id_digits=3)
            )
        )
    seal_us = (time.process_time() - cpu0) / seal_n * 1e6
    print(f"sealing + tracker: {seal_us:.0f} µs CPU per ballot (budget 5,000 µs per confirm)")
    sample = ciphertexts[: args.sample]
    expected = [{k: sorted(v) for k, v in c.items()} for c in choices]
    n = len(ciphertexts)
    one, raw, ours = [], [], []
    for round_ in range(1, args.rounds + 1):
        one.append(raw_one_core(sample, private, public))
        pair = {}
        for which in ("raw", "ours") if round_ % 2 else ("ours", "raw"):
            if which == "raw":
                pair[which] = timed(lambda: raw_all_cores(ciphertexts, private, public, cores), n)
                assert len(pair[which][2]) == n
            else:
                pair[which] = timed(lambda: unsealing.ballots_open(ciphertexts, private=private, public=public), n)
                assert pair[which][2] == expected
        raw.append(pair["raw"][:2])
        ours.append(pair["ours"][:2])
        print(
            f"round {round_}: raw 1 core {one[-1]:,.0f}/s; raw {cores} cores {raw[-1][0]:,.0f}/s "
            f"({raw[-1][1]:.0f} µs CPU/ballot); ballots_open {ours[-1][0]:,.0f}/s ({ours[-1][1]:.0f} µs CPU/ballot); "
            f"ratio {ours[-1][0] / raw[-1][0]:.2f}"
        )
    ratio = statistics.median(o[0] / r[0] for o, r in zip(ours, raw, strict=True))
    cpu_raw, cpu_ours = min(r[1] for r in raw), min(o[1] for o in ours)
    print()
    print(
        "| date | ballots | cores | raw, 1 core | raw, all cores (fork pool) | `ballots_open` "
        "| ratio (median of rounds) | CPU µs/ballot raw pool / `ballots_open` |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| {datetime.date.today().isoformat()} | {n:,} | {cores} | {max(one):,.0f}/s "
        f"| {max(r[0] for r in raw):,.0f}/s | {max(o[0] for o in ours):,.0f}/s | {ratio:.2f} "
        f"| {cpu_raw:.0f} / {cpu_ours:.0f} ({cpu_raw / cpu_ours:.2f}) |"
    )


if __name__ == "__main__":
    main()
