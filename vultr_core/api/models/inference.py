"""Serverless Inference subscriptions and their token, audio and image usage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    mapping,
    mappings,
    parse_datetime,
    parse_float,
    parse_int,
    parse_str,
)


@dataclass(frozen=True, slots=True)
class InferenceSubscription:
    """A Serverless Inference subscription; its ``api_key`` is dropped on purpose."""

    id: str
    label: str
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class ModelUsage:
    model: str
    tokens: int
    input_tokens: int
    # Ints of unknown unit in govultr (vultr-api.md §2.17): kept raw, never shown as dollars.
    output_price_raw: int | None
    input_price_raw: int | None

    @property
    def output_tokens(self) -> int:
        return max(self.tokens - self.input_tokens, 0)

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            model=parse_str(data.get("model")),
            tokens=parse_int(data.get("tokens")) or 0,
            input_tokens=parse_int(data.get("input_tokens")) or 0,
            output_price_raw=parse_int(data.get("output_price")),
            input_price_raw=parse_int(data.get("input_price")),
        )


@dataclass(frozen=True, slots=True)
class InferenceUsage:
    """Usage in whichever of the three historic shapes the API sent (vultr-api.md §2.17).

    ``shape`` says which: ``original`` (tokens against a monthly allotment), ``intermediate``
    (adds input/completion tokens and dollar costs) or ``current`` (per model, per month).
    """

    shape: str
    current_month_by_model: tuple[ModelUsage, ...]
    previous_month_by_model: tuple[ModelUsage, ...]
    current_tokens: int | None
    monthly_allotment_tokens: int | None
    overage_tokens: int | None
    input_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    input_cost_usd: float | None
    tts_characters: int
    tts_sm_characters: int
    image_megapixels: float
    image_sm_megapixels: float

    @classmethod
    def from_api(cls, data: Json) -> Self:
        chat, by_model = mapping(data.get("chat")), mapping(data.get("chat_by_model"))
        audio, image = mapping(data.get("audio")), mapping(data.get("image"))
        if "chat_by_model" in data:
            shape = "current"
        elif any(key in chat for key in ("input_tokens", "completion_tokens", "cost")):
            shape = "intermediate"
        else:
            shape = "original"
        return cls(
            shape=shape,
            current_month_by_model=tuple(
                ModelUsage.from_api(m) for m in mappings(by_model.get("current_month"))
            ),
            previous_month_by_model=tuple(
                ModelUsage.from_api(m) for m in mappings(by_model.get("previous_month"))
            ),
            current_tokens=parse_int(chat.get("current_tokens")),
            monthly_allotment_tokens=parse_int(chat.get("monthly_allotment")),
            overage_tokens=parse_int(chat.get("overage")),
            input_tokens=parse_int(chat.get("input_tokens")),
            completion_tokens=parse_int(chat.get("completion_tokens")),
            cost_usd=parse_float(chat.get("cost")),
            input_cost_usd=parse_float(chat.get("input_cost")),
            tts_characters=parse_int(audio.get("tts_characters")) or 0,
            tts_sm_characters=parse_int(audio.get("tts_sm_characters")) or 0,
            image_megapixels=parse_float(image.get("megapixels")) or 0.0,
            image_sm_megapixels=parse_float(image.get("sm_megapixels")) or 0.0,
        )
