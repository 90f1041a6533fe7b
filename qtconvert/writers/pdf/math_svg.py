"""TeX -> SVG images (through ziamath) for the PDF, so no raw TeX ever reaches the page.

WeasyPrint cannot typeset TeX or MathML, so each formula becomes an SVG data URL drawn as the
background of a box sized in `em` (it follows the text size) and shifted down by its depth so
the baseline of inline math sits on the baseline of the text; its TeX lies on top as invisible
text, for search, copy and screen readers. ziamath does not fail on TeX it does
not know (it draws `\\foo` as text), so its MathML is checked; a formula that fails is retried
after `tex_repair`, and as a last resort shown as its TeX in a styled `<code>`, never dropped.
Identical formulas are typeset once.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from ...render.html_body import BLOCK_KEY
from ...render.pandoc import span_tex

__all__ = ["MathImage", "MathRenderer", "typeset", "math_spans", "lift_display", "SIZE"]

SIZE = 20.0  #: ziamath font size in SVG units: 1em of the surrounding text = SIZE units
_MARGIN = 1.0  # ziamath's default padding around the drawing, in SVG units
_PARALLEL_FROM = 400  # fewer unique formulas than this: starting processes costs more


@dataclass(frozen=True, slots=True)
class MathImage:
    """One typeset formula: an SVG data URL and its size in em of the surrounding text."""

    src: str
    width: float
    height: float
    depth: float  #: how far the drawing reaches below the baseline


def _unsupported(mathml: ET.Element) -> str | None:
    """What ziamath would draw wrongly: an unknown command, which it prints as text."""
    for el in mathml.iter():
        text = (el.text or "").strip()
        if text.startswith("\\") and len(text) > 1:
            return f"unknown command {text}"
        if el.tag.endswith("merror"):
            return "TeX error"
    return None


# TeX's spacing, where ziamath's operator table lacks it or differs:
_SIGNS = {"\u2212", "-", "+", "\u00b1", "\u2213"}
# after an operator other than these closing ones, a sign is unary (`x = -1`, `(-x)`)
_CLOSING = {")", "]", "}", "|", "\u2016", "\u27e9", "\u2309", "\u230b", "!", "\u2032", "\u2033",
            "\u22ef", "\u2026", "\u22ee", "\u22f1"}  # and dots: `1 + \\cdots + n`
# binary operators TeX spaces like `+`, which ziamath sets tight or not at all
_BINARY = {"\u2227", "\u2228", "\u2229", "\u222a", "\u00d7", "\u00f7", "\u22c5", "\u00b7",
           "\u2216", "\u2218", "\u2297", "\u2295"}
# relations ziamath sets tight; TeX spaces them like `=` (5mu)
_RELATIONS = {"\u2282", "\u22a5", "\u27c2"}  # \subset, \perp (latex2mathml: an <mi>)
# operator names take a thin space before an operand (`\det A`), none before a plain bracket
_FUNCTIONS = set("sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth log ln lg "
                 "exp det dim ker deg arg gcd hom Pr max min sup inf lim".split())
_ROWS = {"math", "mrow", "mstyle", "mtd", "msqrt", "mpadded", "menclose", "mphantom"}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _space_like_tex(mathml: ET.Element) -> None:
    """Mark up latex2mathml's MathML so that ziamath spaces it as TeX does: a sign after a
    relation or an opening bracket is unary (`x = -1`, not `x = - 1`), `\\times`, `\\wedge`,
    `\\cup` and the like get medium spaces, and an operator name a thin one (`\\det A`)."""
    for row in mathml.iter():
        if _local(row.tag) not in _ROWS:
            continue
        children = list(row)
        for i, child in enumerate(children):
            kind, text = _local(child.tag), (child.text or "").strip()
            if kind not in ("mi", "mo") or "form" in child.attrib or i == len(children) - 1:
                continue
            if text in _FUNCTIONS:
                after = children[i + 1]
                opens = _local(after.tag) == "mo" and (
                    after.get("form") == "prefix" or (after.text or "").strip() in ("(", "[", "{"))
                # `\\left(` and a matrix's bracket are TeX's Inner: a thin space after `\\det`
                if opens and (after.get("fence") == "true" or (
                        i + 2 < len(children) and _local(children[i + 2].tag) == "mtable")):
                    opens = False
                child.tag = child.tag[:-2] + "mo"  # ziamath spaces operators only
                child.attrib.update(form="prefix", lspace="0em",
                                    rspace="0em" if opens else "thinmathspace")
            elif i == 0:
                continue
            elif text in _SIGNS:  # latex2mathml writes \pm as <mi>
                before = children[i - 1]
                if _local(before.tag) == "mo" and before.get("form") != "postfix" and (
                        (before.text or "").strip() not in _CLOSING):
                    child.tag = child.tag[:-2] + "mo"  # set close to its operand, as in TeX
                    child.attrib.update(form="prefix", lspace="0em", rspace="0em")
            elif text in _BINARY:
                child.attrib.update(lspace="mediummathspace", rspace="mediummathspace")
            elif text in _RELATIONS:
                child.tag = child.tag[:-2] + "mo"
                child.attrib.update(lspace="thickmathspace", rspace="thickmathspace")


# ziamath reads an `em` in MathML lengths as 4/3 of its font size (it converts through points
# to pixels); the lengths below are given in TeX's em and converted with this
_ZIAMATH_EM = 0.75


def _em(tex_em: float) -> str:
    return f"{tex_em * _ZIAMATH_EM:.4f}em"


# TeX's array rows hold a strut (0.7 and 0.3 of a 12pt baselineskip at 10pt); amsmath's
# `aligned` adds \\jot (3pt) between rows, and \\lineskip (1pt) where a row is taller than the
# strut; matrix columns are 2\\arraycolsep (10pt) apart
_STRUT = {"height": _em(0.84), "depth": _em(0.36), "width": "0em"}
_JOT = _em(0.4)
_ARRAYCOLSEP = _em(1.0)


def _gather_lines(mathml: ET.Element) -> None:
    """Lines broken by `\\\\` outside a table (latex2mathml's reading of `gathered`, which it
    does not know) become a table of one centred column, in display style, as amsmath sets
    `gathered`; ziamath alone set them flush left, each line on the last one's ink."""
    rows = [row for row in mathml.iter() if _local(row.tag) in _ROWS and any(
        _local(c.tag) == "mspace" and c.get("linebreak") == "newline" for c in row)]
    for row in rows:
        ns = row.tag[:-len(_local(row.tag))]
        table = ET.Element(ns + "mtable", {"displaystyle": "true", "columnalign": "center"})
        line = ET.SubElement(ET.SubElement(table, ns + "mtr"), ns + "mtd")
        for child in list(row):
            row.remove(child)
            if _local(child.tag) == "mspace" and child.get("linebreak") == "newline":
                line = ET.SubElement(ET.SubElement(table, ns + "mtr"), ns + "mtd")
            else:
                line.append(child)
        row.append(table)


def _space_tables(mathml: ET.Element) -> None:
    """Space latex2mathml's tables as TeX does: ziamath stacks rows by their ink, 0.3em
    apart, so matrix entries almost touch and a fraction in `aligned` sits on the next row's
    numerator. Each cell gets TeX's strut; matrices get TeX's column gap, derivations \\jot.
    `smallmatrix` (its own spacing) is left alone."""
    for table in mathml.iter():
        if _local(table.tag) != "mtable":
            continue
        derivation = table.get("displaystyle") == "true"
        if not derivation and "columnspacing" in table.attrib:
            continue
        if derivation:
            table.set("rowspacing", _JOT)
        else:
            table.attrib.update(rowspacing="0em", columnspacing=_ARRAYCOLSEP)
        ns = table.tag[:-len("mtable")]
        for row in table:
            for cell in row:
                # in a row of their own, so the strut changes no operator's form or spacing
                content = ET.Element(ns + "mrow")
                content.extend(list(cell))
                for child in list(cell):
                    cell.remove(child)
                cell.extend([content, ET.Element(ns + "mspace", _STRUT)])


def tex_mathml(tex: str, display: bool) -> ET.Element:
    from ziamath.zmath import tex2mml, unescape

    mathml = ET.fromstring(unescape(tex2mml(tex, inline=not display)))
    _space_like_tex(mathml)
    _gather_lines(mathml)
    _space_tables(mathml)
    return mathml


def _draw(tex: str, display: bool) -> MathImage:
    import ziamath

    # latex2mathml (under ziamath) writes malformed MathML for `x_1\text{-y}`; a braced `{-}`
    # means the same in text mode and avoids it
    tex = tex.replace("\\text{-", "\\text{{-}")
    if "\\tag" in tex:  # ziamath.Latex sets the equation number
        formula = ziamath.Latex(tex, size=SIZE, inline=not display)
    else:
        formula = ziamath.Math(tex_mathml(tex, display), size=SIZE)
    problem = _unsupported(formula.mathml)
    if problem:
        raise ValueError(problem)
    svg = formula.svg()
    box = formula.node.bbox
    width = box.xmax - box.xmin + 2 * _MARGIN
    height = box.ymax - box.ymin + 2 * _MARGIN
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return MathImage(src, width / SIZE, height / SIZE, (_MARGIN - box.ymin) / SIZE)


def render_one(tex: str, display: bool) -> MathImage | None:
    """The formula as an image, after `tex_repair` when it fails as written; None if it still
    fails."""
    try:
        return _draw(tex, display)
    except Exception:  # ziamath raises anything from KeyError to RecursionError on bad TeX
        pass
    try:
        from ...render import tex_repair
    except ImportError:  # pragma: no cover - tex_repair ships with qtconvert
        return None
    repaired = tex_repair.repair(tex, display)
    if repaired == tex:
        return None
    try:
        return _draw(repaired, display)
    except Exception:
        return None


def _render_many(items: list[tuple[str, bool]]) -> list[MathImage | None]:
    return [render_one(tex, display) for tex, display in items]


class MathRenderer:
    """Typesets formulas with a cache; counts the ones that fell back to TeX text."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs
        self.cache: dict[tuple[str, bool], MathImage | None] = {}
        self.failed: dict[tuple[str, bool], int] = {}  #: formula -> times shown as TeX

    def prepare(self, formulas: Iterable[tuple[str, bool]]) -> None:
        """Typeset every formula not yet cached, in `jobs` processes when there are many."""
        todo = list(dict.fromkeys(f for f in formulas if f not in self.cache))
        if self.jobs > 1 and len(todo) >= _PARALLEL_FROM:
            chunks = [todo[i::self.jobs * 4] for i in range(self.jobs * 4)]
            # forkserver: the writer has threads running (pandoc batches), and forking a threaded
            # process is unsafe
            with ProcessPoolExecutor(self.jobs, mp_context=get_context("forkserver")) as pool:
                for chunk, images in zip(chunks, pool.map(_render_many, chunks)):
                    self.cache.update(zip(chunk, images))
        else:
            self.cache.update(zip(todo, _render_many(todo)))

    def image(self, tex: str, display: bool) -> MathImage | None:
        key = (tex, display)
        if key not in self.cache:
            self.cache[key] = render_one(tex, display)
        if self.cache[key] is None:
            self.failed[key] = self.failed.get(key, 0) + 1
        return self.cache[key]

    @property
    def failures(self) -> int:
        """How many formulas (counting repeats) were shown as TeX text."""
        return sum(self.failed.values())


def _formula(span: ET.Element) -> tuple[str, bool] | None:
    classes = (span.get("class") or "").split()
    if span.tag != "span" or "math" not in classes:
        return None
    return span_tex("".join(span.itertext())), "display" in classes


def math_spans(root: ET.Element) -> list[tuple[str, bool]]:
    """Every formula (TeX, display?) in pandoc's `span.math` elements under `root`."""
    return [f for el in root.iter("span") if (f := _formula(el)) is not None]


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
        found = _formula(span)
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
