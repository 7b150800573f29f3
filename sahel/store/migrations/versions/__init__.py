"""One module per schema revision, applied in order (see docs/deploy.md)."""
