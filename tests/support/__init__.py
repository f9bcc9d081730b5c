"""Test helpers shared by the suite and the benchmarks: scripted runs, synthetic data, UI fakes."""
