"""Math in EPUB documents as inline SVG (`--epub-math svg`), for reading systems without MathML
(Kindle, many e-ink readers).

Each formula is typeset by the PDF's typesetter (`render.math_svg`) as SVG 1.1 with no ids (two
formulas on a page never repeat one), set inline in the page and sized in em, so it follows the
text size; inline math is shifted down by its depth so its baseline sits on the text's. It is
drawn in the text's colour (`currentColor`: a reader's night mode keeps it legible), and its TeX
is its accessible name (`role="img"`, `aria-label`). A formula that cannot be typeset is shown as
its TeX in `<code class="tex">`, as the MathML pages do; never dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ...render.math_svg import MathImage, MathRenderer, span_formula
from .mathml import tex_as_code

__all__ = ["SVG_NS", "inline_svg"]

SVG_NS = "http://www.w3.org/2000/svg"
_NS_LEN = len(SVG_NS) + 2
_GLUED_BEFORE = re.compile(r"\S+$")  # text touching a formula: `(` before it, `,` after it
_GLUED_AFTER = re.compile(r"^\S+")


def _svg(image: MathImage, tex: str, display: bool) -> ET.Element:
    """The formula's `<svg>` element, its tags without the namespace prefix that ElementTree
    would write (`xmlns` is set as the default namespace instead, as for MathML)."""
    svg = ET.fromstring(image.svg)
    for el in svg.iter():
        el.tag = el.tag[_NS_LEN:]
        if el.get("fill") == "black":
            el.set("fill", "currentColor")
    attrs = {"xmlns": SVG_NS, "class": "qt-math", "role": "img",
             "aria-label": " ".join(tex.split()),
             "width": f"{image.width:.3f}em", "height": f"{image.height:.3f}em",
             "viewBox": svg.get("viewBox", "")}
    if not display:
        attrs["style"] = f"vertical-align:-{image.depth:.3f}em"
    svg.attrib.clear()
    svg.attrib.update(attrs)
    return svg


def inline_svg(root: ET.Element, renderer: MathRenderer) -> bool:
    """Replace each pandoc math span under `root` (`span.math`, TeX between `\\(..\\)` or
    `\\[..\\]`) by its SVG, or by its TeX as code; True if any SVG was set (the page then needs
    the manifest property `svg`). A display formula is a centred block of its own."""
    found = False
    parents = {child: parent for parent in root.iter() for child in parent}
    for span in list(root.iter("span")):
        formula = span_formula(span)
        if formula is None:
            continue
        tex, display = formula
        image = renderer.image(tex, display)
        tail = span.tail
        span.clear()
        span.tail = tail
        if image is None:
            tex_as_code(span, tex, display)
            continue
        found = True
        svg = _svg(image, tex, display)
        if display:
            span.set("class", "qt-math-display")
            span.append(svg)
        else:
            span.set("class", "qt-math-inline")
            span.set("style", "white-space:nowrap")
            span.append(svg)
            _glue(span, parents.get(span))
    return found


def _glue(span: ET.Element, parent: ET.Element | None) -> None:
    """Move the text touching an inline formula into its no-wrap `span`, so that a line never
    breaks between the formula and its punctuation (`$K_a$,` with the comma on the next line:
    browsers may break beside an image where they would not beside a letter)."""
    after = _GLUED_AFTER.match(span.tail or "")
    if after:
        span[-1].tail = after.group()
        span.tail = span.tail[after.end():]
    if parent is None:
        return
    index = list(parent).index(span)
    before = parent[index - 1] if index else None
    text = (before.tail if before is not None else parent.text) or ""
    glued = _GLUED_BEFORE.search(text)
    if glued:
        span.text = glued.group()
        if before is not None:
            before.tail = text[:glued.start()]
        else:
            parent.text = text[:glued.start()]
