"""Reproducible speed and quality measurements; run as `python -m benchmarks.<name>` from the repository root."""
