"""A reply as the chat page shows it: Markdown prose that can load nothing, and fenced code
that is shown as it came."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vultr_core.inference.markup import ZERO_WIDTH_SPACE, ReplyBlock, reply_blocks
from vultr_core.simulator.inference_hostile import BEACON_HOST, beacon_text

# What a Markdown or HTML renderer would read as an image or a tag: `![` and `<` + a name.
IMAGE_OR_TAG = re.compile(r"!\[|<[A-Za-z/!?]")


def prose(text: str) -> str:
    return "\n".join(b.text for b in reply_blocks(text) if b.kind == "markdown")


def test_the_beacon_reply_loads_nothing_and_shows_where_it_pointed() -> None:
    shown = prose(beacon_text([{"role": "user", "content": "the launch code"}]))
    assert not IMAGE_OR_TAG.search(shown)
    assert rf"\[image: ` http://{BEACON_HOST}/inline.png?q=the%20launch%20code `\]" in shown
    assert f'<{ZERO_WIDTH_SPACE}img src="http://{BEACON_HOST}/html.png' in shown
    assert f"!{ZERO_WIDTH_SPACE}[logo][beacon]" in shown


@pytest.mark.parametrize(
    ("image", "url"),
    [
        ("![x](http://h/a.png)", "http://h/a.png"),
        ('![x](http://h/a.png "a title")', "http://h/a.png"),
        ("![x]( <http://h/a b.png> )", "http://h/a b.png"),
        ("![](http://h/?q=secret)", "http://h/?q=secret"),
    ],
    ids=["plain", "with a title", "bracketed", "no alt text"],
)
def test_an_inline_image_becomes_text_naming_its_url(image: str, url: str) -> None:
    assert prose(f"See {image} here.") == rf"See \[image: ` {url} `\] here."


@pytest.mark.parametrize(
    "text",
    [
        "![a][ref]\n\n[ref]: http://h/x.png",
        "![a]\n\n[a]: http://h/x.png",
        "![a ![b](http://h/x.png)](http://h/y.png)",
        "!![x](http://h/x.png)",
        "<img src=http://h/x.png>",
        "<IMG SRC='http://h/x.png'/>",
        "<iframe src=//h/x>",
        "</p><img src=x onerror=alert(1)>",
        "<!-- <img src=x> -->",
        "<http://h/x.png>",
        "`![in code](http://h/x.png)` and `<img src=x>`",
        "  ```\n![indented fence](http://h/x.png)\n  ```",
        "- ```\n  ![fence in a list](http://h/x.png)\n  ```",
        "> ```\n> ![fence in a quote](http://h/x.png)\n> ```",
    ],
)
def test_no_image_or_tag_survives_in_prose(text: str) -> None:
    assert not IMAGE_OR_TAG.search(prose(text))


@given(st.text(alphabet="![]()<>/`~ \nabcimg:h.", max_size=80))
def test_prose_never_holds_an_image_or_a_tag(text: str) -> None:
    """Whatever the model writes, and however far it has got (a prefix is a partial reply)."""
    for end in range(0, len(text) + 1, 7):
        assert not IMAGE_OR_TAG.search(prose(text[:end]))


def test_fenced_code_is_shown_as_it_came() -> None:
    text = 'Rust:\n```rust\nlet v = vec![1, 2];\nif a < b { html("<b>") }\n```\nDone.'
    assert reply_blocks(text) == [
        ReplyBlock("markdown", "Rust:"),
        ReplyBlock("code", 'let v = vec![1, 2];\nif a < b { html("<b>") }', "rust"),
        ReplyBlock("markdown", "Done."),
    ]


def test_a_fence_still_streaming_is_code_to_the_end() -> None:
    assert reply_blocks("Here:\n~~~~python\nprint('<ok>')") == [
        ReplyBlock("markdown", "Here:"),
        ReplyBlock("code", "print('<ok>')", "python"),
    ]


def test_only_a_matching_fence_closes_one() -> None:
    text = "````md\n```\n![x](http://h/x.png)\n```\n````\nafter"
    assert reply_blocks(text) == [
        ReplyBlock("code", "```\n![x](http://h/x.png)\n```", "md"),
        ReplyBlock("markdown", "after"),
    ]


def test_a_url_holding_backticks_stays_one_code_span() -> None:
    assert prose("![x](http://h/a``b)") == r"\[image: ``` http://h/a``b ```\]"


def test_plain_prose_is_left_as_it_is() -> None:
    text = "**Bold**, a [link](https://vultr.com), a list:\n\n- one\n- two\n\n`a != b`"
    assert reply_blocks(text) == [ReplyBlock("markdown", text)]
