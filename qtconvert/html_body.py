"""The HTML body shared by the EPUB and PDF writers (composition, not inheritance).

`render_answers` converts answers through the batched pandoc step; `article_element` builds one
article's XHTML section (question heading, answer, related questions) as an ElementTree element,
with every pending cross-reference resolved by the writer that asks. Links are rewritten on the
tree, never with regular expressions over markup.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from urllib.parse import quote, urljoin

from . import answer_text, pandoc, tex_repair
from .link_safety import SAFE_SCHEMES, is_safe_href
from .model import Article
from .typography import curl_tree
from .writers.base import Progress, Writer
from .xref import pending_target

__all__ = ["render_answers", "article_element", "parse_fragment", "as_uri", "SAFE_SCHEMES"]

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def render_answers(articles: Sequence[Article], options: pandoc.PandocOptions,
                   progress: Progress | None = None, label: str = "Converting answers"
                   ) -> dict[str, str]:
    """Answer HTML fragments by article url, through pandoc in batches."""
    if progress is not None:
        progress.start(label, len(articles))
    # math the site's KaTeX accepts but pandoc does not (\ce, \tag, bare \\) is repaired first
    answers = [answer_text.map_math(a.answer, tex_repair.repair) for a in articles]
    fragments = pandoc.to_html(answers, options,
                               progress.advance if progress is not None else None)
    if progress is not None:
        progress.done()
    return {a.url: frag for a, frag in zip(articles, fragments)}


def parse_fragment(fragment: str) -> ET.Element:
    """An HTML fragment from pandoc -> a `div` element (pandoc writes well-formed XHTML)."""
    try:
        return ET.fromstring(f"<div>{fragment}</div>")
    except ET.ParseError:
        # not well-formed after all: keep the text, lose the markup, never fail the build
        div = ET.Element("div")
        pre = ET.SubElement(div, "pre")
        pre.text = html.unescape(fragment)
        return div


def _drop_code_line_links(root: ET.Element) -> None:
    """Pandoc's empty `<a href="#cb1-1" aria-hidden>` per code line: noise in a book or print."""
    for pre in root.iter("pre"):
        for parent in list(pre.iter()):
            previous = None
            for child in list(parent):
                if child.tag == "a" and child.get("aria-hidden") == "true" and not len(child):
                    if child.tail:  # keep the text that followed the anchor
                        if previous is None:
                            parent.text = (parent.text or "") + child.tail
                        else:
                            previous.tail = (previous.tail or "") + child.tail
                    parent.remove(child)
                else:
                    previous = child


def _shift_headings(root: ET.Element, top: int) -> None:
    """Answer headings go below the question: the highest becomes `h<top>`."""
    found = [el for el in root.iter() if el.tag in _HEADINGS]
    if not found:
        return
    shift = top - min(int(el.tag[1]) for el in found)
    for el in found:
        el.tag = f"h{min(6, max(1, int(el.tag[1]) + shift))}"


_URI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")  # what a URI may hold as it is
_URI_SAFE = "/:?#[]@!$&'()*+,;=%~-._"  # kept as they are when the rest is percent-encoded
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def as_uri(href: str) -> str:
    """`href` as a valid URI (XHTML, and so EPUB, needs one): spaces, non-ASCII characters,
    `{}|\\^<>"` and a `%` that starts no escape are percent-encoded; a valid URI is unchanged."""
    if _URI.fullmatch(href) and not _STRAY_PERCENT.search(href):
        return href
    return quote(_STRAY_PERCENT.sub("%25", href), safe=_URI_SAFE)


def _rewrite_links(root: ET.Element, resolve: Callable[[str], str], page_url: str) -> None:
    """Every link in an answer leads to a safe place: a pending cross-reference becomes the
    writer's address; any other href that `link_safety` finds unsafe (`javascript:`, `file:`)
    loses its href and stays text, and a safe one is made absolute against the article's page.
    Every href is made a valid URI (`as_uri`)."""
    for a in root.iter("a"):
        href = a.get("href")
        if href is None or href.startswith("#"):
            continue  # a place on the same page
        if pending_target(href) is not None:
            new = resolve(href)
            internal = not new.startswith(("http:", "https:"))
        elif not is_safe_href(href):
            del a.attrib["href"]
            continue
        else:
            new = urljoin(page_url, href.strip())
            internal = False
        a.set("href", as_uri(new))
        a.set("class", " ".join(filter(None, [a.get("class"),
                                              "qt-xref" if internal else "qt-external"])))


def article_element(article: Article, fragment: str, writer: Writer, *,
                    question_level: int = 2, related_title: str = "Related questions"
                    ) -> ET.Element:
    """`<section id=anchor>`: the question as heading, the answer, the related questions.

    Links inside the answer to other articles and the related questions are resolved with
    `writer.uri_for`; internal ones get class `qt-xref`, others `qt-external`.
    """
    section = ET.Element("section", {"id": article.anchor, "class": "qt-article"})
    heading = ET.SubElement(section, f"h{question_level}", {"class": "qt-question"})
    heading.text = article.question
    body = parse_fragment(fragment)
    body.set("class", "qt-answer")
    _shift_headings(body, question_level + 1)
    _drop_code_line_links(body)
    anchor = article.anchor
    renamed: set[str] = set()
    for el in body.iter():  # ids pandoc gave (headings, footnotes): unique across a book
        old = el.get("id")
        if old:
            el.set("id", f"{anchor}--{old}")
            renamed.add(old)
    for a in body.iter("a"):  # in-page links follow their renamed targets
        href = a.get("href", "")
        if href.startswith("#") and href[1:] in renamed:
            a.set("href", f"#{anchor}--{href[1:]}")
    _rewrite_links(body, writer.link_resolver(article), article.canonical_url)
    section.append(body)
    related = article.listed_related
    if related:
        nav = ET.SubElement(section, "nav", {"class": "qt-related", "aria-label": related_title})
        title = ET.SubElement(nav, f"h{question_level + 1}")
        title.text = related_title
        ul = ET.SubElement(nav, "ul")
        for link in related:
            internal = writer.is_internal(link.target_url, article)
            li = ET.SubElement(ul, "li")
            a = ET.SubElement(li, "a", {"href": as_uri(writer.related_href(link, article)),
                                        "class": "qt-xref" if internal else "qt-external"})
            a.text = link.title
    curl_tree(section)  # typographic quotes; code and math stay as written
    return section
