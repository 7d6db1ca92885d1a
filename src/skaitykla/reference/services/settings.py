"""The library's Ask a Librarian settings: its ``ReferenceProfile`` (policy, strengths, capacity)
and the network's READ scale wordings. Every change writes an audit row naming the fields only."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from skaitykla.accounts.models import User
from skaitykla.core.choices import ActorKind
from skaitykla.core.models import Library
from skaitykla.core.services import record_audit
from skaitykla.reference.choices import READ_LEVELS
from skaitykla.reference.errors import ReferenceError
from skaitykla.reference.models import ReadLevelWording, ReferenceProfile

#: The numeric policy fields and their allowed range (the form shows the same bounds).
PROFILE_LIMITS: dict[str, tuple[int, int]] = {
    "weekly_capacity": (0, 1000),
    "deadline_days": (1, 30),
    "consultation_deadline_days": (1, 60),
    "claim_minutes": (10, 1440),
    "reminder_days": (0, 10),
    "retention_days": (30, 3650),
}
PROFILE_FIELDS = ("takes_questions", "subjects", *PROFILE_LIMITS)
MAX_SUBJECTS = 500
MAX_WORDING = 200


def _range_message(name: str, low: int, high: int) -> str:
    messages = {
        "weekly_capacity": _("The weekly capacity must be a whole number from %(min)d to %(max)d."),
        "deadline_days": _("The answer deadline must be from %(min)d to %(max)d working days."),
        "consultation_deadline_days": _(
            "The consultation deadline must be from %(min)d to %(max)d working days."
        ),
        "claim_minutes": _("A claim must last from %(min)d to %(max)d minutes."),
        "reminder_days": _(
            "The reminder must come %(min)d to %(max)d working days before the deadline."
        ),
        "retention_days": _("Contact data must be kept from %(min)d to %(max)d days."),
    }
    return messages[name] % {"min": low, "max": high}


def normalise_subjects(text: str) -> str:
    """Comma-separated subjects, trimmed, without empty or repeated ones (case-insensitive)."""
    seen: set[str] = set()
    kept: list[str] = []
    for part in text.split(","):
        subject = " ".join(part.split())
        if subject and subject.casefold() not in seen:
            seen.add(subject.casefold())
            kept.append(subject)
    return ", ".join(kept)


def profile_problems(values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with the given profile values, by field (empty: all acceptable)."""
    problems: dict[str, str] = {}
    for name, (low, high) in PROFILE_LIMITS.items():
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems[name] = _range_message(name, low, high)
    subjects = values.get("subjects")
    if subjects is not None and len(normalise_subjects(str(subjects))) > MAX_SUBJECTS:
        problems["subjects"] = _("The subject strengths have at most %(count)d characters.") % {
            "count": MAX_SUBJECTS
        }
    if "takes_questions" in values and not isinstance(values["takes_questions"], bool):
        problems["takes_questions"] = _("Answer yes or no.")
    return problems


def update_reference_profile(*, user: User, library: Library, **fields: Any) -> ReferenceProfile:
    """Change the library's reference policy. Refused values change nothing: the first problem
    is raised as ``ReferenceError`` (code ``profile_invalid``, ``field`` and all ``problems``)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not a profile field: {sorted(unknown)}")
    problems = profile_problems(fields)
    if problems:
        field = next(name for name in PROFILE_FIELDS if name in problems)
        raise ReferenceError(
            problems[field], code="profile_invalid", field=field, problems=problems
        )
    if "subjects" in fields:
        fields["subjects"] = normalise_subjects(fields["subjects"])
    with transaction.atomic():
        # The library row serialises the first save of its profile (no row to lock yet).
        list(Library.objects.select_for_update().filter(pk=library.pk).values_list("pk"))
        profile = ReferenceProfile.objects.select_for_update().filter(library=library).first()
        created = profile is None
        if profile is None:
            profile = ReferenceProfile(library=library)
        changed = sorted(name for name, value in fields.items() if getattr(profile, name) != value)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=user.pk,
            action="reference.profile_updated",
            object_type="reference.referenceprofile",
            object_id=profile.pk,
            library=library,
            detail={"fields": changed, "created": created},
        )
    return profile


def set_read_wording(*, user: User, level: int, wording: str) -> ReadLevelWording | None:
    """Reword a READ scale level for the whole network; an empty wording restores the default
    (``choices.READ_LEVELS``) and returns None."""
    if isinstance(level, bool) or level not in READ_LEVELS:
        raise ReferenceError(_("Choose a READ level from 1 to 6."), code="read_level_range")
    wording = " ".join(wording.split())
    if len(wording) > MAX_WORDING:
        raise ReferenceError(
            _("A wording has at most %(count)d characters.") % {"count": MAX_WORDING},
            code="read_wording_length",
            field=f"level_{level}",
        )
    with transaction.atomic():
        row = ReadLevelWording.objects.select_for_update().filter(level=level).first()
        if not wording:
            if row is not None:
                row.delete()
            result = None
        elif row is None:
            result = ReadLevelWording.objects.create(level=level, wording=wording)
        else:
            row.wording = wording
            row.save(update_fields=["wording"])
            result = row
        record_audit(
            actor_kind=ActorKind.STAFF,
            actor_id=user.pk,
            action="reference.read_wording_set",
            object_type="reference.readlevelwording",
            object_id=level,
            detail={"level": level, "default": result is None},
        )
    return result
