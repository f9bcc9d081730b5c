"""A chat turn: the LLM agent, the offline agent, prompts, session memory and the turn log."""
