"""One article as the fields of an Anki note: HTML that no text, math or code can break.

The answer is the book formats' section (`html_body.article_element`) with its math left as
TeX in MathJax delimiters, which Anki's own MathJax typesets. Anki reads a few things in a
field's HTML as its own syntax: `{{..}}` (templates and clozes: a `}}` inside math ends a
cloze), `[sound:..]` and `[anki:..]` (players), `[latex]`, `[$]` and `[$$]` (LaTeX images).
Those characters are written as character references, which the browser shows as the same
text (and MathJax reads as the same TeX) but which Anki's parsers do not see.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...model import Article
from ...model.plain_markdown import outside_code
from ...render import html_body
from ...render.links import Links, as_uri

__all__ = ["FIELD_NAMES", "NoteFields", "card_safe", "note_fields", "tag_safe"]

FIELD_NAMES = ("Question", "Answer", "Related", "Source")
_ANKI_SYNTAX = re.compile(r"\{(?=\{)|\}(?=\})|\[(?=sound:|anki:|latex\]|/latex\]|\$\]|\$\$\]|/\$)")
_REFERENCE = {"{": "&#123;", "}": "&#125;", "[": "&#91;"}
_NOT_IN_TAG = re.compile(r'[\s"\x00-\x1f\x7f\u3000]+')
_COLONS = re.compile(r":{2,}")


@dataclass(frozen=True)
class NoteFields:
    """The four fields of a QuickTakes note, as Anki HTML, in `FIELD_NAMES` order."""

    question: str
    answer: str
    related: str  #: a `<ul>` of links to the related questions' pages, or ""
    source: str  #: a link to the article's page

    def as_tuple(self) -> tuple[str, str, str, str]:
        return (self.question, self.answer, self.related, self.source)


def card_safe(markup: str) -> str:
    """HTML with Anki's own syntax (`{{`, `}}`, `[sound:`, `[latex]`, ...) written as character
    references: the same text on the card, nothing for Anki's template or media parsers."""
    return _ANKI_SYNTAX.sub(lambda m: _REFERENCE[m.group()], markup)


def tag_safe(text: str) -> str:
    """An Anki tag from a keyword: no spaces or quotes (`_` instead), and no `::` (which makes a
    tag hierarchy) or colon at either end; "" when nothing is left."""
    tag = _NOT_IN_TAG.sub("_", text.strip())
    return _COLONS.sub(":", tag).strip(":_")


def question_html(question: str) -> str:
    """The question as HTML text; a formula in it (`$..$`) in MathJax delimiters."""
    def math(tex: str, display: bool) -> str:
        opener, closer = (r"\[", r"\]") if display else (r"\(", r"\)")
        return html.escape(opener + tex + closer, quote=False)

    return card_safe(outside_code(question, lambda text: html.escape(text, quote=False), math))


def note_fields(article: Article, fragment: str, links: Links) -> NoteFields:
    """The note of `article` from its answer fragment (`render_answers` with math="tex").

    Related questions and answer links go to the web pages of their articles (a card has no
    address of its own to link to)."""
    section = html_body.article_element(article, fragment, links, question_level=2)
    body = _html(section.find("div"))  # `div.qt-answer`: article_element always makes it
    nav = section.find("nav")
    related = _html(nav.find("ul")) if nav is not None and nav.find("ul") is not None else ""
    source = (f'<a href="{html.escape(as_uri(article.canonical_url))}">'
              f'{html.escape(article.canonical_url, quote=False)}</a>')
    heading = section.find("h2")
    question = heading.text if heading is not None and heading.text else article.question
    return NoteFields(question_html(question), card_safe(body), card_safe(related),
                      card_safe(source))


def _html(element: ET.Element) -> str:
    """An element as HTML (void elements as `<br>`, text escaped), without its tail."""
    tail, element.tail = element.tail, None
    try:
        return ET.tostring(element, encoding="unicode", method="html")
    finally:
        element.tail = tail
