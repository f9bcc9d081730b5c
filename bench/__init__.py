"""Benchmarks: each is its own command (``python -m bench.<name>``) and writes a markdown report."""
