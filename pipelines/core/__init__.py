"""Shared ground every layer stands on: settings, domain models, errors, events, citations, text rules, ports."""
