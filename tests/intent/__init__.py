"""Tests of pipelines.intent."""
