"""Post-mortem rendering (Markdown, JSON) and secret redaction."""
