"""Typographic quotes for the books: prose curls, code and math stay as written."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from qtconvert.render.typography import curl_tree, curly_quotes


@pytest.mark.parametrize("text, expected", [
    ('read "element of" aloud', "read \u201celement of\u201d aloud"),
    ("Student's t and 'quoted'", "Student\u2019s t and \u2018quoted\u2019"),
    ('("a") and [\'b\']', "(\u201ca\u201d) and [\u2018b\u2019]"),
    ("in the '90s", "in the \u201990s"),
    ('He is 5\'10" tall, a 12" ruler', 'He is 5\'10" tall, a 12" ruler'),  # primes stay
    ("no quotes at all", "no quotes at all"),
    ('an <img src="http://x/a.png"> tag', "an <img src=\u201chttp://x/a.png\u201d> tag"),
    ("key='value', said:\"hi\"", "key=\u2018value\u2019, said:\u201chi\u201d"),
    ('"a", "b"; ("c")!', "\u201ca\u201d, \u201cb\u201d; (\u201cc\u201d)!"),
])
def test_straight_quotes_become_typographic(text, expected):
    assert curly_quotes(text) == expected
    assert curly_quotes(expected) == expected  # and once is enough


def test_a_tree_curls_across_elements_but_never_in_code_or_math():
    root = ET.fromstring(
        '<div><p>"<strong>bold</strong>" it\'s <code>print("x\'s")</code> and '
        '<span class="math inline">\\text{"a"}</span> \'<em>y</em>\'</p>'
        '<pre>s = "raw"</pre><p>"next"</p></div>')
    curl_tree(root)
    text = ET.tostring(root, encoding="unicode")
    assert ("<p>\u201c<strong>bold</strong>\u201d it\u2019s <code>print(\"x's\")</code>"
            in text)
    assert '\\text{"a"}</span> \u2018<em>y</em>\u2019' in text
    assert '<pre>s = "raw"</pre><p>\u201cnext\u201d</p>' in text


def test_a_quote_after_math_closes_even_when_the_tex_ends_in_a_digit():
    """EPUB: MathML's TeX annotation `n \\ge n_0` ends in a digit, and the quote after it was
    taken for a prime and left straight (the PDF, whose TeX ends in `\\)`, was right)."""
    mathml = "http://www.w3.org/1998/Math/MathML"
    root = ET.fromstring(
        f'<p>"for all <math xmlns="{mathml}"><semantics><mi>n</mi>'
        '<annotation encoding="application/x-tex">n \\ge n_0</annotation></semantics></math>" '
        'and "<code>x = 10</code>"</p>')
    curl_tree(root)
    text = "".join(root.itertext())
    assert text == "\u201cfor all nn \\ge n_0\u201d and \u201cx = 10\u201d"


def test_deep_nesting_does_not_exhaust_the_stack():
    depth = 5000
    root = ET.fromstring("<div>" + "<span>'" * depth + "x" + "</span>" * depth + "</div>")
    assert curl_tree(root) == " "
    innermost = root
    while len(innermost):
        innermost = innermost[0]
    assert innermost.text == "\u2018x"
