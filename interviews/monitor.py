"""Live monitoring for staff: a socket fed by the interview consumer's channel-layer events, and its pages.

The interview consumer publishes `interview.turn` / `interview.ended` to `monitor.interview.<id>` and
`monitor.all`; with Redis as the channel layer a monitor on one daphne process sees interviews held
on any other. Each candidate answer gets a quick heuristic reading here (not the evaluation).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from interviews import selectors
from interviews.compliance.models import AuditEntry
from interviews.compliance.services import audit_record
from interviews.consumers import MONITOR_ALL_GROUP, monitor_group
from interviews.evaluation import assess_answer
from interviews.models import Interview, RubricCriterion, Turn
from interviews.protocol import CloseCode
from interviews.providers.base import Criterion
from interviews.recruiter_views import VIEW_PERMISSION, recruiter_required


def _is_recruiter(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff and user.has_perm(VIEW_PERMISSION))


def _monitor_snapshot(interview_id: int) -> dict[str, Any] | None:
    interview = Interview.objects.select_related("template").filter(pk=interview_id).first()
    if interview is None:
        return None
    rubric = tuple(
        Criterion(name=c.name, description=c.description, weight=c.weight, scale_max=c.scale_max)
        for c in RubricCriterion.objects.filter(template_id=interview.template_id)
    )
    turns = list(selectors.interview_turns(interview_id=interview_id).only("index", "speaker", "text"))
    return {
        "rubric": rubric,
        "interview": {
            "id": interview.pk,
            "candidate": interview.candidate_name,
            "template": interview.template.title,
            "status": interview.status,
            "started_at": interview.started_at.isoformat() if interview.started_at else None,
            "deadline_at": interview.deadline_at.isoformat() if interview.deadline_at else None,
        },
        "turns": [{"turn": t.index, "speaker": t.speaker, "content": t.text} for t in turns],
    }


class MonitorConsumer(AsyncJsonWebsocketConsumer):
    """Staff only: /ws/monitor/<interview_id>/ for one interview, /ws/monitor/ for every live interview."""

    interview_id: int | None = None
    group: str = ""
    rubric: tuple[Criterion, ...] = ()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(_is_recruiter)(user):
            await self.close(code=int(CloseCode.FORBIDDEN))
            return
        self.interview_id = self.scope["url_route"]["kwargs"].get("interview_id")
        if self.interview_id is None:
            self.group = MONITOR_ALL_GROUP
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.accept()
            return
        # Join before reading the history, so a turn finishing in between is not missed (the page
        # de-duplicates by turn number).
        self.group = monitor_group(self.interview_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await database_sync_to_async(_monitor_snapshot)(self.interview_id)
        if snapshot is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = ""
            await self.close(code=int(CloseCode.NOT_FOUND))
            return
        self.rubric = snapshot.pop("rubric")
        await self.accept()
        turns = [self._turn_message(t) for t in snapshot.pop("turns")]
        await self.send_json({"type": "snapshot", **snapshot, "turns": turns})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The page only listens."""

    def _turn_message(self, event: dict[str, Any]) -> dict[str, Any]:
        message = {
            "type": "turn",
            "interview_id": event.get("interview_id", self.interview_id),
            "turn": event["turn"],
            "speaker": event["speaker"],
            "content": event["content"],
        }
        if event["speaker"] == Turn.Speaker.CANDIDATE:
            message["assessment"] = assess_answer(event["content"], rubric=self.rubric)
        return message

    # --- channel-layer events (published by interviews.consumers.InterviewConsumer._publish) ---------

    async def interview_turn(self, event: dict[str, Any]) -> None:
        await self.send_json(self._turn_message(event))

    async def interview_ended(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "ended", "interview_id": event["interview_id"], "reason": event["reason"]})


@recruiter_required
def monitor_list(request: HttpRequest) -> HttpResponse:
    interviews = selectors.interview_list_in_progress().annotate(turn_count=Count("turns")).order_by("-started_at")
    return render(request, "recruiter/monitor_list.html", {"interviews": interviews})


@recruiter_required
def monitor_detail(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = get_object_or_404(Interview.objects.select_related("template"), pk=interview_id)
    audit_record(user=request.user, action=AuditEntry.Action.WATCH_LIVE, interview_id=interview_id)
    return render(request, "recruiter/monitor_detail.html", {"interview": interview})
