"""AIYO 愛遊 pipelines: ingestion, retrieval, itinerary planning and the travel agent."""
