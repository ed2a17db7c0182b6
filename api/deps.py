"""Wiring: the concrete settings and classifier the routes receive (tests override these)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from triage import classification
from triage.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def classifier(cfg: Annotated[Settings, Depends(settings)]) -> classification.LoadedModel:
    return classification.load(cfg.model_dir, cache_dir=cfg.jieba_cache_dir)


SettingsDep = Annotated[Settings, Depends(settings)]
ClassifierDep = Annotated[classification.LoadedModel, Depends(classifier)]
