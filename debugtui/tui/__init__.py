"""The Textual application: it orchestrates and renders, the core does the work."""
