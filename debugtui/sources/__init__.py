"""Evidence sources: plain Python, one module each, never importing Textual."""
