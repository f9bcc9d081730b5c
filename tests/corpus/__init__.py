"""Tests of pipelines.corpus (and the sample-corpus scripts)."""
