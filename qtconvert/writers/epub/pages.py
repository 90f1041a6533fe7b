"""The printed edition's pages in the EPUB: a page-break marker where each printed page begins
(`epub:type="pagebreak"`, DPUB-ARIA `doc-pagebreak`), placed on the article block the PDF's
layout began that page with (`model.printed_pages`, `render.html_body.blocks`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ...model.printed_pages import PageStart
from ...render.html_body import blocks

__all__ = ["page_id", "add_page_breaks"]

_INSIDE = {"li", "dt", "dd"}  # a marker goes first inside these (their parents take no span)


def page_id(label: str) -> str:
    """The marker's id: `page-37`."""
    return f"page-{label}"


def add_page_breaks(section: ET.Element, pages: Sequence[PageStart]) -> None:
    """Insert the markers of `pages` (all of this article) before the blocks they name. A block
    the EPUB does not have (never expected) gets its marker at the start of the section, so
    every entry of the page list has its target."""
    found = blocks(section)
    parents = {child: parent for parent in section.iter() for child in parent}
    for page in pages:
        marker = ET.Element("span", {"epub:type": "pagebreak", "role": "doc-pagebreak",
                                     "id": page_id(page.label), "aria-label": page.label})
        block = found[page.block] if 0 <= page.block < len(found) else None
        if block is None:
            _first_inside(section, marker)
        elif block.tag == "tr":  # into its first cell: a row holds cells only
            cell = next((c for c in block if c.tag in ("td", "th")), None)
            _first_inside(cell if cell is not None else parents[block], marker)
        elif block.tag in _INSIDE:
            _first_inside(block, marker)
        else:
            parent = parents[block]
            parent.insert(list(parent).index(block), marker)


def _first_inside(el: ET.Element, marker: ET.Element) -> None:
    marker.tail, el.text = el.text, None
    el.insert(0, marker)
