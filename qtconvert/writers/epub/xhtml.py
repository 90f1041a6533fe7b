"""XHTML content documents for the EPUB: the page wrapper and one article's page.

Every document starts with an XML declaration naming UTF-8 and carries `xml:lang` and a
`<title>` (Kindle's Send-to-Kindle and WCAG both want them). Article pages reuse the shared
renderer (`html_body.article_element`) and then make its output fit an EPUB: math finished
(`mathml`, or `svg_math` with `--epub-math svg`), pandoc's code-line anchors dropped, in-page links following the prefixed ids,
and relative links that lead nowhere in the book pointed at the web.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from collections.abc import Collection as Container
from urllib.parse import quote, urlsplit

from ...model import Article
from ...model.printed_pages import PageStart
from ...render.html_body import article_element
from ...render.links import SAFE_SCHEMES, Links
from ...render.typography import curly_quotes
from .mathml import finish_math
from .pages import add_page_breaks

__all__ = ["document", "serialize", "article_document", "xml_attr", "xml_text", "STYLESHEET"]

STYLESHEET = "style.css"
# characters XML 1.0 forbids; a stray one would make the whole book unreadable
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def serialize(element: ET.Element) -> str:
    """One element as XHTML markup (no namespace prefixes: see `epub_math.finish_math`).

    A plain recursive writer: ElementTree's own walks the tree twice for namespaces and was
    the largest cost of a book build after pandoc.
    """
    out: list[str] = []
    _write(element, out)
    return "".join(out)


def _write(el: ET.Element, out: list[str]) -> None:
    tag = el.tag
    if not isinstance(tag, str) or tag[0] == "{":  # a comment, or a namespaced element
        out.append(ET.tostring(el, encoding="unicode"))
        return
    attrib = el.attrib
    if attrib:
        out.append("<" + tag + "".join([f' {key}="{xml_attr(value)}"'
                                        for key, value in attrib.items()]))
    else:
        out.append("<" + tag)
    text = el.text
    if text or len(el):
        if text:
            out.append(">" + xml_text(text))
        else:
            out.append(">")
        for child in el:
            _write(child, out)
        out.append("</" + tag + ">")
    else:
        out.append(" />")
    tail = el.tail
    if tail:
        out.append(xml_text(tail))


def xml_text(s: str) -> str:
    """`s` as XML character data: `&`, `<` and `>` escaped."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


def xml_attr(s: str) -> str:
    """`s` as a double-quoted XML attribute's value (white space other than spaces kept as
    character references)."""
    s = xml_text(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    if "\n" in s or "\t" in s or "\r" in s:
        s = s.replace("\n", "&#10;").replace("\t", "&#09;").replace("\r", "&#13;")
    return s


def document(title: str, body: str, language: str, *, body_attrs: str = "",
             head_extra: str = "", accent: str | None = None) -> bytes:
    """A complete XHTML5 content document around `body` markup; `accent` (`#rrggbb`) is the
    book's colour, which epub.css reads as `--qt-accent`."""
    lang = quote(language, safe="-")
    style = f' style="--qt-accent: {xml_attr(accent)}"' if accent else ""
    text = (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            f'<html xmlns="http://www.w3.org/1999/xhtml" '
            f'xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="{lang}" lang="{lang}"{style}>\n'
            f'<head>\n<meta charset="utf-8"/>\n<title>{xml_text(title)}</title>\n'
            f'<link rel="stylesheet" type="text/css" href="{STYLESHEET}"/>{head_extra}\n</head>\n'
            f'<body{body_attrs}>\n{body}\n</body>\n</html>\n')
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    return text.encode("utf-8")


def article_document(article: Article, fragment: str, links: Links, files: Container[str],
                     language: str, accent: str | None = None,
                     pages: Sequence[PageStart] = (),
                     math: Callable[[ET.Element], bool] = finish_math) -> tuple[bytes, bool]:
    """(the article's XHTML page, whether it holds math markup: MathML, or SVG with `math` =
    `svg_math.inline_svg`). `files`: the book's documents; `pages`: the printed pages that
    begin in this article (their page-break markers)."""
    section = article_element(article, _NOT_XML.sub("", fragment), links, question_level=1)
    if pages:
        add_page_breaks(section, pages)
    _fix_links(section, files)
    _wrap_tables(section)
    has_math = math(section)
    body = serialize(section)
    return document(curly_quotes(article.question or article.title), body, language,
                    body_attrs=' epub:type="bodymatter"', accent=accent), has_math


def _wrap_tables(root: ET.Element) -> None:
    """Each table goes in `<div class="qt-table">`, which scrolls sideways when the table is
    wider than the screen (epub.css), so the page itself never does."""
    if next(root.iter("table"), None) is None:  # most pages: no element to look through
        return
    for parent in list(root.iter()):
        for n, child in enumerate(list(parent)):
            if child.tag == "table":
                box = ET.Element("div", {"class": "qt-table"})
                box.tail, child.tail = child.tail, None
                parent.remove(child)
                box.append(child)
                parent.insert(n, box)


def _fix_links(root: ET.Element, files: Container[str]) -> None:
    """Every href leads somewhere: an id on this page, a document of the book, or the web
    (`html_body` has already made answer links absolute, safe and valid URIs)."""
    ids: set[str] | None = None
    for a in root.iter("a"):
        href = a.get("href")
        if href is None:
            continue
        if href.startswith("#"):
            if ids is None:
                ids = {el.get("id") for el in root.iter() if el.get("id")}
            if href[1:] not in ids:
                del a.attrib["href"]
            continue
        parts = urlsplit(href)
        if parts.scheme not in SAFE_SCHEMES and (parts.scheme or parts.netloc
                                                 or parts.path not in files):
            del a.attrib["href"]