"""The investigation notebook: the model (dataclasses) and its SQLite store."""
