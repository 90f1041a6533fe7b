"""The HTML body shared by the EPUB and PDF writers (composition, not inheritance).

`render_answers` converts answers through the batched pandoc step; `article_element` builds one
article's XHTML section (question heading, answer, related questions) as an ElementTree element,
with every pending cross-reference resolved by the writer that asks. Links are rewritten on the
tree, never with regular expressions over markup.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from urllib.parse import urljoin

from ..model import Article
from ..model.link_safety import is_safe_href
from ..model.plain_markdown import map_math
from ..model.urls import pending_target
from ..progress import Progress
from . import pandoc, tex_repair
from .links import Links, as_uri
from .typography import curl_tree

__all__ = ["render_answers", "article_element", "parse_fragment", "BLOCK_KEY", "block_key",
           "blocks"]

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
#: the attribute that names a block of an article (`<anchor>/<n>`), where a printed page may begin
BLOCK_KEY = "data-qt-block"
_BLOCKS = frozenset({*_HEADINGS, "p", "li", "pre", "table", "tr", "blockquote", "dt", "dd",
                     "figure", "hr"})
_MATHML = "{http://www.w3.org/1998/Math/MathML}math"


def render_answers(articles: Sequence[Article], options: pandoc.PandocOptions,
                   progress: Progress | None = None, label: str = "Converting answers",
                   note: Callable[[str], None] | None = None) -> dict[str, str]:
    """Answer HTML fragments by article url, through pandoc in batches. An answer pandoc
    cannot convert is kept as its source and told to `note` (else `progress.note`)."""
    if progress is not None:
        progress.start(label, len(articles))
    # math the site's KaTeX accepts but pandoc does not (\ce, \tag, bare \\) is repaired first
    answers = [map_math(a.answer, tex_repair.repair) for a in articles]

    tell = note or (progress.note if progress is not None else None)

    def failed(n: int, why: str) -> None:  # pandoc could not convert this answer
        if tell is not None:
            tell(f"{articles[n].source_path}: answer: {why}; printed as its source")

    fragments = pandoc.to_html(answers, options,
                               progress.advance if progress is not None else None, failed)
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


def _is_block(el: ET.Element) -> bool:
    if el.tag in _BLOCKS:
        return True
    if el.tag == _MATHML or el.tag == "math":  # pandoc's MathML (the EPUB) ...
        return el.get("display") == "block"
    return el.tag == "span" and "display" in (el.get("class") or "").split() and (
        "math" in (el.get("class") or "").split())  # ... and its TeX (the PDF)


def blocks(section: ET.Element) -> list[ET.Element]:
    """The blocks of an article section where a page may begin, in reading order: headings,
    paragraphs, list items, table rows, code blocks, display formulas. The EPUB (MathML) and
    the PDF (TeX) see the same blocks in the same order, so a block's number names one place
    in both."""
    return [el for el in section.iter() if _is_block(el)]


def block_key(anchor: str, number: int) -> str:
    """The `BLOCK_KEY` value of an article's block number `number`."""
    return f"{anchor}/{number}"


def article_element(article: Article, fragment: str, links: Links, *,
                    question_level: int = 2, related_title: str = "Related questions",
                    mark_blocks: bool = False) -> ET.Element:
    """`<section id=anchor>`: the question as heading, the answer, the related questions.

    Links inside the answer to other articles and the related questions are resolved with
    `links` (the unit's scope); internal ones get class `qt-xref`, others `qt-external`.
    With `mark_blocks`, each of `blocks(section)` carries `BLOCK_KEY`, so the PDF's layout can
    say which block begins each page (the EPUB's page list).
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
    _rewrite_links(body, links.resolver(article), article.canonical_url)
    section.append(body)
    related = article.listed_related
    if related:
        nav = ET.SubElement(section, "nav", {"class": "qt-related", "aria-label": related_title})
        title = ET.SubElement(nav, f"h{question_level + 1}")
        title.text = related_title
        ul = ET.SubElement(nav, "ul")
        for link in related:
            internal = links.is_internal(link.target_url, article)
            li = ET.SubElement(ul, "li")
            a = ET.SubElement(li, "a", {"href": as_uri(links.related_href(link, article)),
                                        "class": "qt-xref" if internal else "qt-external"})
            a.text = link.title
    curl_tree(section)  # typographic quotes; code and math stay as written
    if mark_blocks:
        for n, el in enumerate(blocks(section)):
            el.set(BLOCK_KEY, block_key(anchor, n))
    return section
