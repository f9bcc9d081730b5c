"""From the corpus folder to Segments: transcripts, chapters, the places gazetteer, the loader (no vectors)."""
