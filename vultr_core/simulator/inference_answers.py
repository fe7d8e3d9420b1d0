"""What a simulated model answers: replies that work with the prompt, deterministically.

A handful of intents are recognised (arithmetic, summarising, translating, code, questions
about this dashboard, greetings); anything else is answered by restating the prompt's own key
words around advice sentences that share them. The random choices (openers, which tips) come
from a generator seeded by model, prompt and seed, so the same question to the same model
always gets the same reply, and two models answer it in different words.

The prompt is outside input: only its first ``MAX_READ_CHARS`` are read, a quoted piece is a
few words at most, and quoted words keep only letters, digits and plain punctuation, so a
reply holds no Markdown or HTML of the prompt's making and stays short however long the prompt.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from .inference_arithmetic import SumError, find_sum, work_out
from .inference_code import code_reply
from .inference_phrasebook import LANGUAGES, language_named, translate

MAX_READ_CHARS = 4000
QUOTED_WORDS = 12
SUMMARY_SENTENCES = 3
SUMMARY_SENTENCE_WORDS = 18
WORD_CHARS = 30

_UNSAFE = re.compile(r"[^\w\s.,;:!?'()%/+=-]|_")
_KEY_WORD = re.compile(r"[^\W\d_][\w'-]{3,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_GREETING = re.compile(r"(?i)^\s*(hi|hello|hey|good (morning|afternoon|evening))\b")
_SUMMARY = re.compile(r"(?i)\b(summari[sz]e|summary|tl;?dr|sum up|boil down)\b")
_TRANSLATE = re.compile(r"(?i)\btranslate\b|\bhow do (you|i) say\b")
_QUOTED = re.compile(r"[\"“‘']([^\"”’']{1,200})[\"”’']")
_CODE_WORD = re.compile(
    r"(?i)\b(code|function|script|snippet|program|regex|python|bash|shell|sql|query|"
    r"javascript|typescript|curl)\b"
)
_CODE_VERB = re.compile(r"(?i)\b(write|show|give|generate|create|make|implement|example|how)\b")
_SUM_CUE = re.compile(r"(?i)\b(what is|what's|whats|calculate|compute|how much is|solve)\b|=")

STOP_WORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "also",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "from",
        "further",
        "have",
        "having",
        "here",
        "into",
        "itself",
        "just",
        "more",
        "most",
        "much",
        "must",
        "only",
        "other",
        "over",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "want",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
        "yours",
        "tell",
        "please",
        "explain",
        "know",
        "make",
        "like",
        "need",
        "help",
        "something",
        "thing",
        "things",
        "really",
    ]
)

CODE_FILLER = frozenset(
    ["returns", "return", "takes", "list", "lists", "select", "table", "using", "small", "simple"]
)

TOPICS: dict[str, tuple[frozenset[str], str]] = {
    "spend": (
        frozenset(
            [
                "bill",
                "billing",
                "cost",
                "costs",
                "spend",
                "spending",
                "invoice",
                "invoices",
                "money",
                "budget",
                "budgets",
                "cheaper",
                "save",
                "saving",
                "expensive",
                "price",
                "prices",
                "pay",
                "charges",
            ]
        ),
        "Start on the Overview page: it shows what this month has cost so far, the forecast "
        "to the month's end and which services cost most. Then open Instances and look for "
        "stopped servers, which are billed like running ones.",
    ),
    "instances": (
        frozenset(
            [
                "instance",
                "instances",
                "server",
                "servers",
                "compute",
                "plan",
                "plans",
                "region",
                "regions",
            ]
        ),
        "The Instances page lists every server with its plan, region, state and monthly "
        "price; sort by price to see the expensive ones, or filter by region or tag.",
    ),
    "databases": (
        frozenset(
            ["database", "databases", "postgres", "postgresql", "mysql", "replica", "replicas"]
        ),
        "The Databases page shows each managed database with its plan and monthly cost, and "
        "checks the connection, size, slow queries and replication of the one you point it at.",
    ),
    "cache": (
        frozenset(["valkey", "redis", "cache", "caching", "cached", "keys", "tags"]),
        "The Valkey page checks the server's health and memory; Cache Tools shows the app's "
        "cached keys and tags, its hit ratio, and lets you invalidate a tag after a preview.",
    ),
    "inference": (
        frozenset(
            ["inference", "model", "models", "token", "tokens", "prompt", "prompts", "chat", "llm"]
        ),
        "This page, Inference Chat, sends your prompt to a model, streams the reply, and shows "
        "the tokens in and out, the time to first token and what the reply cost.",
    ),
    "dashboard": (
        frozenset(["dashboard", "page", "pages", "demo"]),
        "The dashboard has pages for spend (Overview), Instances, Databases, Valkey, this "
        "Inference Chat and Cache Tools; in demo mode they all show a simulated organisation.",
    ),
}
TOPIC_TIPS: dict[str, tuple[str, ...]] = {
    "spend": (
        "Block storage is billed while attached or not, so detached volumes are worth a look.",
        "Snapshots are cheap per gigabyte, but old ones add up month after month.",
        "Tag resources by team so that the monthly bill can be split without guesswork.",
        "Start with the smallest plan that fits and resize once real traffic tells you more.",
    ),
    "instances": (
        "Put the instances that talk to each other in the same region to keep latency low.",
        "Start with the smallest plan that fits and resize once real traffic tells you more.",
    ),
    "databases": (
        "A managed database keeps backups daily, and restoring one is a fork rather than an "
        "overwrite.",
        "Measure before optimising: the slow part is rarely where one expects it.",
    ),
    "cache": (
        "Valkey works well as a cache in front of slow queries when every key has a sensible TTL.",
        "Tags let you drop every cached answer about one thing at once, without scanning keys.",
    ),
    "inference": (
        "Serverless Inference bills per token, so a shorter system prompt saves money on every "
        "call.",
        "Compare two models on the same prompt before choosing one for production.",
        "Time to first token matters more to a reader than total time for long answers.",
    ),
    "dashboard": (
        "Every page reads the same account, so a figure on one page matches the others.",
        "Measure before optimising: the slow part is rarely where one expects it.",
    ),
}
SENTENCES = (
    "Start with the smallest plan that fits and resize once real traffic tells you more.",
    "Serverless Inference bills per token, so a shorter system prompt saves money on every call.",
    "Streaming the reply lets people start reading before the model has finished.",
    "A managed database keeps backups daily, and restoring one is a fork rather than an overwrite.",
    "Valkey works well as a cache in front of slow queries when every key has a sensible TTL.",
    "Tag resources by team so that the monthly bill can be split without guesswork.",
    "Block storage is billed while attached or not, so detached volumes are worth a look.",
    "Put the instances that talk to each other in the same region to keep latency low.",
    "Retry rate-limited requests with exponential backoff and a little random jitter.",
    "Time to first token matters more to a reader than total time for long answers.",
    "Lower temperatures give steadier answers; higher ones give more varied wording.",
    "A stop sequence ends the reply early, which also ends what you pay for it.",
    "Compare two models on the same prompt before choosing one for production.",
    "Snapshots are cheap per gigabyte, but old ones add up month after month.",
    "Keep API keys in secrets storage, never in code or in a chat transcript.",
    "Load balancers spread traffic and also give you a health check for free.",
    "Measure before optimising: the slow part is rarely where one expects it.",
    "Context windows are large, yet every token of history is paid for again on each turn.",
)
OPENERS = ("Good question.", "Here is where I would look.", "Short version first.", "Sure.")

Answer = Callable[[str, str, random.Random], str | None]


def answer(prompt: str, model: str, rng: random.Random) -> str:
    """The reply to one prompt: the first intent that recognises it, else a restatement."""
    read = prompt[:MAX_READ_CHARS]
    intents: Sequence[Answer] = (
        _greeting,
        _code,
        _summary,
        _translation,
        _arithmetic,
        _dashboard,
    )
    for intent in intents:
        reply = intent(read, model, rng)
        if reply is not None:
            return reply
    return _restatement(read, model, rng)


def quoted(text: str, words: int = QUOTED_WORDS) -> str:
    """A piece of the prompt safe to repeat: plain characters, a few short words."""
    cleaned = _UNSAFE.sub(" ", text.replace("$", " USD "))
    kept = [word[:WORD_CHARS] for word in cleaned.split()]
    return " ".join(kept[:words]) + (" …" if len(kept) > words else "")


def listed(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def key_words(text: str, limit: int = 6) -> list[str]:
    """The prompt's content words, in order, lower-cased, without repeats or filler."""
    found = (word.lower().strip("'-") for word in _KEY_WORD.findall(quoted(text, 200)))
    return list(dict.fromkeys(w for w in found if w not in STOP_WORDS))[:limit]


def _greeting(prompt: str, model: str, rng: random.Random) -> str | None:
    if not prompt.strip():
        return f"{model} here. Ask me something: a sum, a summary, a translation or some code."
    if not _GREETING.match(prompt) or len(prompt.split()) > 6:
        return None
    hello = rng.choice(("Hello!", "Hi there!", "Hello, nice to meet you."))
    return (
        f"{hello} I am {model}, answering from the dashboard's simulated inference. Try a sum "
        "(what is 12 * 7?), a summary, a translation into French, some code, or a question "
        "about your Vultr bill."
    )


def _arithmetic(prompt: str, model: str, rng: random.Random) -> str | None:
    expression = find_sum(prompt)
    if expression is None:
        return None
    share = len(re.sub(r"\s", "", expression)) / max(1, len(re.sub(r"\s", "", prompt)))
    if not _SUM_CUE.search(prompt) and share < 0.5:
        return None
    try:
        worked = work_out(expression)
    except SumError as refusal:
        return f"I will not give a number for that: {refusal}."
    sentences = (
        f"{worked.shown} = {worked.result}.",
        f"That comes to {worked.result} ({worked.shown}).",
        f"The answer is {worked.result}: {worked.shown} = {worked.result}.",
    )
    return rng.choice(sentences)


def _summary(prompt: str, model: str, rng: random.Random) -> str | None:
    cue = _SUMMARY.search(prompt)
    if cue is None:
        return None
    rest = prompt[cue.end() :]
    text = rest.split(":", 1)[1] if ":" in rest[:40] else rest
    text = re.sub(r"(?i)^\s*(this|the following|it|text|please)\b", "", text).strip()
    words = text.split()
    if len(words) < 5:
        return 'Paste the text after a colon ("Summarise: …") and I will boil it down.'
    sentences = [s for s in _SENTENCE_END.split(" ".join(words)) if s.strip()]
    points = [quoted(s, SUMMARY_SENTENCE_WORDS) for s in sentences[:SUMMARY_SENTENCES]]
    lead = rng.choice(("In short:", "The gist:", "Summary:"))
    reply = f"{lead} {points[0]}"
    if len(points) > 1:
        reply += "\n\nAlso:\n" + "\n".join(f"- {point}" for point in points[1:])
    return f"{reply}\n\n({len(words):,} words in, {len(sentences):,} sentences.)"


def _translation(prompt: str, model: str, rng: random.Random) -> str | None:
    if _TRANSLATE.search(prompt) is None:
        return None
    language = language_named(prompt)
    if language is None:
        known = ", ".join(LANGUAGES[:-1]) + f" and {LANGUAGES[-1]}"
        return f"Into which language? I can do {known}: say 'translate … into French'."
    found = _QUOTED.search(prompt)
    if found is not None:
        phrase = found.group(1)
    else:
        after = _TRANSLATE.split(prompt, maxsplit=1)[-1]
        phrase = re.split(rf"(?i)\b(?:in|into|to)\s+{language}\b", after)[0].strip(" :")
    phrase = quoted(phrase, 30)
    if not phrase:
        return f"What should I translate into {language}? Put it in quotes."
    translated, missing = translate(phrase, language)
    reply = f'In {language}: "{translated}".'
    if missing:
        reply += f" (No entry for {', '.join(missing[:5])}: kept as written.)"
    return reply


def _dashboard(prompt: str, model: str, rng: random.Random) -> str | None:
    words = {word.lower() for word in _KEY_WORD.findall(prompt[:MAX_READ_CHARS])}
    matched = [topic for topic, (cues, _) in TOPICS.items() if words & cues]
    if not matched:
        return None
    topic = matched[0]
    tips = rng.sample(TOPIC_TIPS[topic], min(2, len(TOPIC_TIPS[topic])))
    return " ".join([rng.choice(OPENERS), TOPICS[topic][1], *tips])


def _restatement(prompt: str, model: str, rng: random.Random) -> str:
    words = key_words(prompt)
    if not words:
        return f'"{quoted(prompt, 6)}" is short for me to go on: tell me a bit more.'
    topic = listed(words[:3])
    opener = rng.choice(
        (
            f"You asked about {topic}.",
            f"On {topic}, here is how I see it.",
            f"Let me take {topic} one at a time.",
        )
    )
    stems = {word[:5] for word in words}
    ranked = sorted(
        SENTENCES,
        key=lambda s: (-len(stems & {w.lower()[:5] for w in s.split()}), rng.random()),
    )
    closer = rng.choice(
        (
            f"If you tell me more about {words[-1]}, I can be more specific.",
            f"An example of {words[-1]} would help me narrow this down.",
        )
    )
    return " ".join([opener, *ranked[:2], closer])


def _code(prompt: str, model: str, rng: random.Random) -> str | None:
    if _CODE_WORD.search(prompt) is None or _CODE_VERB.search(prompt) is None:
        return None
    words = [
        word
        for word in key_words(prompt, 12)
        if not (_CODE_WORD.fullmatch(word) or _CODE_VERB.fullmatch(word) or word in CODE_FILLER)
    ]
    return code_reply(prompt, words[:3], rng)
