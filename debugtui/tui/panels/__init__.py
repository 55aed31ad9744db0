"""Evidence panels: one tab per source, each collecting in a worker and pinning to the notebook."""
