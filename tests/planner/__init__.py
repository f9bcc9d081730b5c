"""Tests of pipelines.planner."""
