"""Refusals of the catalogue, each with a stable code."""

from __future__ import annotations

from skaitykla.core.errors import DomainError, NotFoundError


class NotMarcError(DomainError):
    """The file is not MARC in any format we read (one clear error for the whole file)."""

    code = "not_marc"


class DuplicateBarcodeError(DomainError):
    code = "duplicate_barcode"


class InvalidBarcodeError(DomainError):
    code = "invalid_barcode"


class UnknownLibraryError(DomainError):
    code = "unknown_library"


class RecordNotFoundError(NotFoundError):
    code = "record_not_found"


class ItemNotFoundError(NotFoundError):
    code = "item_not_found"
