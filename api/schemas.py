"""Shared pydantic response shapes of the API (never table objects): case summaries and intake decisions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field


def _storable(value: str) -> str:
    """Strings that every database can store: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("不能包含 NUL 字符")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("含有无法编码的字符") from None
    return value


SafeStr = Annotated[str, AfterValidator(_storable)]


class ErrorBody(BaseModel):
    """The uniform error body of every 4xx/5xx answer."""

    code: str = Field(description="稳定的机器可读错误码")
    message: str = Field(description="中文说明")
    detail: Any = None


class StationRef(BaseModel):
    code: str
    name: str
    district: str


class DeputyPublic(BaseModel):
    """A deputy assigned to a case, with the matching score and its reasons."""

    code: str
    name: str
    role: str = Field(description="primary / team")
    score: float
    reasons: list[str] = []


class CaseSummary(BaseModel):
    """triage.views.case_summary: a case as a list row (masked text only)."""

    case_number: str
    status: str
    topic: str
    department: str
    station: StationRef
    place: str | None = None
    priority: str
    priority_reasons: list[str] = []
    sla_due: str | None = None
    colour: str | None = Field(default=None, description="green / yellow / red (三色督办)")
    cosigners: int = 0
    review_reasons: list[str] = []
    duplicate_suggestion: str | None = None
    claimed_by: str | None = None
    transferred_to: str | None = None
    merged_into: str | None = None
    satisfaction: int | None = None
    summary: str = Field(description="首条诉求的脱敏文本")
    created_at: str | None = None
    updated_at: str | None = None


class CaseDecision(CaseSummary):
    """triage.views.describe_submission (what triage.service.intake returns): the whole intake decision.

    ``text`` and ``contact`` (the originals) are filled only for callers who may see them."""

    submission_id: int
    replayed: bool = False
    deputies: list[DeputyPublic] = []
    pii: list[str] = Field(default=[], description="文本中发现并已脱敏的个人信息类型")
    duplicate_of: str | None = Field(default=None, description="并入的已有案件编号")
    similarity: float | None = None
    model_version: str
    topic_confidence: float
    department_confidence: float
    prediction: dict[str, Any] = {}
    location: dict[str, Any] | None = None
    duplicate: dict[str, Any] | None = None
    masked_text: str
    text: str | None = Field(default=None, description="原文（仅限有权查看原文者）")
    contact: str | None = Field(default=None, description="联系方式原文（仅限有权查看原文者）")


class BatchError(BaseModel):
    code: str
    message: str
    detail: Any = None


class BatchResult(BaseModel):
    """One item of a batch (or one row of an import): its decision, or why it failed."""

    index: int = Field(description="批量中的序号（导入时为数据行序号），从 0 开始")
    ok: bool
    status_code: int = Field(description="单独提交时会得到的 HTTP 状态码：201 新建，200 重放，4xx 失败")
    decision: CaseDecision | None = None
    error: BatchError | None = None


class BatchSummary(BaseModel):
    results: list[BatchResult]
    created: int
    replayed: int
    failed: int


class ImportSummary(BatchSummary):
    rows: int = Field(description="文件中的数据行数")
    empty: int = Field(description="文本列为空、未提交的行数")
    text_column: str


class StationPublic(BaseModel):
    code: str
    name: str
    place: str
    level: str
    district: str
    address: str = ""
    reception_days: list[int] = Field(default=[], description="固定接待日（1 为星期一）")
    parent_code: str | None = None
    active: bool = True


class StationDeputy(BaseModel):
    code: str
    name: str
    expertise: list[str]
    capacity: int
    open_load: int = Field(description="正在承办的未办结案件数")
    active: bool


class StationDetail(StationPublic):
    deputies: list[StationDeputy]


class ReceptionPublic(BaseModel):
    """One line of a station's reception register (接待台账)."""

    id: int
    day: str
    theme: str | None = None
    hours: float
    deputies: list[str] = Field(description="到场代表姓名")
    submissions: int = Field(description="本次接待受理的诉求数")
    notes: str = ""


class DeputySummary(BaseModel):
    code: str
    name: str
    gender: str = ""
    level: str
    sector: str = ""
    occupation: str = ""
    expertise: list[str]
    capacity: int
    open_load: int
    reception_days: list[int]
    stations: list[str]
    active: bool


class DeputyRecord(BaseModel):
    """履职档案."""

    deputy: str
    name: str
    year: int | None = None
    receptions: int
    hours: float
    submissions_taken: int
    cases_handled: int
    cases_solved: int
    satisfaction: float | None = None


class DeputyProfile(DeputySummary):
    profile: str = ""
    affiliations: list[str] = []
    record: DeputyRecord


class DepartmentPublic(BaseModel):
    name: str
    description: str = ""


class TopicPublic(BaseModel):
    name: str
    description: str = ""


class Taxonomy(BaseModel):
    topics: list[TopicPublic]
    departments: list[DepartmentPublic]


class DeputyRef(BaseModel):
    code: str
    name: str


class UserPublic(BaseModel):
    """A user without secrets."""

    username: str
    display_name: str
    role: str
    role_name: str
    station: str | None = None
    district: str | None = None
    deputy: DeputyRef | None = None
    active: bool = True
    created_at: str | None = None


class TokenCreated(BaseModel):
    username: str
    name: str
    prefix: str
    token: str = Field(description="令牌本身：只显示这一次，请妥善保存")
    created_at: str | None = None


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    role_name: str
    stations: list[StationRef]
    district: str | None = None
    deputy: DeputyRef | None = None


class AssignmentInfo(BaseModel):
    role: str
    score: float
    reasons: list[str] = []
    assigned_at: str | None = None


class MyAssignment(CaseSummary):
    assignment: AssignmentInfo
