"""Refusals of the events app, each with a stable code."""

from __future__ import annotations

from skaitykla.core.errors import DomainError, NotFoundError


class EventNotFoundError(NotFoundError):
    code = "event_not_found"


class InvalidEventError(DomainError):
    code = "event_invalid"


class InvalidCapacityError(DomainError):
    code = "capacity_invalid"


class InvalidSessionTimesError(DomainError):
    code = "session_times_invalid"


class RoomDoubleBookedError(DomainError):
    code = "room_double_booked"


class RoomTooSmallError(DomainError):
    code = "room_too_small"


class RegistrationClosedError(DomainError):
    code = "registration_closed"


class SessionCancelledError(DomainError):
    code = "session_cancelled"


class DuplicateRegistrationError(DomainError):
    code = "registration_duplicate"


class InvalidRegistrantError(DomainError):
    code = "registrant_invalid"


class RegistrationStateError(DomainError):
    code = "registration_state"


class InvalidTokenError(DomainError):
    code = "token_invalid"


class CheckInError(DomainError):
    code = "check_in_refused"


class FeedbackError(DomainError):
    code = "feedback_refused"
