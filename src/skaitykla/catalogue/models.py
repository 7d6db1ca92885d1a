"""Bibliographic records, items (copies) and the search index."""
