"""Django's PostgreSQL backend with a connection check that needs no round trip (``base``)."""
