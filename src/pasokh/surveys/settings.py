"""Per-workspace survey settings, read from workspace.settings["surveys"]."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pasokh.errors import BadRequest

# Public comments are never surveyed; these are the private channel kinds.
PRIVATE_KINDS = ["telegram", "whatsapp", "webchat", "sms", "email", "instagram"]


class SurveySettings(BaseModel):
    """Which survey a workspace sends, how long after resolution, and on which channels."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    kind: Literal["csat", "nps", "ces"] = "csat"
    delay_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    channels: list[str] = Field(default_factory=lambda: list(PRIVATE_KINDS))
    # A reply later than this is an ordinary message, not an answer.
    answer_window_hours: int = Field(default=72, ge=1, le=30 * 24)


def check_survey_settings(workspace_settings: dict[str, Any]) -> SurveySettings:
    """The workspace's survey settings, or a 400 naming the field that is wrong."""
    raw = workspace_settings.get("surveys") or {}
    try:
        return SurveySettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadRequest(f"Survey settings: {where}: {first['msg']}.",
                         fa=f"تنظیمات نظرسنجی: {where}: {first['msg']}.") from exc
