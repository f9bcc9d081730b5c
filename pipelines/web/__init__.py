"""The Gradio page's services and pieces: runtime, HTTP server, turn view, panels, player."""
