"""Page-break hints for the end of a printed answer: its last lines stay with what follows.

The related-questions box and the source line may not begin a page (print.css), so when they
do not fit under the answer, WeasyPrint carries the answer's last block over with them: often
one line, leaving a near-empty last page while the page before has room. Here the blocks that
make up the answer's last `KEEP` lines (estimated from their text) are marked so that they
travel together: `qt-keep` (no break before it), `qt-whole` (none inside it) and, on the block
where the break may fall, `qt-widows-N` (at least N of its lines go over). The last page of a question then holds at
least `KEEP` lines of answer, or the whole answer.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["KEEP", "keep_end_together"]

KEEP = 5  #: lines of answer the last page of a question holds at least
_PER_LINE = 100  # characters in a line of text; more than the real ~92, so lines are undercounted
_CODE_PER_LINE = 88  # characters in a line of code
_CODE_LINE = 0.75  # a code line (8.2pt x 1.4) in lines of text (10.5pt x 1.45)
_ROW = 1.2  # a one-line table row with its padding, in lines of text
_CONTAINERS = {"div", "section", "blockquote", "figure"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_WIDOWS = (2, 3, 4, 5)  # the qt-widows-N classes print.css defines


@dataclass
class _Unit:
    """A block between two places where a page may break."""

    element: ET.Element
    parents: tuple[ET.Element, ...]  #: containers inside the answer, outermost first
    lines: float  #: estimated height in lines of text
    breakable: bool  #: may break between its lines (a paragraph, a list item, code)
    per_line: float = 1.0  #: lines of text per line of this block


def keep_end_together(answer: ET.Element) -> None:
    """Mark the blocks of `answer` (the `qt-answer` div) that hold its last `KEEP` lines."""
    need: float = KEEP
    units = list(_units(answer, ()))
    for n, unit in enumerate(reversed(units)):
        if unit.breakable:
            own = math.ceil(need / unit.per_line)  # in the block's own lines
            if unit.lines / unit.per_line >= own + 2:  # 2: the orphans print.css asks for
                _add_class(unit.element, f"qt-widows-{min(max(own, 2), _WIDOWS[-1])}")
                return
            _add_class(unit.element, "qt-whole")  # too short to split: it goes over whole
        need -= unit.lines
        if need <= 0 or n == len(units) - 1:
            return
        _keep(unit)


def _keep(unit: _Unit) -> None:
    """No page break before `unit`: also on each container it opens, where the break lies."""
    _add_class(unit.element, "qt-keep")
    child = unit.element
    for parent in reversed(unit.parents):
        if len(parent) == 0 or parent[0] is not child:
            break
        _add_class(parent, "qt-keep")
        child = parent


def _add_class(el: ET.Element, name: str) -> None:
    el.set("class", " ".join(filter(None, [el.get("class"), name])))


def _text(el: ET.Element) -> int:
    return len(" ".join("".join(el.itertext()).split()))


def _units(el: ET.Element, parents: tuple[ET.Element, ...]) -> Iterator[_Unit]:
    inside = parents + (el,) if parents or el.get("class") != "qt-answer" else ()
    for child in el:
        tag, classes = child.tag, (child.get("class") or "").split()
        if "qt-math-display" in classes or (tag == "p" and len(child) == 1 and not _text(child)
                                            and not (child.text or "").strip()):
            yield _Unit(child, inside, 2.0, False)  # display math: one picture
        elif tag in ("ul", "ol"):
            for item in child:
                yield _Unit(item, inside + (child,), _lines(_text(item), _PER_LINE - 5), True)
        elif tag == "table":
            for group in child:  # thead, tbody: a break lies between rows
                for row in group.iter("tr") if group.tag != "tr" else (group,):
                    chain = inside + (child,) + ((group,) if group is not row else ())
                    yield _Unit(row, chain, _ROW, False)
        elif tag == "pre":
            code = "".join(child.itertext()).rstrip("\n").split("\n")
            lines = sum(_lines(len(line), _CODE_PER_LINE) for line in code)
            yield _Unit(child, inside, lines * _CODE_LINE, True, _CODE_LINE)
        elif tag in _CONTAINERS and len(child):
            yield from _units(child, inside)
        elif tag in _HEADINGS or tag == "p":
            yield _Unit(child, inside, _lines(_text(child), _PER_LINE), tag == "p")
        else:  # hr, dl and the like: kept whole
            yield _Unit(child, inside, max(1.0, _lines(_text(child), _PER_LINE)), False)


def _lines(chars: int, per_line: int) -> int:
    return max(1, math.ceil(chars / per_line))
