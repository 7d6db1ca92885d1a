"""Staff roles: groups with permissions, created and kept in step after every migrate.

Later apps add their permissions to a role by extending ``ROLE_PERMISSIONS`` through their own
``roles`` entry (``app_label.codename``); a permission that does not exist yet is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    name: str | Promise
    permissions: tuple[str, ...]


ADMINISTRATOR = "administrator"
HEAD_OF_DEPARTMENT = "head_of_department"
DESK_LIBRARIAN = "desk_librarian"
STACK_ATTENDANT = "stack_attendant"
REFERENCE_LIBRARIAN = "reference_librarian"
EVENTS_COORDINATOR = "events_coordinator"
ANALYST = "analyst"

_PLACES = (
    "core.view_library",
    "core.view_servicepoint",
    "core.view_readingroom",
    "core.view_openinghours",
    "core.view_calendarexception",
)
_PLACES_EDIT = (
    "core.add_library",
    "core.change_library",
    "core.add_servicepoint",
    "core.change_servicepoint",
    "core.add_readingroom",
    "core.change_readingroom",
    "core.add_openinghours",
    "core.change_openinghours",
    "core.delete_openinghours",
    "core.add_calendarexception",
    "core.change_calendarexception",
    "core.delete_calendarexception",
)

# Readers (patrons app): the desk registers, verifies, issues cards, blocks and scans room entry;
# heads of department also decide room permissions, erase readers and edit categories/policy.
_READERS_DESK = (
    "patrons.view_reader",
    "patrons.add_reader",
    "patrons.change_reader",
    "patrons.verify_reader",
    "patrons.block_reader",
    "patrons.scan_room_entry",
    "patrons.view_card",
    "patrons.add_card",
    "patrons.change_card",
    "patrons.view_block",
    "patrons.view_consent",
    "patrons.view_roompermission",
    "patrons.view_visit",
    "patrons.view_readercategory",
)
_READERS_HEAD = (
    *_READERS_DESK,
    "patrons.erase_reader",
    "patrons.add_roompermission",
    "patrons.change_roompermission",
    "patrons.change_readercategory",
    "patrons.add_readercategory",
    "patrons.change_readerpolicy",
)

# Catalogue (issue 4): everyone sees records and items; desk and stack staff change an item's
# place and status; heads of department also add items and import MARC files.
_CATALOGUE = ("catalogue.view_record", "catalogue.view_item")
_CATALOGUE_ITEMS = (*_CATALOGUE, "catalogue.change_item")
_CATALOGUE_EDIT = (
    *_CATALOGUE_ITEMS,
    "catalogue.add_item",
    "catalogue.add_record",
    "catalogue.change_record",
    "catalogue.import_marc",
    "catalogue.view_importjob",
)

# Events (issue 8): coordinators create, copy and cancel events, manage registrations and the
# waiting list, message registrants and check people in; heads of department also set the policy.
_EVENTS = (
    "events.view_event",
    "events.add_event",
    "events.change_event",
    "events.view_session",
    "events.add_session",
    "events.change_session",
    "events.view_registration",
    "events.view_room",
    "events.view_topic",
    "events.add_topic",
    "events.change_topic",
    "events.view_feedback",
    "events.manage_registrations",
    "events.check_in",
    "events.message_registrants",
)
_EVENTS_HEAD = (
    *_EVENTS,
    "events.add_room",
    "events.change_room",
    "events.view_eventpolicy",
    "events.add_eventpolicy",
    "events.change_eventpolicy",
)

# Ask a Librarian and the desk log (issue 7): reference librarians answer, log desk consultations
# and publish to the answer archive; heads of department also coordinate the network's queue.
_REFERENCE = (
    "reference.answer_question",
    "reference.publish_kbentry",
    "reference.log_desk_transaction",
    "reference.view_question",
    "reference.view_knowledgebaseentry",
    "reference.view_desktransaction",
    "reference.add_answertemplate",
    "reference.change_answertemplate",
    "reference.view_answertemplate",
)
_REFERENCE_HEAD = (
    *_REFERENCE,
    "reference.coordinate_network",
    "reference.view_referenceprofile",
    "reference.add_referenceprofile",
    "reference.change_referenceprofile",
    "reference.change_readlevelwording",
    "reference.add_readlevelwording",
    "reference.view_readlevelwording",
    "reference.delete_answertemplate",
)

# Statistics (issue 9): analysts and heads of department see the dashboards and exports and keep
# the population served and collection figures per library and year.
_STATS = (
    "stats.view_statistics",
    "stats.view_populationserved",
    "stats.add_populationserved",
    "stats.change_populationserved",
    "stats.view_collectionfigures",
    "stats.add_collectionfigures",
    "stats.change_collectionfigures",
)

# Self-check kiosks (issue 6): heads of department manage the SIP2 kiosk accounts and reconcile
# the kiosks' offline (no-block) transactions.
_KIOSKS = (
    "sip2.manage_kiosks",
    "sip2.view_kioskaccount",
    "sip2.add_kioskaccount",
    "sip2.change_kioskaccount",
    "sip2.view_noblocktransaction",
)

# Circulation (issue 5): the desk lends, takes back, renews, places holds, records in-house use,
# takes payments and may override refusals; stack attendants fetch and hand out closed-stack
# orders; heads of department also edit the loan-policy table and waive fees.
_CIRCULATION_DESK = (
    "circulation.view_loan",
    "circulation.add_loan",
    "circulation.change_loan",
    "circulation.view_hold",
    "circulation.add_hold",
    "circulation.change_hold",
    "circulation.view_fee",
    "circulation.view_feetransaction",
    "circulation.view_inhouseuse",
    "circulation.add_inhouseuse",
    "circulation.view_stackorder",
    "circulation.add_stackorder",
    "circulation.view_transit",
    "circulation.view_loanpolicy",
    "circulation.override_refusal",
    "circulation.manage_fees",
    "circulation.view_offlinebatch",
    "circulation.add_offlinebatch",
)
_CIRCULATION_STACKS = (
    "circulation.view_stackorder",
    "circulation.change_stackorder",
    "circulation.handle_stack_orders",
    "circulation.view_loan",
    "circulation.view_hold",
    "circulation.view_transit",
)
_CIRCULATION_HEAD = (
    *_CIRCULATION_DESK,
    *_CIRCULATION_STACKS,
    "circulation.add_loanpolicy",
    "circulation.change_loanpolicy",
    "circulation.delete_loanpolicy",
    "circulation.view_stackordercutoff",
    "circulation.add_stackordercutoff",
    "circulation.change_stackordercutoff",
    "circulation.delete_stackordercutoff",
)

ROLES: tuple[Role, ...] = (
    Role(ADMINISTRATOR, _("Administrator"), ("*",)),
    Role(
        HEAD_OF_DEPARTMENT,
        _("Head of department"),
        (
            *_PLACES,
            *_PLACES_EDIT,
            "core.view_audit_log",
            "core.view_servicefact",
            *_READERS_HEAD,
            *_CATALOGUE_EDIT,
            *_REFERENCE_HEAD,
            *_EVENTS_HEAD,
            *_STATS,
            *_KIOSKS,
            *_CIRCULATION_HEAD,
        ),
    ),
    Role(
        DESK_LIBRARIAN,
        _("Desk librarian"),
        (*_PLACES, *_READERS_DESK, *_CATALOGUE_ITEMS, *_CIRCULATION_DESK),
    ),
    Role(
        STACK_ATTENDANT,
        _("Stack attendant"),
        (*_PLACES, *_CATALOGUE_ITEMS, *_CIRCULATION_STACKS),
    ),
    Role(
        REFERENCE_LIBRARIAN,
        _("Reference librarian"),
        (*_PLACES, *_CATALOGUE, *_REFERENCE),
    ),
    Role(EVENTS_COORDINATOR, _("Events coordinator"), (*_PLACES, *_EVENTS)),
    Role(ANALYST, _("Analyst"), (*_PLACES, "core.view_servicefact", *_CATALOGUE, *_STATS)),
)


def role_by_code(code: str) -> Role:
    for role in ROLES:
        if role.code == code:
            return role
    raise KeyError(code)


def _permission_filter(names: tuple[str, ...]) -> Q:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return query


def ensure_roles() -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.code)
        if role.permissions == ("*",):
            permissions = Permission.objects.all()
        else:
            permissions = Permission.objects.filter(_permission_filter(role.permissions))
        group.permissions.set(permissions)


def ensure_roles_after_migrate(**kwargs: object) -> None:
    ensure_roles()
