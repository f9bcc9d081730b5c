"""Tests of pipelines.web and app.py."""
