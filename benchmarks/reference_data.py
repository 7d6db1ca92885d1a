"""The reference data the circulation and SIP2 benchmarks measure against: the sizes of the
quality guide's performance targets, filled by ``seed_scale``."""

from __future__ import annotations

LIBRARIES = 5
READERS = 200_000
RECORDS = 1_000_000
ITEMS = 2_000_000


def seed_scale_arguments(
    *, readers: int = READERS, records: int = RECORDS, items: int = ITEMS
) -> list[str]:
    """The ``seed_scale`` command line for these sizes (the reference sizes by default)."""
    return [
        "--libraries",
        str(LIBRARIES),
        "--readers",
        str(readers),
        "--records",
        str(records),
        "--items",
        str(items),
    ]
