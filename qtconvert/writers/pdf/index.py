"""The keyword index at the back of a PDF volume: keyword -> the questions that carry it.

Keywords come from each article's `seo.page_keywords`, gathered and ordered by
`render.keyword_index` (the EPUB's index follows the same rule). Page numbers are left to the stylesheet (`target-counter`), so each reference is
a link to the question's anchor.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ...render.keyword_index import IndexEntry, group_label

__all__ = ["index_element"]

def index_element(entries: Sequence[IndexEntry], title: str = "Index", scope: str = "book"
                  ) -> ET.Element:
    """`<section id="qt-index">`: letter groups of `term, page, page` lines."""
    section = ET.Element("section", {"id": "qt-index", "class": "qt-index"})
    heading = ET.SubElement(section, "h1", {"class": "qt-index-title"})
    heading.text = title
    note = ET.SubElement(section, "p", {"class": "qt-index-note"})
    note.text = f"The keywords of the questions in this {scope}, with the pages that answer them."
    columns = ET.SubElement(section, "div", {"class": "qt-index-columns"})
    group_list: ET.Element | None = None
    current = None
    for entry in entries:
        group = entry.group
        if group != current:
            current = group
            block = ET.SubElement(columns, "div", {"class": "qt-index-group"})
            letter = ET.SubElement(block, "h2", {"class": "qt-index-letter"})
            letter.text = group_label(group)
            group_list = ET.SubElement(block, "ul")
        assert group_list is not None
        item = ET.SubElement(group_list, "li")
        term = ET.SubElement(item, "span", {"class": "qt-index-term"})
        term.text = entry.term
        for article in entry.articles:
            ET.SubElement(item, "a", {"href": "#" + article.anchor, "class": "qt-pageref"})
    return section
