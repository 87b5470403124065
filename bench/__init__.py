"""Benchmarks against the real stack; see bench/README.md."""
