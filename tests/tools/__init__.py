"""Tests of pipelines.tools."""
