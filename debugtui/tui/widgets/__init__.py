"""Reusable widgets of the Textual application."""
