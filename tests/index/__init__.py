"""Tests of pipelines.index."""
