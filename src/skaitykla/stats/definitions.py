"""The measure and indicator catalogues: what is counted, from which facts, and how.

Pure data, shared by every layer of the stats app. A measure names the fact kinds it is computed
from (an unknown kind is simply not counted); an indicator declares its formula over measures and
the two setting tables (population served, collection figures) so anyone can reproduce a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

Aggregate = Literal["quantity", "value", "facts", "snapshot"]


@dataclass(frozen=True)
class Source:
    """Facts of one kind, optionally only some channels or categories."""

    kind: str
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def matches(self, kind: str, channel: str, category: str) -> bool:
        return (
            kind == self.kind
            and (not self.channels or channel in self.channels)
            and (not self.categories or category in self.categories)
        )

    def describe(self) -> str:
        text = self.kind
        if self.channels:
            text += f" [channel: {', '.join(self.channels)}]"
        if self.categories:
            text += f" [category: {', '.join(self.categories)}]"
        return text


@dataclass(frozen=True)
class Measure:
    code: str
    name: str | Promise
    definition: str | Promise
    unit: str | Promise
    iso_term: str
    sources: tuple[Source, ...]
    aggregate: Aggregate = "quantity"
    group: str | Promise = ""
    national_code: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(source.kind for source in self.sources))


TRAINING = "training"
VIRTUAL = "virtual"

# Kinds whose individual values are kept (a value histogram) so medians are exact.
DISTRIBUTION_KINDS = (
    "stack_order",
    "question_answered",
    "reference_transaction",
    "rating",
    "question_rated",
)

USERS = _("Users")
USE = _("Use of services")
REFERENCE = _("Reference and information")
EVENTS = _("Events and training")
ELECTRONIC = _("Electronic services")

MEASURES: tuple[Measure, ...] = (
    Measure(
        "registered_readers",
        _("Registered readers"),
        _(
            "Readers with a valid registration: the latest daily snapshot in the period, summed "
            "over the libraries."
        ),
        _("readers"),
        "ISO 2789 registered users",
        (Source("registered_readers"),),
        aggregate="snapshot",
        group=USERS,
        national_code="VART",
    ),
    Measure(
        "active_readers",
        _("Active readers"),
        _(
            "Registered readers who used any service in the period (one de-identified fact the "
            "first time a reader uses a service in a calendar year)."
        ),
        _("readers"),
        "ISO 2789 active users",
        (Source("active_reader"),),
        group=USERS,
        national_code="AKTV",
    ),
    Measure(
        "new_registrations",
        _("New registrations"),
        _("Readers registered for the first time in the period."),
        _("readers"),
        "ISO 2789 new registered users",
        (Source("registration"),),
        group=USERS,
        national_code="NREG",
    ),
    Measure(
        "visits",
        _("Physical visits"),
        _("Entries to the library's reading rooms counted at the entry desk or gate."),
        _("visits"),
        "ISO 2789 visits",
        (Source("visit"),),
        group=USE,
        national_code="LANK",
    ),
    Measure(
        "virtual_visits",
        _("Virtual visits"),
        _(
            "Portal sessions plus attendance at virtual events and trainings (counted as virtual "
            "visits under the Lithuanian Library Council decision of 24 November 2020)."
        ),
        _("visits"),
        "ISO 2789 virtual visits",
        (Source("portal_session"), Source("event_attendance", channels=(VIRTUAL,))),
        group=USE,
        national_code="VLANK",
    ),
    Measure(
        "loans",
        pgettext_lazy("statistics measure", "Loans"),
        _("Items lent for home use or for use in a reading room (renewals excluded)."),
        pgettext_lazy("statistics measure", "loans"),
        "ISO 2789 loans",
        (Source("loan"),),
        group=USE,
        national_code="ISD",
    ),
    Measure(
        "renewals",
        _("Renewals"),
        _("Extensions of the loan period."),
        _("renewals"),
        "ISO 2789 renewals",
        (Source("renewal"),),
        group=USE,
        national_code="PRAT",
    ),
    Measure(
        "in_house_uses",
        _("In-house uses"),
        _("Items used on the premises without a loan (counted when reshelved)."),
        _("uses"),
        "ISO 2789 in-house use",
        (Source("in_house_use"),),
        group=USE,
        national_code="VIET",
    ),
    Measure(
        "stack_orders",
        _("Closed-stack orders"),
        _("Items ordered from closed stacks and delivered to a reading room."),
        _("orders"),
        "ISO 2789 closed-stack requests",
        (Source("stack_order"),),
        group=USE,
        national_code="SAUG",
    ),
    Measure(
        "stack_retrieval_minutes",
        _("Closed-stack retrieval time"),
        _("Total minutes from order to delivery over all closed-stack orders."),
        _("minutes"),
        "ISO 11620 document retrieval time (input)",
        (Source("stack_order"),),
        aggregate="value",
        group=USE,
    ),
    Measure(
        "holds",
        _("Holds"),
        _("Reservations placed on items."),
        _("holds"),
        "ISO 2789 reservations",
        (Source("hold"),),
        group=USE,
        national_code="REZ",
    ),
    Measure(
        "reference_transactions",
        _("Reference transactions"),
        _(
            "Information requests answered at a desk or remotely; broken down by channel and "
            "READ level."
        ),
        _("transactions"),
        "ISO 2789 reference questions",
        (Source("reference_transaction"),),
        group=REFERENCE,
        national_code="UZKL",
    ),
    Measure(
        "questions_received",
        _("Ask-a-Librarian questions received"),
        _("Questions received through the Ask-a-Librarian service."),
        _("questions"),
        "ISO 2789 information requests (electronic)",
        (Source("question_received"),),
        group=REFERENCE,
        national_code="KLB",
    ),
    Measure(
        "questions_answered",
        _("Ask-a-Librarian questions answered"),
        _("Questions answered through the Ask-a-Librarian service."),
        _("questions"),
        "ISO 2789 information requests answered",
        (Source("question_answered"),),
        group=REFERENCE,
        national_code="KLBA",
    ),
    Measure(
        "answer_working_days",
        _("Answer time"),
        _("Total working days from question to answer over all answered questions."),
        _("working days"),
        "ISO 11620 speed of reference transactions (input)",
        (Source("question_answered"),),
        aggregate="value",
        group=REFERENCE,
    ),
    Measure(
        "event_sessions",
        _("Event sessions"),
        _("Sessions of events held (exhibitions, lectures, readings and trainings)."),
        _("sessions"),
        "ISO 2789 events",
        (Source("event_session_held"),),
        group=EVENTS,
        national_code="REN",
    ),
    Measure(
        "event_hours",
        _("Event hours"),
        _("Hours of event sessions held, trainings included."),
        _("hours"),
        "ISO 2789 event hours",
        (Source("event_session_held"),),
        aggregate="value",
        group=EVENTS,
    ),
    Measure(
        "event_attendees",
        _("Event attendees"),
        _("Attendees at events, in person and virtual, broken down by audience."),
        _("attendees"),
        "ISO 2789 attendances at events",
        (Source("event_attendance"),),
        group=EVENTS,
        national_code="RLANK",
    ),
    Measure(
        "training_sessions",
        _("Training sessions"),
        _("Sessions of user training (events whose audience category is training)."),
        _("sessions"),
        "ISO 2789 user training sessions",
        (Source("event_session_held", categories=(TRAINING,)),),
        group=EVENTS,
        national_code="MOK",
    ),
    Measure(
        "training_hours",
        _("Training hours"),
        _("Hours of user training sessions."),
        _("hours"),
        "ISO 2789 user training hours",
        (Source("event_session_held", categories=(TRAINING,)),),
        aggregate="value",
        group=EVENTS,
        national_code="MOKV",
    ),
    Measure(
        "training_attendees",
        _("Training attendees"),
        _("Attendees at user training sessions."),
        _("attendees"),
        "ISO 2789 attendances at user training",
        (Source("event_attendance", categories=(TRAINING,)),),
        group=EVENTS,
        national_code="MOKD",
    ),
    Measure(
        "searches",
        _("Catalogue searches"),
        _("Searches run in the public catalogue."),
        _("searches"),
        "ISO 2789 searches",
        (Source("search"),),
        group=ELECTRONIC,
        national_code="PAI",
    ),
    Measure(
        "zero_result_searches",
        _("Zero-result searches"),
        _("Catalogue searches that found nothing."),
        _("searches"),
        "ISO 2789 searches (unsuccessful)",
        (Source("search_zero_result"),),
        group=ELECTRONIC,
        national_code="PAI0",
    ),
    Measure(
        "ratings",
        _("Satisfaction ratings"),
        _("Ratings (1–5) given by users in feedback and to answers."),
        _("ratings"),
        "ISO 11620 user satisfaction (input)",
        (Source("rating"), Source("question_rated")),
        aggregate="facts",
        group=USERS,
    ),
    Measure(
        "rating_points",
        _("Satisfaction rating points"),
        _("Sum of the ratings (1–5) given by users."),
        _("points"),
        "ISO 11620 user satisfaction (input)",
        (Source("rating"), Source("question_rated")),
        aggregate="value",
        group=USERS,
    ),
)

MEASURES_BY_CODE: dict[str, Measure] = {m.code: m for m in MEASURES}


# --- Indicators -----------------------------------------------------------------------------------

InputKind = Literal[
    "measure", "population", "items_held", "items_not_loaned", "median", "count_at_most"
]
DEADLINE_WORKING_DAYS = 3  # the reference app's default answer deadline


@dataclass(frozen=True)
class Input:
    """One named operand of an indicator's formula."""

    name: str
    kind: InputKind
    measure: str = ""  # for "measure"
    source: Source | None = None  # for "median" and "count_at_most"
    at_most: int = 0  # for "count_at_most": facts whose value is at most this


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str | Promise
    formula: str | Promise
    unit: str | Promise
    iso_term: str
    inputs: tuple[Input, ...]
    operation: Literal["ratio", "percent", "median", "mean"] = "ratio"
    national_code: str = ""
    extra: dict[str, str] = field(default_factory=dict)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "collection_turnover",
        _("Collection turnover"),
        _("loans ÷ items held"),
        _("loans per item"),
        "ISO 11620 B.2.1.1",
        (Input("loans", "measure", "loans"), Input("items_held", "items_held")),
        national_code="APYV",
    ),
    Indicator(
        "loans_per_capita",
        _("Loans per capita"),
        _("loans ÷ population served"),
        _("loans per inhabitant"),
        "ISO 11620 B.2.1.2",
        (Input("loans", "measure", "loans"), Input("population", "population")),
        national_code="ISD1G",
    ),
    Indicator(
        "visits_per_capita",
        _("Visits per capita"),
        _("physical visits ÷ population served"),
        _("visits per inhabitant"),
        "ISO 11620 B.2.2.1",
        (Input("visits", "measure", "visits"), Input("population", "population")),
        national_code="LANK1G",
    ),
    Indicator(
        "stock_not_used",
        _("Percentage of the collection not used"),
        _("items not loaned in the period ÷ items held × 100"),
        _("%"),
        "ISO 11620 B.2.1.3",
        (Input("items_not_loaned", "items_not_loaned"), Input("items_held", "items_held")),
        operation="percent",
    ),
    Indicator(
        "registration_share",
        _("Registered readers as a share of the population"),
        _("registered readers ÷ population served × 100"),
        _("%"),
        "ISO 11620 percentage of the target population reached",
        (
            Input("registered_readers", "measure", "registered_readers"),
            Input("population", "population"),
        ),
        operation="percent",
        national_code="VART%",
    ),
    Indicator(
        "median_answer_days",
        _("Median answer time"),
        _("median of the working days from question to answer"),
        _("working days"),
        "ISO 11620 speed of reference transactions",
        (Input("answer_days", "median", source=Source("question_answered")),),
        operation="median",
    ),
    Indicator(
        "answered_within_deadline",
        _("Questions answered within the deadline"),
        _(
            "questions answered in at most 3 working days (the default deadline) ÷ questions "
            "answered × 100"
        ),
        _("%"),
        "ISO 11620 speed of reference transactions",
        (
            Input(
                "answered_within_deadline",
                "count_at_most",
                source=Source("question_answered"),
                at_most=DEADLINE_WORKING_DAYS,
            ),
            Input("questions_answered", "measure", "questions_answered"),
        ),
        operation="percent",
    ),
    Indicator(
        "median_retrieval_minutes",
        _("Median closed-stack retrieval time"),
        _("median of the minutes from order to delivery"),
        _("minutes"),
        "ISO 11620 median time of document retrieval from closed stacks",
        (Input("retrieval_minutes", "median", source=Source("stack_order")),),
        operation="median",
    ),
    Indicator(
        "attendance_per_session",
        _("Attendance per event session"),
        _("event attendees ÷ event sessions"),
        _("attendees per session"),
        "ISO 11620 user attendances at library events",
        (
            Input("event_attendees", "measure", "event_attendees"),
            Input("event_sessions", "measure", "event_sessions"),
        ),
    ),
    Indicator(
        "user_satisfaction",
        _("User satisfaction"),
        _("rating points ÷ ratings (mean rating on a 1–5 scale)"),
        _("points of 5"),
        "ISO 11620 user satisfaction",
        (
            Input("rating_points", "measure", "rating_points"),
            Input("ratings", "measure", "ratings"),
        ),
        operation="mean",
    ),
)

INDICATORS_BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}

# Every kind any measure or indicator reads.
SOURCE_KINDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [s.kind for m in MEASURES for s in m.sources]
        + [i.source.kind for ind in INDICATORS for i in ind.inputs if i.source]
    )
)
