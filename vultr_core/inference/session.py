"""A chat session as the Inference Chat page keeps it: exchanges, per-reply figures, totals,
and two models streaming side by side.

Plain data and functions, so the page stays a description of the screen and every figure it
shows (tokens, seconds, dollars) is computed, and tested, here.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vultr_core.api.errors import RequestCancelledError, VultrError
from vultr_core.inference.client import ChatMessage, chat_body
from vultr_core.inference.prices import NO_PRICE, ModelPrice, find_price, format_cost_usd
from vultr_core.inference.replies import ChatReply
from vultr_core.inference.sentences import describe_error
from vultr_core.inference.streaming import ChatStream


@dataclass(frozen=True, slots=True)
class ChatParameters:
    """The sampling knobs a person set; None means "not sent, the API's default applies"."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``InferenceClient.chat`` / ``stream_chat``."""
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": list(self.stop) or None,
        }


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """One model's reply to one prompt, with what it cost; ``error`` when it failed."""

    model: str
    text: str
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    time_to_first_token_s: float | None = None
    total_s: float | None = None
    tokens_per_s: float | None = None
    cost_usd: float | None = None
    price: ModelPrice | None = None
    error: str | None = None

    @classmethod
    def from_reply(cls, reply: ChatReply, price: ModelPrice | None) -> ReplyRecord:
        usage = reply.usage
        cost = None
        if price is not None and usage is not None:
            cost = price.cost_usd(usage.input_tokens, usage.output_tokens)
        return cls(
            model=reply.model,
            text=reply.text,
            finish_reason=reply.finish_reason,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
            time_to_first_token_s=reply.timings.time_to_first_token_s,
            total_s=reply.timings.total_s,
            tokens_per_s=reply.timings.tokens_per_s,
            cost_usd=cost,
            price=price,
        )

    @classmethod
    def failed(cls, model: str, error: VultrError, partial_text: str = "") -> ReplyRecord:
        return cls(model=model, text=partial_text, error=describe_error(error, model))

    def figures(self) -> str:
        """``12 in · 86 out · first token 0.41 s · 48.2 tokens/s · $0.000243``."""
        parts = []
        if self.input_tokens is not None and self.output_tokens is not None:
            parts.append(f"{self.input_tokens:,} in · {self.output_tokens:,} out")
        else:
            parts.append("tokens not reported")
        if self.time_to_first_token_s is not None:
            parts.append(f"first token {self.time_to_first_token_s:.2f} s")
        if self.tokens_per_s is not None:
            parts.append(f"{self.tokens_per_s:,.1f} tokens/s")
        if self.price is None:
            parts.append(NO_PRICE)
        elif self.cost_usd is not None:
            parts.append(format_cost_usd(self.cost_usd))
        if self.finish_reason in ("length", "stopped"):
            parts.append("cut off by max tokens" if self.finish_reason == "length" else "stopped")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A prompt and the reply of each model it went to, by lane ("a", "b"), with the body
    sent to the first lane (for "view code")."""

    prompt: str
    replies: Mapping[str, ReplyRecord]
    request_body: Mapping[str, Any] | None = None


@dataclass
class PendingExchange:
    """A prompt whose replies are streaming, kept in the session state so that a rerun (the
    Stop button, or any other widget) can keep what had arrived instead of losing it.

    Lane "a" may stream through ``stream``; several lanes stream through ``side``, and each
    ``LaneUpdate`` is passed to ``take``. Two script runs may hold it at once: Streamlit
    starts the rerun a Stop click causes while the old run is still blocked on the stream.
    The new run's ``stop()`` sets ``cancel`` (a retry wait ends, nothing more is sent),
    closes the streams from its own thread and settles the exchange; the old run's
    ``settle()`` then returns None, so the exchange is kept exactly once.
    """

    prompt: str
    models: Mapping[str, str]
    messages: Mapping[str, list[ChatMessage]]
    parameters: ChatParameters
    prices: tuple[ModelPrice, ...] = ()
    texts: dict[str, str] = field(default_factory=dict)
    replies: dict[str, ReplyRecord] = field(default_factory=dict)
    stream: ChatStream | None = None
    side: SideBySide | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    _settled: bool = False
    _settle_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(
        cls,
        prompt: str,
        models: Mapping[str, str],
        system_prompt: str,
        history: Sequence[Exchange],
        parameters: ChatParameters,
        prices: Iterable[ModelPrice] = (),
    ) -> PendingExchange:
        messages = {lane: conversation(system_prompt, history, lane, prompt) for lane in models}
        return cls(prompt, dict(models), messages, parameters, tuple(prices))

    @property
    def request_body(self) -> dict[str, Any]:
        """The body lane "a" sends, for "view code"."""
        return chat_body(self.messages["a"], model=self.models["a"], **self.parameters.as_kwargs())

    def fail(self, lane: str, error: VultrError) -> None:
        """Record a lane's failure; a lane cancelled by Stop is not a failure: it ends as
        stopped."""
        if isinstance(error, RequestCancelledError):
            return
        text = self.texts.get(lane, "")
        if lane == "a" and self.stream is not None:
            text = self.stream.text
        self.replies[lane] = ReplyRecord.failed(self.models[lane], error, text)

    def take(self, update: LaneUpdate) -> str:
        """Record one side-by-side update; returns that lane's text so far."""
        model = self.models[update.lane]
        text = self.texts.get(update.lane, "") + update.delta
        self.texts[update.lane] = text
        if update.error is not None:
            self.fail(update.lane, update.error)
        elif update.reply is not None:
            price = find_price(model, self.prices)
            self.replies[update.lane] = ReplyRecord.from_reply(update.reply, price)
        return text

    def finished(self) -> Exchange:
        """The exchange with every lane's reply; a lane that never ended counts as stopped."""
        replies: dict[str, ReplyRecord] = {}
        for lane, model in self.models.items():
            reply = self.stream.reply if lane == "a" and self.stream is not None else None
            if lane in self.replies:
                replies[lane] = self.replies[lane]
            elif reply is not None:
                replies[lane] = ReplyRecord.from_reply(reply, find_price(model, self.prices))
            else:
                text, price = self.texts.get(lane, ""), find_price(model, self.prices)
                replies[lane] = ReplyRecord(model, text, "stopped", price=price)
        return Exchange(self.prompt, replies, self.request_body)

    def settle(self) -> Exchange | None:
        """The finished exchange for the first caller; None for any later one."""
        with self._settle_lock:
            if self._settled:
                return None
            self._settled = True
        return self.finished()

    def stop(self) -> Exchange | None:
        """Stop every lane, from any thread, and settle: every lane's text so far."""
        self.cancel.set()
        if self.side is not None:
            self.side.close()
        if self.stream is not None:
            self.stream.close()
        return self.settle()


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """What the session's replies add up to; replies left out of the dollars are counted, so
    a partial figure never passes as complete."""

    replies: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    unpriced_replies: int
    uncounted_replies: int

    def describe(self) -> str:
        cost = format_cost_usd(self.cost_usd)
        if self.unpriced_replies:
            cost += f" (+ {_replies(self.unpriced_replies)} with {NO_PRICE})"
        if self.uncounted_replies:
            cost += f" (+ {_replies(self.uncounted_replies)} without token counts)"
        return (
            f"{_replies(self.replies)} · {self.input_tokens:,} tokens in · "
            f"{self.output_tokens:,} tokens out · {cost}"
        )


def _replies(count: int) -> str:
    return "1 reply" if count == 1 else f"{count} replies"


def session_totals(exchanges: Sequence[Exchange]) -> SessionTotals:
    records = [r for exchange in exchanges for r in exchange.replies.values() if r.error is None]
    return SessionTotals(
        replies=len(records),
        input_tokens=sum(r.input_tokens or 0 for r in records),
        output_tokens=sum(r.output_tokens or 0 for r in records),
        cost_usd=sum(r.cost_usd or 0.0 for r in records),
        unpriced_replies=sum(1 for r in records if r.price is None),
        uncounted_replies=sum(1 for r in records if r.price is not None and r.cost_usd is None),
    )


def conversation(
    system_prompt: str, exchanges: Sequence[Exchange], lane: str, prompt: str
) -> list[ChatMessage]:
    """The messages to send for a new prompt in one lane: the system prompt, each earlier
    prompt with that lane's reply (lane "a"'s where this lane had none, or it failed)."""
    messages: list[ChatMessage] = []
    if system_prompt.strip():
        messages.append({"role": "system", "content": system_prompt.strip()})
    for exchange in exchanges:
        messages.append({"role": "user", "content": exchange.prompt})
        reply = exchange.replies.get(lane)
        if reply is None or reply.error is not None:
            reply = exchange.replies.get("a")
        if reply is not None and reply.error is None and reply.text:
            messages.append({"role": "assistant", "content": reply.text})
    messages.append({"role": "user", "content": prompt})
    return messages


@dataclass(frozen=True, slots=True)
class LaneUpdate:
    """One step of a side-by-side run: a text delta, or the lane's end (reply or error)."""

    lane: str
    delta: str = ""
    reply: ChatReply | None = None
    error: VultrError | None = None


@dataclass
class SideBySide:
    """Several streams run at once, each opened and read on its own thread.

    Iterate for ``LaneUpdate``s in arrival order; ``close()`` (from any thread, or by
    abandoning the iteration) closes every lane's stream, so a lane blocked reading ends too.
    """

    openers: Mapping[str, Callable[[], ChatStream]]
    _updates: queue.Queue[LaneUpdate | None] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _streams: list[ChatStream] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __iter__(self) -> Iterator[LaneUpdate]:
        for lane, opener in self.openers.items():
            thread = threading.Thread(
                target=self._pump, args=(lane, opener), name=f"chat-{lane}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        running = len(self._threads)
        try:
            while running:
                update = self._updates.get()
                if update is None:
                    running -= 1
                else:
                    yield update
        finally:
            self.close()

    def close(self) -> None:
        with self._lock:
            self._stop.set()
            streams = list(self._streams)
        for stream in streams:
            stream.close()

    def _pump(self, lane: str, opener: Callable[[], ChatStream]) -> None:
        try:
            with opener() as stream:
                with self._lock:
                    self._streams.append(stream)
                    stopped = self._stop.is_set()
                if stopped:
                    stream.close()
                for delta in stream:
                    if self._stop.is_set():
                        break
                    self._updates.put(LaneUpdate(lane, delta=delta))
            self._updates.put(LaneUpdate(lane, reply=stream.reply))
        except VultrError as error:
            self._updates.put(LaneUpdate(lane, error=error))
        finally:
            self._updates.put(None)
