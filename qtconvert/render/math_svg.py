"""TeX -> SVG through ziamath, for the formats that cannot show TeX or MathML themselves (the
PDF; the EPUB with `--epub-math svg`).

Each formula is typeset at `SIZE` SVG units to the em, and its size comes back in em of the
surrounding text, with its depth below the baseline, so a format can size it to the text and
set it on the baseline. ziamath does not fail on TeX it does not know (it draws `\\foo` as
text), so its MathML is checked; a formula that fails is retried after `tex_repair`, and gives
None if it still fails (the format shows its TeX). Identical formulas are typeset once.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context

from .pandoc import span_tex

__all__ = ["MathImage", "MathRenderer", "render_one", "tex_mathml", "span_formula",
           "math_spans", "SIZE"]

SIZE = 20.0  #: ziamath font size in SVG units: 1em of the surrounding text = SIZE units
_MARGIN = 1.0  # ziamath's default padding around the drawing, in SVG units
_PARALLEL_FROM = 400  # fewer unique formulas than this: starting processes costs more


@dataclass(frozen=True, slots=True)
class MathImage:
    """One typeset formula: its SVG document and its size in em of the surrounding text."""

    svg: str
    width: float
    height: float
    depth: float  #: how far the drawing reaches below the baseline

    @property
    def src(self) -> str:
        """The SVG as a `data:` URL."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


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
    """latex2mathml's MathML of `tex`, marked up so that ziamath spaces and stacks it as TeX."""
    from ziamath.zmath import tex2mml, unescape

    mathml = ET.fromstring(unescape(tex2mml(tex, inline=not display)))
    _space_like_tex(mathml)
    _gather_lines(mathml)
    _space_tables(mathml)
    return mathml


def _draw(tex: str, display: bool, flat: bool = False) -> MathImage:
    import ziamath

    # latex2mathml (under ziamath) writes malformed MathML for `x_1\\text{-y}`; a braced `{-}`
    # means the same in text mode and avoids it
    tex = tex.replace("\\text{-", "\\text{{-}")
    svg2 = ziamath.config.svg2  # a global of ziamath's: set for this formula only
    ziamath.config.svg2 = not flat
    try:
        if "\\tag" in tex:  # ziamath.Latex sets the equation number
            formula = ziamath.Latex(tex, size=SIZE, inline=not display)
        else:
            formula = ziamath.Math(tex_mathml(tex, display), size=SIZE)
        problem = _unsupported(formula.mathml)
        if problem:
            raise ValueError(problem)
        svg = formula.svg()
    finally:
        ziamath.config.svg2 = svg2
    box = formula.node.bbox
    width = box.xmax - box.xmin + 2 * _MARGIN
    height = box.ymax - box.ymin + 2 * _MARGIN
    return MathImage(svg, width / SIZE, height / SIZE, (_MARGIN - box.ymin) / SIZE)


def render_one(tex: str, display: bool, flat: bool = False) -> MathImage | None:
    """The formula as an image, after `tex_repair` when it fails as written; None if it still
    fails. `flat`: each glyph its own path, with no `<symbol>` ids to repeat when many
    formulas share a page (SVG 1.1); else glyphs are symbols, used where they recur (SVG 2)."""
    try:
        return _draw(tex, display, flat)
    except Exception:  # ziamath raises anything from KeyError to RecursionError on bad TeX
        pass
    from . import tex_repair

    repaired = tex_repair.repair(tex, display)
    if repaired == tex:
        return None
    try:
        return _draw(repaired, display, flat)
    except Exception:
        return None


def _render_many(items: list[tuple[str, bool]], flat: bool = False) -> list[MathImage | None]:
    return [render_one(tex, display, flat) for tex, display in items]


class MathRenderer:
    """Typesets formulas with a cache; counts the ones that fell back to TeX text."""

    def __init__(self, jobs: int = 1, flat: bool = False) -> None:
        self.jobs = jobs
        self.flat = flat  #: see `render_one`
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
                for chunk, images in zip(chunks, pool.map(partial(_render_many, flat=self.flat), chunks)):
                    self.cache.update(zip(chunk, images))
        else:
            self.cache.update(zip(todo, _render_many(todo, self.flat)))

    def image(self, tex: str, display: bool) -> MathImage | None:
        key = (tex, display)
        if key not in self.cache:
            self.cache[key] = render_one(tex, display, self.flat)
        if self.cache[key] is None:
            self.failed[key] = self.failed.get(key, 0) + 1
        return self.cache[key]

    @property
    def failures(self) -> int:
        """How many formulas (counting repeats) were shown as TeX text."""
        return sum(self.failed.values())


def span_formula(span: ET.Element) -> tuple[str, bool] | None:
    """(TeX, display?) of pandoc's `<span class="math inline|display">`, else None."""
    classes = (span.get("class") or "").split()
    if span.tag != "span" or "math" not in classes:
        return None
    return span_tex("".join(span.itertext())), "display" in classes


def math_spans(root: ET.Element) -> list[tuple[str, bool]]:
    """Every formula (TeX, display?) in pandoc's `span.math` elements under `root`."""
    return [f for el in root.iter("span") if (f := span_formula(el)) is not None]
