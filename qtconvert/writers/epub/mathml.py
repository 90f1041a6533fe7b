"""Math in EPUB documents: MathML with its TeX as alternative text, and a readable fallback.

Pandoc writes MathML with the TeX in `<annotation encoding="application/x-tex">`; this adds it
as `alttext` on `<math>` (what screen readers and Kindle look at). Math pandoc could not convert
even after `tex_repair` stays as `<span class="math ...">` holding the TeX: it is converted with
latex2mathml when that gives sound MathML, else shown as the TeX itself in `<code class="tex">`;
never dropped, never an error message.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ...render.pandoc import span_tex

__all__ = ["MATHML_NS", "finish_math", "tex_to_mathml", "tex_as_code"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_MATH = f"{{{MATHML_NS}}}math"
_ANNOTATION = f"{{{MATHML_NS}}}annotation"
_SEMANTICS = f"{{{MATHML_NS}}}semantics"
_MROW = f"{{{MATHML_NS}}}mrow"
_MTABLE = f"{{{MATHML_NS}}}mtable"
_NS_LEN = len(MATHML_NS) + 2
# prose caught between two dollar signs ("costs $5 and $7 ..."): two words of 4+ letters
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{4,}(?![A-Za-z])")
_COMMAND_WORD = re.compile(r"\\[A-Za-z]+")


def tex_to_mathml(tex: str, display: bool) -> ET.Element | None:
    """`tex` as a MathML element via latex2mathml, or None when the result would mislead
    (an unknown command shown as its name, prose set as italic letters, malformed output)."""
    if len(_WORD.findall(_COMMAND_WORD.sub(" ", _text_free(tex)))) >= 2:
        return None
    try:
        from latex2mathml.converter import convert

        math = ET.fromstring(convert(tex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds of errors on TeX it does not know
        return None
    for el in math.iter():
        if (el.text or "").startswith("\\"):
            return None  # `<mi>\struct</mi>`: a command latex2mathml does not know
    children = list(math)
    semantics = ET.SubElement(math, _SEMANTICS)
    row = ET.SubElement(semantics, f"{{{MATHML_NS}}}mrow")
    for child in children:
        math.remove(child)
        row.append(child)
    annotation = ET.SubElement(semantics, _ANNOTATION, {"encoding": "application/x-tex"})
    annotation.text = tex
    return math


def _text_free(tex: str) -> str:
    """TeX without the contents of `\\text{..}`-like groups (words there are meant)."""
    return re.sub(r"\\(?:text|mathrm|textbf|textit|operatorname|mbox)\s*\{[^{}]*\}", " ", tex)


def tex_as_code(span: ET.Element, tex: str, display: bool) -> None:
    """A formula that cannot be drawn, as its TeX in code style: never dropped."""
    span.tag = "code"
    span.set("class", "tex tex-display" if display else "tex")
    span.text = tex


def _fallback(span: ET.Element) -> None:
    """Turn pandoc's unconverted `<span class="math ...">$tex$</span>` into math or code."""
    raw = "".join(span.itertext())
    tex = span_tex(raw)
    display = "display" in span.get("class", "")
    math = tex_to_mathml(tex, display)
    tail = span.tail
    span.clear()
    span.tail = tail
    if math is None:
        tex_as_code(span, tex, display)
        return
    span.tag = math.tag
    span.attrib.update(math.attrib)
    span.extend(list(math))


def _display_style_arrays(math: ET.Element) -> None:
    """An equation array that is a whole display formula (`aligned`, `gathered`) is set in
    display style, as TeX sets it; a MathML table sets its cells in text style otherwise, and
    fractions and sums in a derivation come out script-sized. Matrices inside brackets keep
    text style, as in TeX."""
    content = math.find(_SEMANTICS)
    rows = list(content if content is not None else math)
    while len(rows) == 1 and rows[0].tag == _MROW:
        rows = list(rows[0])
    for el in rows:
        if el.tag == _MTABLE and "displaystyle" not in el.attrib:
            el.set("displaystyle", "true")


def finish_math(root: ET.Element) -> bool:
    """Fallbacks, `alttext` and plain `<math xmlns=...>` tags in `root`; True if it has math.

    ElementTree would write the MathML namespace as a prefix (`ns0:math`), which some reading
    systems do not understand, so the tags lose it and `<math>` declares it as the default.
    """
    for span in [s for s in root.iter("span") if s.get("class", "").startswith("math ")]:
        _fallback(span)
    found = False
    for math in list(root.iter(_MATH)):
        found = True
        if math.get("display") == "block":
            _display_style_arrays(math)
        annotation = math.find(f"{_SEMANTICS}/{_ANNOTATION}")
        if annotation is not None and annotation.text and not math.get("alttext"):
            math.set("alttext", annotation.text.strip())
        for el in math.iter():
            if el.tag[0] == "{":
                el.tag = el.tag[_NS_LEN:]
        math.set("xmlns", MATHML_NS)
    return found
