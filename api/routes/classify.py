"""POST /api/v1/classify: topic and department of one message, with confidences and reasons."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ClassifierDep, SettingsDep
from triage import classification

router = APIRouter(prefix="/api/v1", tags=["classify"])


class ClassifyRequest(BaseModel):
    text: str = Field(description="群众反映的原文（简体或繁体）", examples=["道里区抚顺街281号楼道窗户漏风漏雨"])
    submitter_name: str | None = Field(default=None, max_length=100, description="反映人姓名（用于脱敏）")


class LabelProbability(BaseModel):
    label: str
    probability: float


class HeadPublic(BaseModel):
    label: str
    confidence: float
    top: list[LabelProbability]
    needs_review: bool
    reasons: list[str]


class ClassifyResponse(BaseModel):
    topic: HeadPublic | None
    department: HeadPublic | None
    needs_review: bool
    pii: list[str] = Field(description="文本中发现并已脱敏的个人信息类型")
    masked_text: str
    model_version: str


@router.post("/classify", response_model=ClassifyResponse)
def classify(body: ClassifyRequest, model: ClassifierDep, cfg: SettingsDep) -> ClassifyResponse:
    """分类一条文本（CPU 计算，普通 def 路由在线程池中运行）。"""
    names = [body.submitter_name] if body.submitter_name else []
    pred = classification.classify(model=model, text=body.text, names=names, max_chars=cfg.max_text_chars)
    data = pred.to_dict()
    return ClassifyResponse(
        topic=data.get("topic"),
        department=data.get("department"),
        needs_review=pred.needs_review,
        pii=pred.pii,
        masked_text=pred.masked_text,
        model_version=model.version,
    )
