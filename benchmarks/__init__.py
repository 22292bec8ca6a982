"""Benchmarks: each measures the engine beside a named anchor in the same run."""
