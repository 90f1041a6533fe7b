"""TeX -> SVG for the PDF: images sized in em, baseline-aligned, cached; a readable fallback."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from qtconvert.render import math_svg  # the typesetting, shared with the EPUB
from qtconvert.render.math_svg import MathRenderer, math_spans
from qtconvert.writers.pdf import math_svg as pdf_math
from qtconvert.writers.pdf.math_svg import typeset


def _svg(image: math_svg.MathImage) -> ET.Element:
    data = image.src.removeprefix("data:image/svg+xml;base64,")
    return ET.fromstring(base64.b64decode(data))


def test_a_formula_becomes_an_svg_sized_in_em():
    image = math_svg.render_one(r"\frac{a}{b}", display=False)
    assert image is not None
    svg = _svg(image)
    assert svg.tag.endswith("svg") and svg.get("viewBox")
    assert 0.3 < image.width < 1.5 and image.height > 1.0
    assert image.depth > 0.3  # a fraction reaches well below the baseline


def test_a_letter_sits_on_the_baseline():
    image = math_svg.render_one("x", display=False)
    assert image is not None and 0 < image.depth < 0.15


def test_unknown_commands_are_failures_not_text():
    assert math_svg.render_one(r"\notacommand{x}", display=False) is None


def test_chemistry_is_repaired_then_typeset():
    assert math_svg.render_one(r"\ce{H2O}", display=False) is not None


def _parts(span: ET.Element) -> tuple[str, str, str]:
    """(TeX of the text layer, style of the box, style of the drawing) of a typeset formula."""
    layer = span.find("code[@class='qt-math-tex']")
    box = span.find("span[@class='qt-math-box']")
    drawing = box.find("span[@class='qt-math-image']")
    return layer.text, box.get("style"), drawing.get("style")


def test_typeset_replaces_pandoc_math_spans():
    root = ET.fromstring(
        '<div><p>Let <span class="math inline">\\(x^2\\)</span> be, and'
        '<span class="math display">\\[\n\\sum_{i=1}^n i\n\\]</span> tail</p></div>')
    renderer = MathRenderer()
    assert math_spans(root) == [("x^2", False), ("\\sum_{i=1}^n i", True)]
    typeset(root, renderer)
    inline, display = root.findall("p/span")
    assert [inline.get("class"), display.get("class")] == [
        "qt-math qt-math-inline", "qt-math qt-math-display"]
    tex, box, drawing = _parts(inline)
    assert tex == "x^2" and "vertical-align:-" in box and "data:image/svg+xml" in drawing
    tex, box, _ = _parts(display)
    assert tex == "\\sum_{i=1}^n i" and "vertical-align" not in box
    assert display.tail == " tail"
    assert "\\(" not in "".join(root.itertext()) and not list(root.iter("img"))


def test_the_text_layer_fits_over_its_formula():
    """The TeX layer is transparent, takes no room, and its letters span at most the formula
    (inline) or the column (display), so it neither moves nor overlaps the text around it."""
    for tex, display in [("x", False), (r"\left(\frac{b}{2a}\right)^2", False),
                         (r"\begin{aligned} a &= b + c \\ &= d \end{aligned}", True)]:
        root = ET.Element("div")
        span = ET.SubElement(root, "span", {"class": "math display" if display else "math inline"})
        span.text = tex
        typeset(root, MathRenderer())
        layer = span.find("code")
        style = dict(rule.split(":", 1) for rule in layer.get("style").split(";"))
        assert style["color"] == "transparent" and style["width"] == "0"
        size = float(style["font-size"].removesuffix("em"))
        advance = size * (pdf_math._MONO_ADVANCE + float(style["letter-spacing"].removesuffix("em")))
        image = math_svg.render_one(tex, display)
        room = pdf_math._COLUMN if display else image.width
        assert len(layer.text) * advance <= room + 1e-3, tex
        assert size >= (0.1 if display else 0.45), tex  # not so small it leaves its line


def test_identical_formulas_are_typeset_once(monkeypatch):
    calls = []
    real = math_svg.render_one
    monkeypatch.setattr(math_svg, "render_one", lambda t, *rest: calls.append(t) or real(t, *rest))
    renderer = MathRenderer()
    root = ET.fromstring('<div>' + '<span class="math inline">\\(a+b\\)</span>' * 5 + '</div>')
    typeset(root, renderer)
    assert calls == ["a+b"] and len(root.findall("span/code[@class='qt-math-tex']")) == 5


def test_failures_fall_back_to_tex_as_code_and_are_counted():
    root = ET.fromstring('<p><span class="math inline">\\(\\foo{1}\\)</span> and '
                         '<span class="math inline">\\(\\foo{1}\\)</span></p>')
    renderer = MathRenderer()
    typeset(root, renderer)
    codes = [c.text for c in root.iter("code")]
    assert codes == ["\\foo{1}", "\\foo{1}"]
    assert renderer.failures == 2 and len(renderer.failed) == 1
    assert not root.findall(".//span[@class='qt-math-box']")


def test_prepare_in_processes_gives_the_same_images():
    formulas = [(f"x_{{{n}}}^2", False) for n in range(math_svg._PARALLEL_FROM)]
    parallel, serial = MathRenderer(jobs=2), MathRenderer(jobs=1)
    parallel.prepare(formulas)
    serial.prepare(formulas[:3])
    assert len(parallel.cache) == len(formulas)
    assert all(parallel.cache[f] == serial.cache[f] for f in formulas[:3])


def test_text_starting_with_a_minus_after_a_subscript_is_typeset():
    """chemistry: `\\text{R}_1\\text{-COOH}` made latex2mathml write broken MathML, and the
    whole reaction was printed as TeX."""
    tex = (r"\text{R}_1\text{-COOH} + \text{H}_2\text{N-R}_2"
           r" \rightarrow \text{R}_1\text{-CO-NH-R}_2")
    assert math_svg.render_one(tex, True) is not None


def _width(tex: str) -> float:
    image = math_svg.render_one(tex, display=False)
    assert image is not None
    return image.width


def test_a_sign_after_a_relation_or_bracket_is_unary_as_in_tex():
    # TeX's `{-}` is an ordinary symbol: no space between the sign and its operand
    assert abs(_width("x = -1") - _width("x = {-}1")) < 0.01
    assert abs(_width(r"m = \pm \frac12") - _width(r"m = {\pm} \frac12")) < 0.01
    assert abs(_width(r"\left( -x \right)") - _width(r"\left( {-}x \right)")) < 0.01
    # a minus after a closing bar or bracket stays binary, spaced like `+`
    assert _width("|x| - 1") > _width("|x| {-} 1") + 0.2
    assert _width("f(x) - 1") > _width("f(x) {-} 1") + 0.2


def test_binary_operators_and_operator_names_are_spaced():
    # `\wedge`, `\cup` and `\times` take the same space as `+`; ziamath alone set them tight
    plus = _width("p + q") - _width("p {+} q")
    for op in (r"\wedge", r"\cup", r"\times"):
        assert abs((_width(f"p {op} q") - _width(f"p {{{op}}} q")) - plus) < 0.02, op
    equals = _width("p = q") - _width("p {=} q")
    for op in (r"\subset", r"\perp"):
        assert abs((_width(f"p {op} q") - _width(f"p {{{op}}} q")) - equals) < 0.02, op
    # an operator name before an operand takes a thin space, none before a bracket
    assert _width(r"\det A") > _width(r"\det{}\!A") + 0.1
    mathml = ET.tostring(math_svg.tex_mathml(r"\sin(x) + \sin x", False), encoding="unicode")
    assert mathml.count('rspace="0em"') == 1 and mathml.count('rspace="thinmathspace"') == 1


def _height(tex: str, display: bool = True) -> float:
    image = math_svg.render_one(tex, display)
    assert image is not None
    return image.height


def test_dots_are_ordinary_so_the_next_sign_is_binary():
    """`1 + 2 + \\cdots + n` lost the space after `\\cdots`: the `+` was taken as unary."""
    plus = _width("p + q") - _width("p {+} q")
    after_dots = _width(r"a + \cdots + n") - _width(r"a + \cdots {+} n")
    assert abs(after_dots - plus) < 0.02
    assert abs((_width(r"a_1, \ldots + n") - _width(r"a_1, \ldots {+} n")) - plus) < 0.02


def test_matrix_columns_and_rows_are_spaced_as_in_tex():
    # columns 2\\arraycolsep = 1em apart; ziamath alone set them 0.3em apart
    gap = _width(r"\begin{pmatrix}1 & 2\end{pmatrix}") - _width(r"\begin{pmatrix}12\end{pmatrix}")
    assert abs(gap - 1.0) < 0.02
    # rows one baselineskip (1.2em) apart, as TeX's struts set them; ziamath: ink + 0.3em
    rows = [_height(r"\begin{matrix}" + r" \\ ".join(["1"] * n) + r"\end{matrix}") for n in (2, 3)]
    assert abs(rows[1] - rows[0] - 1.2) < 0.02
    # the cases environment too (a column gap of \\quad)
    assert _width(r"\begin{cases}1 & 2\end{cases}") - _width(r"\begin{cases}12\end{cases}") > 0.95


def test_rows_of_a_derivation_do_not_touch():
    """amsmath's `aligned` puts \\jot and \\lineskip (0.4em) between rows taller than the
    strut; ziamath alone put 3pt (0.2em), and a denominator sat on the next numerator."""
    one = r"a &= \frac{k(k+1)}{2} + 1"
    single = _height(r"\begin{aligned}" + one + r"\end{aligned}")
    double = _height(r"\begin{aligned}" + one + r" \\ " + one + r"\end{aligned}")
    ink = single - 2 * math_svg._MARGIN / math_svg.SIZE
    assert double - single - ink > 0.39
    # rows as short as the strut are a baselineskip and \\jot apart
    plain = [_height(r"\begin{aligned}" + r" \\ ".join(["a &= b"] * n) + r"\end{aligned}")
             for n in (2, 3)]
    assert abs(plain[1] - plain[0] - 1.6) < 0.02


def test_an_operator_name_before_a_matrix_or_left_bracket_has_a_thin_space():
    # TeX: Op then Inner (`\\left(`, a matrix) takes a thin space; Op then Open none
    for tex, space in [(r"\det\begin{pmatrix}a\end{pmatrix}", "thinmathspace"),
                       (r"\det\left(A\right)", "thinmathspace"), (r"\det(A)", "0em")]:
        mathml = ET.tostring(math_svg.tex_mathml(tex, False), encoding="unicode")
        assert f'rspace="{space}"' in mathml, tex


def test_gathered_lines_are_centred_rows_that_do_not_touch():
    """latex2mathml reads `gathered` as lines broken by `\\\\`, which ziamath set flush left,
    each on the last one's ink; they become a centred column spaced like `aligned`."""
    line = r"x + \frac{b}{a} = 1"
    mathml = math_svg.tex_mathml(r"\begin{gathered}" + line + r" \\ y = 2\end{gathered}", True)
    (table,) = [el for el in mathml.iter() if el.tag.endswith("mtable")]
    assert table.get("columnalign") == "center" and table.get("displaystyle") == "true"
    assert len(table) == 2
    single = _height(line)
    double = _height(r"\begin{gathered}" + line + r" \\ " + line + r"\end{gathered}")
    assert double - 2 * single + 2 * math_svg._MARGIN / math_svg.SIZE > 0.39
