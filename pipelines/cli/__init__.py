"""`python -m pipelines <command>`: ingest, search, plan, chat."""
