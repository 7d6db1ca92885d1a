"""The reference API: public archive search and entries; staff queue, claim, answer, desk log."""

from __future__ import annotations

from typing import Any

from django.utils.html import strip_tags
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skaitykla.core.api_access import require_staff_with
from skaitykla.core.errors import NotFoundError
from skaitykla.reference import selectors, services
from skaitykla.reference.choices import DeskChannel, DurationBand, QuestionStatus, QuestionType
from skaitykla.reference.models import Question

ANSWER = "reference.answer_question"
DESK = "reference.log_desk_transaction"


class ArchiveQuerySerializer(serializers.Serializer[dict[str, Any]]):
    q = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)


class EntrySerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    question = serializers.CharField()
    answer_html = serializers.CharField()
    answer_text = serializers.CharField()
    keywords = serializers.CharField()
    language = serializers.CharField()
    published_at = serializers.DateTimeField()


def _entry(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "title": entry.title,
        "question": entry.question_text,
        "answer_html": entry.answer_html,
        "answer_text": strip_tags(entry.answer_html),
        "keywords": entry.keywords,
        "language": entry.language,
        "published_at": entry.published_at,
    }


class ArchiveSearchView(APIView):
    """Search the public answer archive (no personal data, no link to the asker)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="reference_archive_search",
        parameters=[ArchiveQuerySerializer],
        responses={200: EntrySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = ArchiveQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = query.validated_data["q"].strip()
        limit = query.validated_data["limit"]
        entries = (
            selectors.search_entries(text, limit=limit)
            if text
            else list(selectors.list_entries()[:limit])
        )
        return Response([_entry(e) for e in entries])


class ArchiveEntryView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="reference_archive_entry", responses={200: EntrySerializer})
    def get(self, request: Request, entry_id: int) -> Response:
        try:
            return Response(_entry(selectors.get_entry(entry_id)))
        except NotFoundError:
            raise NotFound from None


class QuestionSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    library = serializers.CharField()
    subject = serializers.CharField()
    text = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    claimed_by = serializers.CharField(allow_null=True)


def _question(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "kind": question.kind,
        "status": question.status,
        "library": question.library.code,
        "subject": question.subject,
        "text": question.text,
        "deadline": question.deadline,
        "claimed_by": question.claimed_by.get_username() if question.claimed_by else None,
    }


def _visible(request: Request, question_id: int) -> Question:
    try:
        return selectors.get_staff_question(request.user, question_id)
    except NotFoundError:
        raise NotFound from None


class QueueQuerySerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=QuestionStatus.choices, required=False)


class QueueView(APIView):
    """The staff queue (open questions of the user's libraries, or the network's)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="reference_queue",
        parameters=[QueueQuerySerializer],
        responses={200: QuestionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        require_staff_with(request, ANSWER)
        query = QueueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        questions = selectors.list_queue(
            libraries=selectors.staff_libraries(request.user),
            status=query.validated_data.get("status", ""),
        )[:200]
        return Response([_question(q) for q in questions])


class ClaimView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="reference_question_claim",
        request=None,
        responses={200: QuestionSerializer, 409: OpenApiResponse(description="Refused.")},
    )
    def post(self, request: Request, question_id: int) -> Response:
        require_staff_with(request, ANSWER)
        question = _visible(request, question_id)
        services.claim_question(question_id=question.pk, user=request.user)  # type: ignore[arg-type]
        return Response(_question(selectors.get_question(question.pk)))


class AnswerSerializer(serializers.Serializer[dict[str, Any]]):
    answer_html = serializers.CharField(max_length=50_000)
    read_level = serializers.IntegerField(min_value=1, max_value=6)
    question_type = serializers.ChoiceField(
        choices=QuestionType.choices, required=False, default=QuestionType.REFERENCE
    )


class AnswerView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="reference_question_answer",
        request=AnswerSerializer,
        responses={200: QuestionSerializer, 409: OpenApiResponse(description="Refused.")},
    )
    def post(self, request: Request, question_id: int) -> Response:
        require_staff_with(request, ANSWER)
        question = _visible(request, question_id)
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.answer_question(
            question_id=question.pk,
            user=request.user,  # type: ignore[arg-type]
            base_url=request.build_absolute_uri("/"),
            **body.validated_data,
        )
        return Response(_question(selectors.get_question(question.pk)))


class DeskEntrySerializer(serializers.Serializer[dict[str, Any]]):
    channel = serializers.ChoiceField(choices=DeskChannel.choices)
    question_type = serializers.ChoiceField(choices=QuestionType.choices)
    read_level = serializers.IntegerField(min_value=1, max_value=6)
    duration = serializers.ChoiceField(choices=DurationBand.choices, required=False, default="")
    reader_category = serializers.CharField(max_length=40, required=False, default="")
    notes = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    count = serializers.IntegerField(min_value=1, max_value=500, required=False, default=1)
    service_point = serializers.CharField(max_length=40, required=False, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DeskLogView(APIView):
    """Log one desk consultation (or a group of the same kind) at the user's library."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="reference_desk_log",
        request=DeskEntrySerializer,
        responses={201: OpenApiResponse(description="Logged."), 409: OpenApiResponse()},
    )
    def post(self, request: Request) -> Response:
        require_staff_with(request, DESK)
        library = getattr(request.user, "home_library", None)
        if library is None:
            raise PermissionDenied
        body = DeskEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        point = next(
            (p for p in selectors.list_service_points(library) if p.code == data["service_point"]),
            None,
        )
        rows = services.log_desk_transactions(
            library=library,
            service_point=point,
            tallies=[
                services.Tally(
                    channel=data["channel"],
                    question_type=data["question_type"],
                    read_level=data["read_level"],
                    duration=data["duration"],
                    reader_category=data["reader_category"],
                    notes=data["notes"],
                    count=data["count"],
                )
            ],
            user=request.user,  # type: ignore[arg-type]
            at=data["at"],
        )
        return Response({"ids": [row.pk for row in rows]}, status=status.HTTP_201_CREATED)
