"""Staff circulation screens: desk, check-in, hold shelf, pick list, a reader's circulation."""
