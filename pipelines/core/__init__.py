"""Shared ground every layer stands on: settings, domain models, errors, events, citations, text rules
(and input cleaning), secret redaction, ports."""
