"""The back-of-book index: every article keyword, alphabetised, linking to its articles.

Keywords are grouped case-insensitively (the most frequent spelling is shown). The index is split
into one document per initial letter, so that a subject of 2,000 articles does not put a
megabyte-sized page in front of a phone; it follows the EPUB Indexes vocabulary.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .model import Article

__all__ = ["IndexPage", "build_index"]

SYMBOLS = "#"


@dataclass(frozen=True)
class IndexPage:
    """One letter of the index: its file, heading and body markup."""

    href: str
    letter: str
    body: str
    terms: int


def _initial(term: str) -> str:
    for c in unicodedata.normalize("NFKD", term):
        if c.isalpha() and c.isascii():
            return c.upper()
        if c.isalnum():
            return SYMBOLS
    return SYMBOLS


def _sort_key(term: str) -> tuple[str, str]:
    plain = "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))
    return plain.casefold(), term


def build_index(articles: Sequence[Article], href_for: Callable[[Article], str],
                prefix: str = "index") -> list[IndexPage]:
    """The index pages (letters in order), or [] when no article has keywords."""
    spellings: dict[str, Counter[str]] = {}
    entries: dict[str, list[Article]] = {}
    for article in articles:
        seen: set[str] = set()
        for raw in article.keywords:
            term = " ".join(raw.split())
            key = term.casefold()
            if not term or key in seen:
                continue
            seen.add(key)
            spellings.setdefault(key, Counter())[term] += 1
            entries.setdefault(key, []).append(article)
    shown = {key: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for key, c in spellings.items()}
    letters: dict[str, list[str]] = {}
    for key in sorted(entries, key=lambda k: _sort_key(shown[k])):
        letters.setdefault(_initial(shown[key]), []).append(key)
    order = sorted(letters, key=lambda l: (l != SYMBOLS, l))
    hrefs = {l: f"{prefix}-{'symbols' if l == SYMBOLS else l.lower()}.xhtml" for l in order}
    pages = []
    for letter in order:
        keys = letters[letter]
        items = [_entry(shown[k], entries[k], href_for) for k in keys]
        title = "Symbols and numbers" if letter == SYMBOLS else letter
        body = (f'<section epub:type="index" role="doc-index" class="qt-index">\n'
                f'<h1>Index: {escape(title)}</h1>\n'
                f'{_letter_bar(order, hrefs, letter)}\n'
                f'<section epub:type="index-group" id="idx-{hrefs[letter][:-6]}">\n'
                f'<ul epub:type="index-entry-list" class="qt-index-list">\n'
                + "\n".join(items) + "\n</ul>\n</section>\n</section>")
        pages.append(IndexPage(hrefs[letter], title, body, len(keys)))
    return pages


def _entry(term: str, articles: list[Article], href_for: Callable[[Article], str]) -> str:
    ordered = sorted(articles, key=lambda a: (a.question.casefold(), a.url))
    locators = "".join(f'<li><a epub:type="index-locator" href="{href_for(a)}">'
                       f"{escape(a.question)}</a></li>" for a in ordered)
    return (f'<li epub:type="index-entry"><span epub:type="index-term" class="qt-term">'
            f'{escape(term)}</span><ul epub:type="index-locator-list" class="qt-locators">{locators}</ul></li>')


def _letter_bar(order: list[str], hrefs: dict[str, str], current: str) -> str:
    links = []
    for letter in order:
        label = "#" if letter == SYMBOLS else letter
        if letter == current:
            links.append(f'<li><span aria-current="page">{escape(label)}</span></li>')
        else:
            links.append(f'<li><a href="{hrefs[letter]}">{escape(label)}</a></li>')
    return f'<nav class="qt-letters" aria-label="Index letters"><ul>{"".join(links)}</ul></nav>'
