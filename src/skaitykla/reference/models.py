"""Models of the reference app."""
