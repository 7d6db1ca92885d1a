"""Domain errors of the reference app (stable codes)."""

from skaitykla.core.errors import DomainError


class ReferenceError(DomainError):
    code = "reference_error"


class QuestionStateError(ReferenceError):
    code = "question_wrong_status"


class ClaimedByOtherError(ReferenceError):
    code = "question_claimed_by_other"


class SubmissionRejectedError(ReferenceError):
    code = "question_submission_rejected"


class PublicationBlockedError(ReferenceError):
    code = "kb_personal_data"


class TooEarlyError(ReferenceError):
    code = "request_too_late"
