"""Tests of pipelines.agent."""
