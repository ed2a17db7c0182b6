"""Submissions: create one (with Idempotency-Key), a batch of ≤ 1,000, an imported file; read one back.

Creation authenticates in a short transaction of its own and then runs ``triage.service.intake``, which commits
the submission in its own transaction before the answer leaves. Who may see a submission: a case outside the
caller's scope answers 404, exactly like an unknown id, so that existence does not leak across stations."""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field, ValidationError

from api import deps, errors, lanes
from api.deps import ClassifierDep, ClockDep, EngineDep, PrincipalDep, SessionDep, SettingsDep
from api.schemas import BatchResult, BatchSummary, CaseDecision, ErrorBody, ImportSummary, SafeStr
from triage import datafiles, db, service, views
from triage import submissions as stored
from triage.accounts import permissions
from triage.accounts.models import Role
from triage.accounts.service import Forbidden, Principal
from triage.cases import access
from triage.errors import DataFileError, InvalidInput, NotFound, TriageError
from triage.registry import service as registry

router = APIRouter(prefix="/api/v1", tags=["submissions"])

MAX_BATCH = 1_000
MAX_IMPORT_ROWS = 10_000
IMPORT_ROLES = frozenset({Role.INTAKE, Role.STATION_HEAD, Role.ADMIN})
MAX_ID = 2**62
ERRORS = {code: {"model": ErrorBody} for code in (401, 403, 404, 413, 422)}


class SubmissionIn(BaseModel):
    text: SafeStr = Field(description="群众反映的原文（简体或繁体）", examples=["道里区抚顺街281号楼道窗户漏风漏雨"])
    channel: SafeStr = Field(default="窗口", min_length=1, max_length=16, description="来源渠道：窗口、电话、微信…")
    submitter_name: SafeStr | None = Field(default=None, max_length=64, description="反映人姓名（用于脱敏）")
    contact: SafeStr | None = Field(default=None, max_length=100, description="联系方式")
    station: SafeStr | None = Field(default=None, max_length=16,
                                    description="受理站点编码；接待员和站长默认为本人所在站点")
    proposed_topic: SafeStr | None = Field(default=None, max_length=32, description="提交方建议的主题")
    reception_session_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="接待日编号")


class BatchItem(SubmissionIn):
    idempotency_key: SafeStr | None = Field(default=None, min_length=1, max_length=200)


class BatchIn(BaseModel):
    items: list[BatchItem | dict[str, Any]] = Field(description=f"至多 {MAX_BATCH} 条，每条的字段同单条提交")


CallerDep = deps.PrincipalDep  # authenticated in its own short transaction (see api.deps.principal)


@dataclass(frozen=True)
class Pipeline:
    """What one submission needs besides its own fields."""

    engine: Any
    model: Any
    principal: Principal
    max_chars: int
    sla_days: dict[str, int]
    now: Any


def _intake_station(pipe: Pipeline, code: str | None) -> str | None:
    """The station of intake: the one given (within the caller's scope) or the caller's own."""
    p = pipe.principal
    with db.transaction(db.read_only(pipe.engine)) as session:
        directory = registry.directory(session=session)
    if code is None:
        if p.role in (Role.INTAKE, Role.STATION_HEAD) and len(p.station_ids) == 1:
            own = directory.station(next(iter(p.station_ids)))
            return own.code if own else None
        return None
    station = directory.stations.get(code.strip().upper())
    if station is None:
        raise NotFound(f"没有找到站点 {code}", code="station_not_found")
    if not permissions.in_scope(p, station.id):
        raise Forbidden(f"不能以站点 {station.code} 的名义受理诉求", code="forbidden",
                        detail={"station": station.code})
    return station.code


def _with_originals(pipe: Pipeline):  # noqa: ANN202 - the annotate hook of service.intake
    """Adds the original text and contact to the decision, in the intake's own transaction, for a caller
    allowed to see them."""
    def annotate(session, submission, case, decision: dict) -> dict:  # noqa: ANN001
        assigned = access.assigned_ids(session=session, case_id=case.id) \
            if permissions.depends_on_assignments(pipe.principal) else frozenset()
        if permissions.sees_original(pipe.principal, station_id=case.station_id, assigned=assigned):
            return decision | stored.originals(submission)
        return decision
    return annotate


INTAKE_SLOTS = threading.BoundedSemaphore(1)


def _submit(pipe: Pipeline, item: SubmissionIn, key: str | None) -> CaseDecision:
    permissions.require(pipe.principal, "submit")
    intake = service.Intake(
        text=item.text, channel=item.channel, submitter_name=item.submitter_name, contact=item.contact,
        intake_station=_intake_station(pipe, item.station), idempotency_key=key, proposed_topic=item.proposed_topic,
        reception_session_id=item.reception_session_id, actor=pipe.principal.label,
    )
    with INTAKE_SLOTS:  # CPU-bound under the GIL: batch items and the submission lane take turns
        decision = service.intake(engine=pipe.engine, model=pipe.model, intake=intake, now=pipe.now,
                                  max_chars=pipe.max_chars, sla_days=pipe.sla_days, annotate=_with_originals(pipe))
    return CaseDecision.model_validate(decision)


def _failure(index: int, status: int, code: str, message: str, detail: object = None) -> BatchResult:
    return BatchResult(index=index, ok=False, status_code=status,
                       error={"code": code, "message": message, "detail": detail})


def _run_one(pipe: Pipeline, index: int, item: BatchItem | dict) -> BatchResult:
    if isinstance(item, dict):
        try:
            item = BatchItem.model_validate(item)
        except ValidationError as exc:
            detail = [{"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]} for e in exc.errors()]
            return _failure(index, 422, "invalid_request", "请求格式不正确，请检查字段和类型", detail)
    try:
        decision = _submit(pipe, item, item.idempotency_key)
    except TriageError as exc:
        return _failure(index, errors._status_of(exc), exc.code, exc.message, exc.detail)
    return BatchResult(index=index, ok=True, status_code=200 if decision.replayed else 201, decision=decision)


def _summary(results: list[BatchResult]) -> dict:
    return {
        "results": results,
        "created": sum(r.ok and r.status_code == 201 for r in results),
        "replayed": sum(r.ok and r.status_code == 200 for r in results),
        "failed": sum(not r.ok for r in results),
    }


async def pipeline(p: CallerDep, eng: EngineDep, model: ClassifierDep, cfg: SettingsDep, now: ClockDep) -> Pipeline:
    return Pipeline(engine=eng, model=model, principal=p, max_chars=cfg.max_text_chars, sla_days=cfg.sla_days,
                    now=now)


PipelineDep = Annotated[Pipeline, Depends(pipeline)]


@router.post("/submissions", response_model=CaseDecision, status_code=201,
             responses={200: {"model": CaseDecision, "description": "同一 Idempotency-Key 的重放"}, **ERRORS})
async def create_submission(
    body: SubmissionIn, pipe: PipelineDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    """受理一条诉求：立即返回案件编号和分办结果。同一 Idempotency-Key 再次提交返回同一结果（200，replayed）。"""
    decision = await lanes.run(_submit, pipe, body, (idempotency_key or "").strip() or None)
    # Already a validated CaseDecision: sent as it is (FastAPI would validate it again, in a thread-pool hop).
    return Response(decision.model_dump_json(), status_code=200 if decision.replayed else 201,
                    media_type="application/json")


@router.post("/submissions/batch", response_model=BatchSummary, responses=ERRORS)
def create_batch(body: BatchIn, pipe: PipelineDep) -> BatchSummary:
    """批量受理（至多 1,000 条）：逐条返回结果，一条出错不影响其他条。"""
    permissions.require(pipe.principal, "submit")
    if len(body.items) > MAX_BATCH:
        raise InvalidInput(f"一次最多提交 {MAX_BATCH} 条，本次 {len(body.items)} 条", code="batch_too_large",
                           detail={"max_items": MAX_BATCH, "items": len(body.items)})
    return BatchSummary(**_summary([_run_one(pipe, i, item) for i, item in enumerate(body.items)]))


@router.get("/submissions/{submission_id}", response_model=CaseDecision, responses=ERRORS)
def get_submission(submission_id: Annotated[int, PathParam(ge=1, le=MAX_ID)], p: PrincipalDep,
                   session: SessionDep) -> CaseDecision:
    """一条诉求的分办结果。不在本人权限范围内的诉求与不存在的一样返回 404。"""
    unknown = NotFound(f"没有找到诉求 #{submission_id}", code="submission_not_found")
    try:
        submission = stored.get_submission(session=session, submission_id=submission_id)
    except NotFound:
        raise unknown from None
    facts = stored.case_access(session=session, case_id=submission.case_id)
    if not permissions.can_view_case(p, station_id=facts.station_id, assigned=facts.assigned):
        raise unknown
    decision = views.describe_submission(session=session, submission=submission)
    if permissions.sees_original(p, station_id=facts.station_id, assigned=facts.assigned):
        decision |= stored.originals(submission)
    return CaseDecision.model_validate(decision)


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content: bytes


_PARAM = r'(?:^|;)\s*{}\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))'


def _param(header: str, name: str) -> str | None:
    match = re.search(_PARAM.format(re.escape(name)), header, flags=re.IGNORECASE)
    return None if match is None else (match.group(1) if match.group(1) is not None else match.group(2))


def parse_multipart(body: bytes, content_type: str) -> dict[str, Part]:
    """The parts of a multipart/form-data body by field name (the first of each name)."""
    boundary = _param(content_type, "boundary") if content_type.lower().startswith("multipart/form-data") else None
    if not boundary:
        raise InvalidInput("请以 multipart/form-data 上传文件（字段 file）", code="invalid_upload")
    chunks = body.split(b"--" + boundary.encode("latin-1"))
    if len(chunks) < 3:
        raise InvalidInput("上传内容不是完整的 multipart/form-data", code="invalid_upload")
    parts: dict[str, Part] = {}
    for chunk in chunks[1:-1]:
        head, sep, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise InvalidInput("上传内容的分段格式不正确", code="invalid_upload")
        headers = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name = _param(headers.get("content-disposition", ""), "name")
        if name is not None and name not in parts:
            parts[name] = Part(name, _param(headers["content-disposition"], "filename"), content.removesuffix(b"\r\n"))
    return parts


async def upload(request: Request) -> dict[str, Part]:
    """The form fields of an upload (the body is capped at 50 MB by api.limits)."""
    return parse_multipart(await request.body(), request.headers.get("content-type", ""))


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "CSV / XLSX / JSONL 文件，至多 50 MB"},
        "text_column": {"type": "string", "default": "text", "description": "文本所在的列名"},
        "station": {"type": "string", "description": "受理站点编码（默认本人所在站点）"}}}}}}}


def _field(form: dict[str, Part], name: str) -> str | None:
    part = form.get(name)
    value = part.content.decode("utf-8", errors="replace").strip() if part is not None else ""
    return value or None


def _row_item(row: dict[str, str], text: str, station: str | None, key: str) -> dict:
    """A batch item from a data row; optional columns channel, submitter_name, contact, station, … are used."""
    item: dict[str, Any] = {"text": text, "channel": "文件导入", "station": station, "idempotency_key": key}
    for column in ("channel", "submitter_name", "contact", "station", "proposed_topic", "idempotency_key"):
        if (row.get(column) or "").strip():
            item[column] = row[column].strip()
    return item


def _read_upload(file: Part) -> tuple[list[str], list[dict[str, str]]]:
    """Columns and rows of the uploaded file; error messages name the file as uploaded, not a server path."""
    name = re.sub(r"[^\w.\-]", "_", Path(file.filename or "").name)[-100:] or "upload"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(file.content)
        try:
            return datafiles.read_records(path)
        except DataFileError as exc:
            raise DataFileError(exc.message.replace(str(path), name), code=exc.code, detail=exc.detail) from None


@router.post("/imports", response_model=ImportSummary, openapi_extra=UPLOAD_BODY, responses=ERRORS)
def import_file(pipe: PipelineDep, form: Annotated[dict[str, Part], Depends(upload)]) -> ImportSummary:
    """导入一个 CSV / XLSX / JSONL 文件并逐行受理（仅接待员、站长和管理员）。

    每行的幂等键默认由文件内容和行号得出，同一文件重复上传不会重复受理。"""
    if pipe.principal.role not in IMPORT_ROLES:
        raise Forbidden("只有接待员、站长和管理员可以导入文件", code="forbidden", detail={"action": "import"})
    file = form.get("file")
    if file is None or not file.filename:
        raise InvalidInput("请在字段 file 中上传文件", code="missing_file")
    text_column = _field(form, "text_column") or "text"
    columns, rows = _read_upload(file)
    if text_column not in columns:
        raise InvalidInput(f"文件中没有文本列「{text_column}」；已有的列：{'、'.join(columns) or '（无）'}",
                           code="column_not_found", detail={"columns": columns})
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput(f"一次最多导入 {MAX_IMPORT_ROWS} 行，本文件 {len(rows)} 行", code="import_too_large",
                           detail={"max_rows": MAX_IMPORT_ROWS, "rows": len(rows)})
    digest = hashlib.sha256(file.content).hexdigest()[:32]
    station = _field(form, "station")
    permissions.require(pipe.principal, "submit")
    results = [
        _run_one(pipe, i, _row_item(row, row[text_column], station, f"import:{digest}:{i}"))
        for i, row in enumerate(rows) if (row.get(text_column) or "").strip()
    ]
    empty = sum(not (row.get(text_column) or "").strip() for row in rows)
    return ImportSummary(**_summary(results), rows=len(rows), empty=empty, text_column=text_column)
