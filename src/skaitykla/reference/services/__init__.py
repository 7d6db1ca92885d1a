"""Every state change of the reference app: one keyword-only function per use case.

Each owns its transaction, locks, audit row, statistics facts and e-mails (``queue_email`` sends
after commit). Contact data of the asker never reaches a fact.

The modules are named by use case; everything is re-exported here, so callers keep writing
``from skaitykla.reference import services; services.claim_question(...)``.
"""

from __future__ import annotations

from skaitykla.reference.services.answer_templates import (
    delete_answer_template,
    save_answer_template,
)
from skaitykla.reference.services.answering import answer_question, rate_answer
from skaitykla.reference.services.archive import asker_names, publish_entry, unpublish_entry
from skaitykla.reference.services.desk import Tally, log_desk_transactions
from skaitykla.reference.services.intake import (
    GLOBAL_LIMIT,
    GLOBAL_WINDOW,
    INTERPRETER_NOTICE_DAYS,
    MIN_FILL_SECONDS,
    PER_ADDRESS_LIMITS,
    Submission,
    check_submission,
    submit_question,
)
from skaitykla.reference.services.questions import (
    add_note,
    ask_reader,
    assign_question,
    claim_question,
    close_question,
    reject_question,
    release_lapsed_claims,
    release_question,
    reply_as_reader,
    transfer_question,
)
from skaitykla.reference.services.reminders import send_deadline_reminders
from skaitykla.reference.services.retention import erase_expired_contacts
from skaitykla.reference.services.sanitising import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitise_html
from skaitykla.reference.services.settings import (
    PROFILE_FIELDS,
    PROFILE_LIMITS,
    normalise_subjects,
    profile_problems,
    set_read_wording,
    update_reference_profile,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "GLOBAL_LIMIT",
    "GLOBAL_WINDOW",
    "INTERPRETER_NOTICE_DAYS",
    "MIN_FILL_SECONDS",
    "PER_ADDRESS_LIMITS",
    "PROFILE_FIELDS",
    "PROFILE_LIMITS",
    "Submission",
    "Tally",
    "add_note",
    "answer_question",
    "ask_reader",
    "asker_names",
    "assign_question",
    "check_submission",
    "claim_question",
    "close_question",
    "delete_answer_template",
    "erase_expired_contacts",
    "log_desk_transactions",
    "normalise_subjects",
    "profile_problems",
    "publish_entry",
    "rate_answer",
    "reject_question",
    "release_lapsed_claims",
    "release_question",
    "reply_as_reader",
    "sanitise_html",
    "save_answer_template",
    "send_deadline_reminders",
    "set_read_wording",
    "submit_question",
    "transfer_question",
    "unpublish_entry",
    "update_reference_profile",
]
