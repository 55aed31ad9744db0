"""debugtui's benchmark suite: each claim measured as a ratio against the reference tool."""
