"""Taking an instrument: validate, score from the template, store, and route risk to the crisis layer.

PHQ-9 item 9 at 1 or more, or a C-SSRS screener triage at moderate or high, records a crisis
detection (source ``assessment``); the crisis service escalates at its configured level (HIGH by
default). A free-text comment is screened like any other text and stored encrypted with the result.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.assessments import repository as repo
from hp_agent.assessments import scoring
from hp_agent.assessments.models import (
    AdministrationStatus,
    AssessmentResponse,
    AssessmentTemplate,
    Severity,
    UserAssessment,
)
from hp_agent.assessments.schemas import (
    Answer,
    AssessmentIn,
    AssessmentOut,
    AssessmentResult,
    HistoryOut,
    HistoryPoint,
    TemplateOut,
    TemplateSummary,
)
from hp_agent.compliance import audit
from hp_agent.crisis.enums import Category, DetectionSource, RiskLevel
from hp_agent.crisis.gateway import NOTHING, Screening, record_rule, safety_for, screen, worst
from hp_agent.db.session import Principal
from hp_agent.errors import NotFound
from hp_agent.journal.access import own_id, readable_subject
from hp_agent.journal.common import Page

RULES_VERSION = "assessment-rules/1"
# A rule-based detection is certain about what was answered; the score says how serious it is.
_RULE_SCORE = {RiskLevel.MODERATE: 0.6, RiskLevel.HIGH: 0.85, RiskLevel.IMMINENT: 0.95}
_TEMPLATE_NOT_FOUND = "There is no instrument with that code."
_NOT_FOUND = "Assessment not found."


def _summary(t: AssessmentTemplate) -> TemplateSummary:
    return TemplateSummary(
        code=t.code,
        name=t.name,
        short_name=t.short_name,
        category=t.category,
        version=t.version,
        timeframe=t.timeframe,
        min_score=t.min_score,
        max_score=t.max_score,
    )


async def list_templates(session: AsyncSession) -> list[TemplateSummary]:
    return [_summary(t) for t in await repo.templates(session)]


async def _template(session: AsyncSession, code: str) -> AssessmentTemplate:
    t = await repo.template_by_code(session, code)
    if t is None:
        raise NotFound(_TEMPLATE_NOT_FOUND)
    return t


async def get_template(session: AsyncSession, code: str) -> TemplateOut:
    t = await _template(session, code)
    return TemplateOut(
        **_summary(t).model_dump(),
        description=t.description,
        instructions=t.instructions,
        items=t.items,
        scoring_method=t.scoring["method"],
        source=t.source,
        license=t.license,
    )


def _band(t: AssessmentTemplate, severity: Severity | None) -> dict[str, Any]:
    """The template's range or triage rule for a stored severity (labels are not stored twice)."""
    if severity is None:
        return {}
    rules = t.scoring.get("ranges") or t.scoring.get("triage") or []
    return next((r for r in rules if r["severity"] == severity.value), {})


def _further(t: AssessmentTemplate, row: UserAssessment) -> bool:
    threshold = t.scoring.get("further_evaluation_at", t.scoring.get("cut_point"))
    if threshold is not None:
        return row.total_score is not None and row.total_score >= threshold
    return row.severity is not None and row.severity.value in t.scoring.get("critical_severities", [])


def _out(
    t: AssessmentTemplate,
    row: UserAssessment,
    viewer: Principal,
    answers: list[AssessmentResponse] | None = None,
) -> AssessmentOut:
    band = _band(t, row.severity)
    return AssessmentOut(
        id=row.id,
        user_id=row.user_id,
        code=t.code,
        name=t.name,
        template_version=row.template_version,
        source=row.source,
        completed_at=row.completed_at,
        total_score=row.total_score,
        max_score=t.max_score,
        subscale_scores=row.subscale_scores,
        severity=row.severity,
        severity_label=band.get("label"),
        interpretation=row.interpretation,
        clinical_action=band.get("clinical_action") if viewer.role == "therapist" else None,
        further_evaluation=_further(t, row),
        critical_flag=row.critical_flag,
        critical_item_ids=list(row.critical_item_ids),
        comment=row.comment,
        answers=[Answer(item_id=a.item_id, item_index=a.item_index, value=a.value) for a in answers]
        if answers is not None
        else None,
    )


async def _record_rule(
    session: AsyncSession,
    t: AssessmentTemplate,
    result: scoring.Result,
    answers: dict[str, int],
    *,
    user_id: uuid.UUID,
    row_id: uuid.UUID,
) -> Screening:
    categories = [Category.SUICIDAL_IDEATION]
    if t.code == "phq9":
        explanation = (
            f"{t.short_name} item 9 answered {answers.get('phq9_9', 0)}"
            " (thoughts of being better off dead or of self-harm)."
        )
        categories.append(Category.SELF_HARM)
    else:
        yes = [
            i for i in t.scoring["item_ids"] + t.scoring.get("unscored_item_ids", []) if answers.get(i) == 1
        ]
        explanation = f"{t.short_name} triage {result.severity} (yes to {', '.join(yes)})."
        if answers.get("cssrs_5") == 1:
            categories.append(Category.PLAN_OR_MEANS)
    level = result.crisis_level
    return await record_rule(
        session,
        user_id=user_id,
        source=DetectionSource.ASSESSMENT,
        source_id=row_id,
        level=level,
        score=_RULE_SCORE.get(level, 0.5),
        categories=categories,
        explanation=explanation,
        version=RULES_VERSION,
    )


async def submit(session: AsyncSession, principal: Principal, body: AssessmentIn) -> AssessmentResult:
    me = own_id(principal)
    t = await _template(session, body.code)
    result = scoring.score(t.items, t.scoring, body.answers)
    answers = {k: v for k, v in body.answers.items() if isinstance(v, int)}
    now = dt.datetime.now(dt.UTC)
    comment = body.comment.strip() if body.comment and body.comment.strip() else None
    row = UserAssessment(
        id=uuid.uuid4(),
        user_id=me,
        template_id=t.id,
        template_version=t.version,
        status=AdministrationStatus.COMPLETED,
        source=body.source,
        started_at=now,
        completed_at=now,
        total_score=result.total,
        subscale_scores=result.subscales or None,
        severity=Severity(result.severity),
        interpretation=result.interpretation,
        critical_flag=result.critical,
        critical_item_ids=list(result.critical_item_ids),
        comment=comment,
    )
    session.add(row)
    await session.flush()
    index = {item["id"]: item["index"] for item in t.items}
    responses = [
        AssessmentResponse(
            user_assessment_id=row.id, user_id=me, item_id=k, item_index=index[k], value=v, answered_at=now
        )
        for k, v in sorted(answers.items(), key=lambda kv: index[kv[0]])
    ]
    session.add_all(responses)
    await session.flush()

    screening = NOTHING
    if result.critical and result.crisis_level >= RiskLevel.MODERATE:
        screening = await _record_rule(session, t, result, answers, user_id=me, row_id=row.id)
    if comment is not None:
        comment_screening = await screen(
            session, user_id=me, source=DetectionSource.ASSESSMENT, source_id=row.id, text=comment
        )
        screening = worst(screening, comment_screening)
    if screening.detection_id is not None:
        row.crisis_detection_id = screening.detection_id
        await session.flush()
    await audit.record(
        session,
        "assessment.completed",
        actor=principal,
        subject_type="user_assessment",
        subject_id=row.id,
        details={"code": t.code, "critical": result.critical},
    )
    out = AssessmentResult(**_out(t, row, principal, responses).model_dump())
    return out.model_copy(update={"safety": await safety_for(session, me, screening)})


async def _subject(session: AsyncSession, principal: Principal, user_id: uuid.UUID | None) -> uuid.UUID:
    subject = await readable_subject(session, principal, user_id, share="assessments")
    if subject != principal.user_id:
        await audit.record(
            session, "assessments.read", actor=principal, subject_type="user", subject_id=subject
        )
    return subject


async def get(session: AsyncSession, principal: Principal, assessment_id: uuid.UUID) -> AssessmentOut:
    row = await repo.get(session, assessment_id)
    if row is None:
        raise NotFound(_NOT_FOUND)
    if row.user_id != principal.user_id:
        await _subject(session, principal, row.user_id)
    t = await repo.template_by_id(session, row.template_id)
    if t is None:  # RESTRICT keeps templates; defensive for a retired row
        raise NotFound(_NOT_FOUND)
    return _out(t, row, principal, await repo.responses(session, row.id))


async def list_assessments(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    code: str | None,
    limit: int,
    offset: int,
) -> Page[AssessmentOut]:
    subject = await _subject(session, principal, user_id)
    template = await _template(session, code) if code else None
    rows, total = await repo.completed(
        session, subject, template.id if template else None, limit=limit, offset=offset
    )
    cache: dict[uuid.UUID, AssessmentTemplate] = {}
    items = []
    for r in rows:
        if r.template_id not in cache:
            found = await repo.template_by_id(session, r.template_id)
            if found is None:
                continue
            cache[r.template_id] = found
        items.append(_out(cache[r.template_id], r, principal))
    return Page(items=items, total=total, limit=limit, offset=offset)


async def history(
    session: AsyncSession, principal: Principal, *, user_id: uuid.UUID | None, code: str
) -> HistoryOut:
    subject = await _subject(session, principal, user_id)
    t = await _template(session, code)
    rows, total = await repo.completed(session, subject, t.id, oldest_first=True)
    points = [
        HistoryPoint(
            id=r.id,
            completed_at=r.completed_at,
            total_score=r.total_score,
            severity=r.severity,
            critical_flag=r.critical_flag,
            subscale_scores=r.subscale_scores,
        )
        for r in rows
        if r.completed_at is not None and r.total_score is not None
    ]
    first = points[0].total_score if points else None
    latest = points[-1].total_score if points else None
    return HistoryOut(
        code=t.code,
        user_id=subject,
        count=total,
        points=points,
        first_score=first,
        latest_score=latest,
        change=latest - first if first is not None and latest is not None else None,
        change_from_previous=points[-1].total_score - points[-2].total_score if len(points) >= 2 else None,
    )
