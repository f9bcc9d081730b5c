"""Tests of pipelines.core."""
