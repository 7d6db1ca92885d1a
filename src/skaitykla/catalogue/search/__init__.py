"""The catalogue search: one Python analyzer, a query parser, and a backend per database."""
