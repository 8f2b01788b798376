"""Benchmarks (`make bench`): figures written to bench/report.md and bench/report.json."""
