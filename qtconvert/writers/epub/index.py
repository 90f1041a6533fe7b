"""The back-of-book index: every article keyword, alphabetised, linking to its articles.

Keywords are grouped by `render.keyword_index`, the rule the PDF's index follows too. A large index is
split into one document per initial letter, so that a subject of 2,000 articles does not put a
megabyte-sized page in front of a phone. The markup follows the EPUB Indexes vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...model import Article
from ...model.books import question_order
from ...render.keyword_index import SYMBOLS, IndexEntry, group_label, keyword_index
from ...render.typography import curly_quotes
from .xhtml import xml_text

__all__ = ["IndexPage", "build_index"]


@dataclass(frozen=True)
class IndexPage:
    """One page of the index: its file, title and body markup."""

    href: str
    title: str
    body: str


def build_index(articles: Sequence[Article], href_for: Callable[[Article], str],
                prefix: str = "index", split_over: int = 300) -> list[IndexPage]:
    """The index pages, or [] when no article has keywords.

    Up to `split_over` terms make one page; more make one page per initial letter.
    """
    letters: dict[str, list[IndexEntry]] = {}
    for entry in keyword_index(articles):
        letters.setdefault(entry.group, []).append(entry)
    order = list(letters)  # symbols first, then A to Z
    ids = {l: "idx-" + ("symbols" if l == SYMBOLS else l.lower()) for l in order}

    def group(letter: str, level: int) -> str:
        items = "\n".join(_entry(e.term, e.articles, href_for) for e in letters[letter])
        return (f'<section epub:type="index-group" id="{ids[letter]}">\n'
                f"<h{level}>{xml_text(_label(letter))}</h{level}>\n"
                f'<ul epub:type="index-entry-list" class="qt-index-list">\n{items}\n</ul>\n'
                f"</section>")

    if sum(len(entries) for entries in letters.values()) <= split_over:
        href = f"{prefix}.xhtml"
        bar = _letter_bar(order, {l: f"#{ids[l]}" for l in order}, None)
        body = "\n".join(group(l, 2) for l in order)
        return [IndexPage(href, "Index", _page("Index", bar, body))] if order else []
    hrefs = {l: f"{prefix}-{ids[l][4:]}.xhtml" for l in order}
    return [IndexPage(hrefs[l], f"Index: {_label(l)}",
                      _page(f"Index: {_label(l)}", _letter_bar(order, hrefs, l), group(l, 2)))
            for l in order]


_label = group_label


def _page(title: str, bar: str, body: str) -> str:
    return (f'<section epub:type="index" role="doc-index" class="qt-index">\n'
            f"<h1>{xml_text(title)}</h1>\n{bar}\n{body}\n</section>")


def _entry(term: str, articles: Sequence[Article], href_for: Callable[[Article], str]) -> str:
    ordered = question_order(articles)
    locators = "".join(f'<li><a epub:type="index-locator" href="{href_for(a)}">'
                       f"{xml_text(curly_quotes(a.question))}</a></li>" for a in ordered)
    return (f'<li epub:type="index-entry"><span epub:type="index-term" class="qt-term">'
            f'{xml_text(curly_quotes(term))}</span><ul epub:type="index-locator-list" class="qt-locators">{locators}</ul></li>')


def _letter_bar(order: list[str], hrefs: dict[str, str], current: str | None) -> str:
    links = []
    for letter in order:
        label = "#" if letter == SYMBOLS else letter
        if letter == current:
            links.append(f'<li><span aria-current="page">{xml_text(label)}</span></li>')
        else:
            links.append(f'<li><a href="{hrefs[letter]}">{xml_text(label)}</a></li>')
    return f'<nav class="qt-letters" aria-label="Index letters"><ul>{"".join(links)}</ul></nav>'
