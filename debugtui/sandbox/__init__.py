"""Throwaway engines (a PostgreSQL cluster, a podman service) in temp directories, as plain
Python classes: the tests' fixtures, ``debugtui demo`` and the benchmarks launch them here.

Nothing here is imported by the CLI or the TUI at start-up.
"""
