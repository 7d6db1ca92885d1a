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
        ),
    ),
    Role(DESK_LIBRARIAN, _("Desk librarian"), (*_PLACES, *_READERS_DESK, *_CATALOGUE_ITEMS)),
    Role(STACK_ATTENDANT, _("Stack attendant"), (*_PLACES, *_CATALOGUE_ITEMS)),
    Role(REFERENCE_LIBRARIAN, _("Reference librarian"), (*_PLACES, *_CATALOGUE)),
    Role(EVENTS_COORDINATOR, _("Events coordinator"), _PLACES),
    Role(ANALYST, _("Analyst"), (*_PLACES, "core.view_servicefact", *_CATALOGUE)),
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
