"""The HTML of one printed volume: title page, imprint, contents, parts, questions, index.

Page numbers, running heads and bookmarks are left to the print stylesheet (`target-counter`,
`string-set`, `bookmark-level`), which reads the classes and attributes set here. Metadata
goes in `<head>`, where WeasyPrint takes the PDF's title, author, subject, keywords and language.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from ... import __version__
from ...model import Article
from ...model.books import Volume, counted, subject_runs
from ...model.urls import safe_name
from ...render.colours import BLACK, WHITE, contrast
from ...render.keyword_index import keyword_index
from ...render.typography import curl_tree
from .breaks import keep_end_together
from .index import index_element

__all__ = ["short_question", "document"]

_SHORT = 80  # running heads hold one line


def short_question(question: str, limit: int = _SHORT) -> str:
    """The question cut at a word boundary to fit a running head."""
    if len(question) <= limit:
        return question
    cut = question[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def colours(cover: str) -> tuple[str, str]:
    """(ink on the cover colour, accent for text on white paper) for a book's cover colour.

    Ink is white or near-black, whichever contrasts more; the accent is the cover colour
    when it reads on white (WCAG contrast 4.5:1), else the default blue.
    """
    try:
        on_white = contrast(cover, WHITE)
    except ValueError:
        return WHITE, "#1f4e79"
    ink = WHITE if on_white >= contrast(cover, BLACK) else "#1c1c1c"
    return ink, cover if on_white >= 4.5 else "#1f4e79"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): v
                                     for k, v in attrs.items()})
    el.text = text
    return el


def _head(html: ET.Element, volume: Volume) -> None:
    book, arts = volume.book, volume.articles
    head = _el(html, "head")
    _el(head, "meta", charset="utf-8")
    _el(head, "title", f"{book.title} — {volume.label}" if volume.label else book.title)
    authors = list(dict.fromkeys(a.author for a in arts if a.author)) or ["QuickTakes"]
    _el(head, "meta", name="author", content=", ".join(authors[:3]))
    subjects = ", ".join(book.subjects)
    _el(head, "meta", name="description",
        content=f"{book.subtitle}: {counted(len(arts), 'question and answer')} on {subjects}")
    keywords = book.keywords or tuple(k for k, _ in Counter(
        k for a in arts for k in a.keywords).most_common(12))
    _el(head, "meta", name="keywords", content=", ".join(keywords))
    _el(head, "meta", name="generator", content=f"qtconvert {__version__}")
    if arts:
        dates = sorted(a.date for a in arts)
        _el(head, "meta", name="dcterms.created", content=dates[0].isoformat())
        _el(head, "meta", name="dcterms.modified", content=dates[-1].isoformat())


def _title_page(body: ET.Element, volume: Volume, keywords: int) -> None:
    book = volume.book
    page = _el(body, "section", class_="qt-title-page")
    band = _el(page, "div", class_="qt-cover-band")
    _el(band, "p", book.subtitle, class_="qt-series")
    _el(band, "h1", book.title, class_="qt-book-title")
    if len(book.subjects) > 1:
        _el(band, "p", " · ".join(book.subjects), class_="qt-title-subjects")
    _el(page, "p", counted(len(volume.articles), "question and answer"),
        class_="qt-title-count")
    _el(page, "p", f"with cross-references and an index of {keywords:,} keywords",
        class_="qt-title-extras")
    if volume.label:
        last = volume.first + len(volume.articles) - 1
        _el(page, "p", volume.label, class_="qt-title-volume")
        _el(page, "p", f"Questions {volume.first}–{last}", class_="qt-title-range")
    _el(page, "p", "QuickTakes", class_="qt-publisher")
    imprint = _el(body, "section", class_="qt-imprint")
    _el(imprint, "p", f"{book.title}. {book.subtitle}." + (f" {volume.label}." if volume.label
                                                            else ""), class_="qt-imprint-title")
    _el(imprint, "p", "The questions and answers come from QuickTakes; each can also be read "
                      "online at the address printed at the end of its answer.")
    _el(imprint, "p", "A cross-reference gives the page of the question it points to; the "
                      "index at the back lists the keywords of every question.")
    _el(imprint, "p", f"Typeset with qtconvert {__version__} and WeasyPrint.")


def _parts(volume: Volume) -> list[tuple[str, tuple[Article, ...]]]:
    """(subject, its questions) runs; one part named after the book when subjects interleave."""
    runs = subject_runs(volume.articles)
    if runs is None:
        return [(volume.book.title, volume.articles)]
    return [(run.name, run.articles) for run in runs]


def _contents(body: ET.Element, volume: Volume) -> None:
    nav = _el(body, "nav", id="qt-contents", class_="qt-toc")
    _el(nav, "h1", "Contents", class_="qt-toc-title")
    number = volume.first
    for subject, arts in _parts(volume):
        _el(nav, "h2", subject, class_="qt-toc-part")
        ol = _el(nav, "ol")
        for a in arts:
            li = _el(ol, "li")
            link = _el(li, "a", None, href="#" + a.anchor)
            _el(link, "span", str(number), class_="qt-toc-number")
            _el(link, "span", a.question, class_="qt-toc-question")
            number += 1
    last = _el(_el(nav, "ol", class_="qt-toc-back"), "li")
    _el(last, "a", "Index", href="#qt-index")
    curl_tree(nav)


_CODE = {"code", "pre", "kbd", "samp"}
_LANGUAGES = re.compile(r"C\+\+|C#")


def _keep_together(el: ET.Element) -> None:
    """`C++` and `C#` outside code become `<span class="qt-lang">`: kept on one line (the line
    breaker would split `C+` from `+`) and set tighter (Charis's `+` is wide: `C+ +`)."""
    if el.tag in _CODE:
        return
    for child in list(el):
        _keep_together(child)
    _wrap_languages(el, None)
    for index, child in reversed(list(enumerate(el))):
        _wrap_languages(el, index)


def _wrap_languages(parent: ET.Element, index: int | None) -> None:
    """Wrap the language names in `parent.text` (index None) or in `parent[index].tail`."""
    text = parent.text if index is None else parent[index].tail
    if not text or not _LANGUAGES.search(text):
        return
    pieces = _LANGUAGES.split(text)
    names = _LANGUAGES.findall(text)
    if index is None:
        parent.text = pieces[0]
    else:
        parent[index].tail = pieces[0]
    at = 0 if index is None else index + 1
    for offset, (name, rest) in enumerate(zip(names, pieces[1:])):
        span = ET.Element("span", {"class": "qt-lang"})
        span.text, span.tail = name, rest
        parent.insert(at + offset, span)


def _print_addresses(section: ET.Element) -> None:
    """A web link in an answer or among the related questions prints its address (`data-url`,
    see print.css): on paper a link can only be followed by typing it. Not when the text is
    the address."""
    for a in section.iter("a"):
        href = a.get("href", "")
        if "qt-external" not in (a.get("class") or "").split():
            continue
        shown = href.removeprefix("mailto:").removeprefix("https://").removeprefix("http://")
        text = "".join(a.itertext()).strip()
        if text.rstrip("/") not in (href.rstrip("/"), shown.rstrip("/")):
            a.set("data-url", shown)


def document(volume: Volume, sections: dict[str, ET.Element], *, page_breaks: bool) -> str:
    """The whole volume as an HTML string; `sections` are the article elements by url."""
    ink, accent = colours(volume.book.cover_colour)
    html = ET.Element("html", {"lang": volume.book.language,
                               "style": f"--cover: {volume.book.cover_colour}; "
                                        f"--cover-ink: {ink}; --accent: {accent}"})
    _head(html, volume)
    body = _el(html, "body", class_="qt-book " + ("qt-page-breaks" if page_breaks
                                                  else "qt-flowing"))
    entries = keyword_index(volume.articles)
    _title_page(body, volume, len(entries))
    _contents(body, volume)
    number = volume.first
    for subject, arts in _parts(volume):
        part = _el(body, "section", id=f"qt-part-{safe_name(subject)}-{number}",
                   class_="qt-part")
        _el(part, "h1", subject, class_="qt-part-title")
        _el(part, "p", counted(len(arts)), class_="qt-part-count")
        for a in arts:
            section = sections[a.url]
            _print_addresses(section)
            for answer in section.iter("div"):
                if answer.get("class") == "qt-answer":
                    keep_end_together(answer)  # no near-empty last page
                    break
            section.insert(0, ET.Element("p", {"class": "qt-number"}))
            section[0].text = f"Question {number}"  # as in the contents: a label, not a sum
            body.append(section)
            number += 1
    index = index_element(entries, scope="volume" if volume.count > 1 else "book")
    curl_tree(index)
    body.append(index)
    _keep_together(body)
    return "<!DOCTYPE html>\n" + ET.tostring(html, encoding="unicode", method="html")
