"""Formulas in the PDF carry their TeX as text, in every variant, so search, copy and screen
readers find them where they are; and that text adds nothing to the printed page."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pypdf
import pytest
from conftest import write_article

from qtconvert.build import build
from qtconvert.writers import BuildOptions
from qtconvert.writers.pdf.math_svg import MathRenderer, lift_display, typeset

# stored form: newlines as the two characters backslash-n
ANSWER = (r"A quadratic equation has the form $ax^2 + bx + c = 0$ with $a > 0$, and "
          r"$\left(\frac{b}{2a}\right)^2$ is added to both sides:\n\n"
          r"$$x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}$$\n\n"
          r"A derivation:\n\n$$\begin{aligned} s &= \frac{k(k+1)}{2} + (k+1) \\ "
          r"&= \frac{(k+1)(k+2)}{2} \end{aligned}$$\n\nso $s$ is an integer.")
FORMULAS = ["ax^2 + bx + c = 0", "a > 0", r"\left(\frac{b}{2a}\right)^2",
            r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}",
            r"\begin{aligned} s &= \frac{k(k+1)}{2} + (k+1) \\ &= \frac{(k+1)(k+2)}{2} "
            r"\end{aligned}", "s"]


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module", params=[None, "pdf/ua-1"], ids=["pdf", "pdf-ua"])
def math_pdf(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("math")
    write_article(folder / "src", answer=ANSWER)
    build(folder / "src", folder / "out", BuildOptions(
        formats=("pdf",), format_options={"pdf": {"variant": request.param}}))
    (path,) = (folder / "out" / "pdf").glob("*.pdf")
    return path


def _page_with_math(path: Path) -> int:
    reader = pypdf.PdfReader(path)
    return next(n for n, page in enumerate(reader.pages) if "quadratic" in page.extract_text())


def test_pypdf_reads_each_formula_as_its_tex_in_reading_order(math_pdf):
    reader = pypdf.PdfReader(math_pdf)
    text = _norm(reader.pages[_page_with_math(math_pdf)].extract_text())
    assert "has the form ax^2 + bx + c = 0 with a > 0" in text  # pypdf: "0 ," after a font change
    positions = [text.find(_norm(tex)) for tex in FORMULAS[:-1]]
    assert -1 not in positions and positions == sorted(positions), text
    assert "so s is an integer" in text


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_pdftotext_reads_each_formula_in_its_line(math_pdf):
    page = str(_page_with_math(math_pdf) + 1)
    text = _norm(subprocess.run(["pdftotext", "-f", page, "-l", page, str(math_pdf), "-"],
                                capture_output=True, text=True, check=True).stdout)
    assert "has the form ax^2 + bx + c = 0 with a > 0, and" in text
    for tex in FORMULAS:
        assert _norm(tex) in text, tex


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) missing")
def test_the_text_layer_leaves_the_page_as_it_was(tmp_path):
    """The page with the TeX layers and the page with them emptied are the same pixels."""
    import weasyprint

    body = ET.fromstring(
        '<div><p>Let <span class="math inline">\\(x^2 + y^2 = r^2\\)</span> be a circle,'
        '<span class="math display">\\[\\int_0^1 \\frac{dx}{1+x^2} = \\frac{\\pi}{4}\\]</span>'
        'and <span class="math inline">\\(\\sqrt{2}\\)</span> too.</p>'
        '<table><tr><td><span class="math display">\\[\\sum_k k\\]</span></td></tr></table>'
        '<p><img src="data:image/svg+xml;utf8,&lt;svg xmlns=%22http://www.w3.org/2000/svg%22 '
        'width=%2210%22 height=%2210%22&gt;&lt;rect width=%2210%22 height=%2210%22/&gt;&lt;/svg&gt;'
        '" alt="box"/></p></div>')
    typeset(body, MathRenderer())
    lift_display(body)
    pages = {}
    for name in ("with", "without"):
        if name == "without":
            for layer in body.iter("code"):
                layer.text = ""
        html = "<html><body>" + ET.tostring(body, encoding="unicode", method="html") + "</body></html>"
        weasyprint.HTML(string=html).write_pdf(tmp_path / f"{name}.pdf")
        subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
        (png,) = tmp_path.glob(f"{name}*.p*m")
        pages[name] = png.read_bytes()
    assert "x^2 + y^2 = r^2" in _norm(pypdf.PdfReader(tmp_path / "with.pdf").pages[0].extract_text())
    assert pages["with"] == pages["without"]
