"""One link-safety rule (`qtconvert.model.link_safety`) for every format: hostile link targets in an
answer lose their target, keep their text, and nothing is fetched when a page is viewed."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pypandoc
import pytest
from conftest import write_article

from qtconvert.build import build
from qtconvert.model import plain_markdown
from qtconvert.model.link_safety import is_safe_href
from qtconvert.render import html_body
from qtconvert.writers.base import BuildOptions
from qtconvert.writers.jsonld import html_subset as answer_html

UNSAFE = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)",
          "\tjavascript:alert(1)", "java\tscript:alert(1)", "java&#x09;script:alert(1)",
          "&#106;avascript:alert(1)", "java%73cript:alert(1)", "javascript&colon;alert(1)",
          "vbscript:msgbox(1)", "data:text/html,<b>x</b>", "file:///etc/passwd",
          "java\nscript:x", "\x01javascript:x", "java script:x", "c:\\windows"]
SAFE = ["http://example.org/a", "HTTPS://example.org/a?b=c:d", "mailto:a@b.org", "#part",
        "../chemistry/x.md", "x.md", "/learn/x", "?q=a:b", "//example.org/x", "a/b:c", ""]


@pytest.mark.parametrize("href", UNSAFE)
def test_unsafe_targets(href):
    assert not is_safe_href(href)


@pytest.mark.parametrize("href", SAFE)
def test_safe_targets(href):
    assert is_safe_href(href)


def test_every_format_uses_the_one_rule():
    assert html_body.is_safe_href is is_safe_href
    assert answer_html.is_safe_href is is_safe_href
    assert plain_markdown.is_safe_href is is_safe_href


HOSTILE = "\n\n".join([
    "[one](javascript:alert(1)) [two](JaVaScRiPt:alert(2)) [three](vbscript:msgbox(3))",
    "[four](data:text/html,x) [five](file:///etc/passwd) [six](  javascript:alert(6))",
    "[seven](java&#x09;script:alert(7)) [eight](java%73cript:alert(8))",
    "[nine](<javascript:alert(9)>) [ten `code`](javascript:alert(10) \"title\")",
    "<javascript:alert(11)> and <vbscript:x>",
    "[twelve][r] and [[inner](javascript:a)](javascript:b)",
    "[r]: javascript:alert(12)",
    "![picture](http://127.0.0.1:9/x.png) ![gone](javascript:alert(13))",
    "Safe: [web](https://example.org/a_b) <https://example.org> [mail](mailto:a@b.org)",
    "`[code](javascript:kept)` stays code.",
])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href") is not None:
            self.hrefs.append(dict(attrs)["href"])
        if tag == "img":
            self.images.append(str(dict(attrs).get("src")))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    write_article(tmp / "in", answer=HOSTILE.replace("\n", "\\n"))
    build(tmp / "in", tmp / "out", BuildOptions(formats=("markdown", "jsonld")))
    return tmp / "out"


def test_markdown_export_drops_unsafe_targets_and_shows_no_image(out):
    text = (out / "markdown" / "mathematics" / "what-is-x.md").read_text()
    body = text.split("---\n", 2)[2]
    for viewer in ("gfm", "commonmark", "markdown"):  # GitHub, CommonMark, pandoc's own
        links = _Links()
        links.feed(pypandoc.convert_text(body, "html", format=viewer))
        assert links.images == [], viewer
        assert links.hrefs and all(is_safe_href(h) for h in links.hrefs), (viewer, links.hrefs)
        shown = "".join(links.text)
        for word in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                     "ten", "twelve", "inner", "picture", "web", "mail"):
            assert word in shown, (viewer, word)
        assert "http://127.0.0.1:9/x.png" in links.hrefs  # the image, as a link to it
    assert "[\\[picture\\]](http://127.0.0.1:9/x.png)" in body
    assert "`[code](javascript:kept)`" in body  # code is text


def test_jsonld_answer_keeps_only_safe_links(out):
    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict | list):
            for value in node.values() if isinstance(node, dict) else node:
                yield from strings(value)

    links = _Links()
    for path in (out / "jsonld").rglob("*.jsonld"):
        for text in strings(json.loads(path.read_text())):
            if "<a " in text:  # the answer's HTML
                links.feed(text)
    assert "https://example.org/a_b" in links.hrefs and "mailto:a@b.org" in links.hrefs
    assert all(is_safe_href(h) for h in links.hrefs), links.hrefs
    assert links.images == []


@pytest.mark.parametrize("unit", ["[](x", "[](javascript:", "[](<javascript:", "[](javascript: '",
                                  "[[a](javascript:x)](javascript:y)", "![a](b) ", "<vbscript:x> ",
                                  "[a]: javascript:x\n"])
def test_link_scan_takes_linear_time(unit):
    import time

    def seconds(n: int) -> float:
        text = unit * n
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            plain_markdown.safe_links(text)
            best = min(best, time.perf_counter() - start)
        return best

    # twice the input, about twice the time (quadratic would be four times)
    assert seconds(8000) < 3.2 * seconds(4000) + 0.01
