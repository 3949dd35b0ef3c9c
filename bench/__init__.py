"""Benchmarks and the process harness shared with tests/scale."""
