"""Fake LLM servers that speak the real Ollama and OpenAI-compatible protocols (tests and benchmarks only)."""
