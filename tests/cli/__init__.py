"""Tests of pipelines.cli."""
