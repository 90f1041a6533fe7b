"""The EPUB navigation document: table of contents (subject > questions) and landmarks.

It is also a page of the book (in the spine, after the title page), so every navigation target
is visible content in reading order, as Kindle's Send-to-Kindle expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .xhtml import xml_attr, xml_text

__all__ = ["NavEntry", "nav_body"]


@dataclass(frozen=True)
class NavEntry:
    """One entry of the table of contents, with its sub-entries."""

    label: str
    href: str
    children: tuple["NavEntry", ...] = ()


def _ol(entries: Sequence[NavEntry], depth: int) -> str:
    items = []
    for e in entries:
        sub = f"\n{_ol(e.children, depth + 1)}" if e.children else ""
        items.append(f'<li><a href="{xml_attr(e.href)}">{xml_text(e.label)}</a>{sub}</li>')
    cls = f' class="qt-toc-{depth}"'
    return f"<ol{cls}>\n" + "\n".join(items) + "\n</ol>"


def nav_body(toc: Sequence[NavEntry], landmarks: Sequence[tuple[str, str, str]],
             pages: Sequence[tuple[str, str]] = ()) -> str:
    """The nav document's body. `landmarks`: (epub:type, href, label) triples; `pages`:
    (label, href) of the printed edition's pages, for a page list (none when empty)."""
    marks = "\n".join(f'<li><a epub:type="{t}" href="{xml_attr(h)}">{xml_text(label)}</a></li>'
                      for t, h, label in landmarks)
    body = (f'<nav epub:type="toc" role="doc-toc" id="toc" class="qt-toc">\n'
            f"<h1>Contents</h1>\n{_ol(toc, 1)}\n</nav>\n"
            f'<nav epub:type="landmarks" id="landmarks" hidden="hidden" aria-label="Landmarks">\n'
            f"<h2>Landmarks</h2>\n<ol>\n{marks}\n</ol>\n</nav>")
    if pages:
        items = "\n".join(f'<li><a href="{xml_attr(h)}">{xml_text(label)}</a></li>'
                          for label, h in pages)
        body += (f'\n<nav epub:type="page-list" role="doc-pagelist" id="page-list" '
                 f'hidden="hidden" aria-label="Pages of the printed edition">\n'
                 f"<h2>Pages</h2>\n<ol>\n{items}\n</ol>\n</nav>")
    return body
