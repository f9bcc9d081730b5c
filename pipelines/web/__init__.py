"""The Gradio page's services and pieces: runtime, HTTP server and its edge (guard), turn gate, turn view,
panels, player."""
