"""Math in the PDF: each formula typeset as SVG (`render.math_svg`), so no raw TeX ever reaches
the page.

WeasyPrint cannot typeset TeX or MathML, so each formula becomes an SVG data URL drawn as the
background of a box sized in `em` (it follows the text size) and shifted down by its depth so
the baseline of inline math sits on the baseline of the text; its TeX lies on top as invisible
text, for search, copy and screen readers. A formula that cannot be typeset is shown as its TeX
in a styled `<code>`, never dropped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...render.html_body import BLOCK_KEY
from ...render.math_svg import MathImage, MathRenderer, math_spans, span_formula

__all__ = ["MathRenderer", "typeset", "math_spans", "lift_display"]

_MONO_ADVANCE = 0.602  # advance of a monospaced glyph (DejaVu Sans Mono, Liberation Mono), in em
_INLINE_SMALLEST = 0.45  # em: smaller text in a line is read as a paragraph of its own
_DISPLAY_SMALLEST = 0.1  # em: display math has its line to itself
_COLUMN = 30.0  # em: the narrowest column display math is centred in (outside tables)


def _text_layer(tex: str, width: float, display: bool, in_cell: bool) -> ET.Element:
    """The TeX as transparent monospaced text in a box of no width, which extracts where the
    formula is and does not move it.

    The letters are made smaller and tighter to fit over the formula, and over display math
    also over the blank column to its left and right. Not a transform nor `opacity` (both
    paint the text after the page's flow, out of reading order), not `position` (same); an
    inline block, because WeasyPrint leaves transparent text's alpha set for a background
    drawn after it unless the text is in one.
    """
    text = " ".join(tex.split())
    wide = display and not in_cell  # a table cell may be narrower than _COLUMN
    room = max(width, _COLUMN) if wide else width  # in em of the surrounding text
    advance = min(room, _COLUMN) / max(len(text), 1)
    smallest = _DISPLAY_SMALLEST if display else _INLINE_SMALLEST
    size = min(1.0, max(smallest, advance / _MONO_ADVANCE))
    tighter = min(0.0, advance / size - _MONO_ADVANCE)  # in em of the layer; else spaces vanish
    shift = (room - width) / 2 / size  # display math: start at the left of the room, in em
    layer = ET.Element("code", {"class": "qt-math-tex", "style": (
        f"display:inline-block;width:0;margin:0 {shift:.3f}em 0 {-shift:.3f}em;"
        f"font-size:{size:.4f}em;line-height:0;white-space:pre;letter-spacing:{tighter:.4f}em;"
        "color:transparent;background:none;padding:0;border:0;word-spacing:0;"
        "font-style:normal;font-weight:normal;font-variant:normal;text-transform:none")})
    layer.text = text
    return layer


def _fill(span: ET.Element, image: MathImage, tex: str, display: bool, in_cell: bool) -> None:
    """Fill `span` with the formula's TeX as invisible text (for search, copy and screen
    readers: WeasyPrint draws SVG as graphics only), then the formula.

    The SVG is a background, not an `<img>`, so that the tagged PDF does not read each formula
    twice (alt text, then text). Styles are inline, so that a user's stylesheet keeps them.
    """
    width, depth = image.width, image.depth
    # the text layer never parts from its formula; it needs display math centred
    span.set("style", "white-space:nowrap" + (";text-align:center" if display else ""))
    span.append(_text_layer(tex, width, display, in_cell))
    box = ET.SubElement(span, "span", {"class": "qt-math-box", "style": (
        f"display:inline-block;width:{width:.3f}em;max-width:100%"
        + ("" if display else f";vertical-align:-{depth:.3f}em"))})
    # padding in % of the box's width keeps the aspect ratio when max-width shrinks the box
    ET.SubElement(box, "span", {"class": "qt-math-image", "style": (
        f"display:block;padding-top:{100 * image.height / width:.3f}%;"
        f"background:url({image.src}) no-repeat 0 0/100% 100%")})


def typeset(root: ET.Element, renderer: MathRenderer) -> None:
    """Replace each `span.math` under `root` by its image and TeX text layer (or by its TeX as
    code when it cannot be typeset), in place."""
    in_cells = {id(s) for cell in root.iter() if cell.tag in ("td", "th") for s in cell.iter("span")}
    for span in list(root.iter("span")):
        found = span_formula(span)
        if found is None:
            continue
        tex, display = found
        image = renderer.image(tex, display)
        tail, key = span.tail, span.get(BLOCK_KEY)
        span.clear()
        span.tail = tail
        if key is not None:  # a display formula's block key (the EPUB's page list) stays
            span.set(BLOCK_KEY, key)
        kind = "display" if display else "inline"
        if image is None:
            span.set("class", f"qt-math-fallback qt-math-{kind}")
            code = ET.SubElement(span, "code")
            code.text = tex
            continue
        span.set("class", f"qt-math qt-math-{kind}")
        _fill(span, image, tex, display, id(span) in in_cells)


def _is_display(el: ET.Element) -> bool:
    return el.tag == "span" and "qt-math-display" in (el.get("class") or "").split()


def _split(p: ET.Element) -> list[ET.Element]:
    """A paragraph holding display math -> paragraphs and display blocks, in order."""
    blocks: list[ET.Element] = []
    current = ET.Element("p", dict(p.attrib))
    current.text = p.text
    for child in list(p):
        if not _is_display(child):
            current.append(child)
            continue
        blocks.append(current)
        display = ET.Element("div", dict(child.attrib))
        display.extend(list(child))
        blocks.append(display)
        current = ET.Element("p", {**p.attrib, "class": "qt-continued"})
        current.text = child.tail
    blocks.append(current)
    return [b for b in blocks if len(b) or (b.text or "").strip() or b.tag != "p"]


def lift_display(root: ET.Element) -> None:
    """Display formulas inside a paragraph become blocks between paragraphs, so the text
    before one ends its own paragraph (not a justified line broken early by WeasyPrint)."""
    for parent in list(root.iter()):
        if parent.tag == "li" and any(_is_display(c) for c in parent) and (
                (parent.text or "").strip() or any(c.tag not in ("p", "ul", "ol", "div")
                                                   for c in parent)):
            para = ET.Element("p")  # a tight list item: its inline content becomes a paragraph
            para.text, parent.text = parent.text, None
            blocks = [c for c in parent if c.tag in ("ul", "ol", "div")]
            para.extend(c for c in parent if c.tag not in ("ul", "ol", "div"))
            for c in list(parent):
                parent.remove(c)
            parent.extend([para, *blocks])
        for index, child in reversed(list(enumerate(parent))):
            if child.tag == "p" and any(_is_display(c) for c in child):
                tail = child.tail
                parent.remove(child)
                for offset, block in enumerate(_split(child)):
                    parent.insert(index + offset, block)
                parent[index + offset].tail = tail
