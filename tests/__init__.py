"""The AIYO test suite: a package, so the benchmarks import its fakes and helpers as ``tests.…``."""
