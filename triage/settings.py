"""Settings: one pydantic-settings class, environment prefix ``TRIAGE_``; nothing needs setting for the demo."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""  # default: SQLite at <var_dir>/triage.db, i.e. ./var/triage.db
    model_dir: Path = REPO_ROOT / "models" / "default"
    cache_dir: Path | None = None  # jieba's dictionary cache; default var/cache
    max_text_chars: int = 20_000
    sla_days: dict[str, int] = {"紧急": 1, "较急": 3, "一般": 15}  # working days per priority
    load_demo_if_empty: bool = True
    # chat-ops: secrets of the chat platforms (empty: that adapter answers 503 "未配置")
    dingtalk_app_secret: str = ""
    slack_signing_secret: str = ""
    mattermost_token: str = ""
    webhook_token: str = ""  # `triage serve` fills an empty database with the demo registry
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'triage.db'}"
        return self

    @property
    def jieba_cache_dir(self) -> Path:
        return self.cache_dir or self.var_dir / "cache"

    @property
    def models_dir(self) -> Path:
        """Where models trained at run time go (``var/models/<version>/``)."""
        return self.var_dir / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()
