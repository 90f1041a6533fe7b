"""The stored-answer quirks: `\\n` unescaping, math normalisation, code left alone."""

from __future__ import annotations

import pytest

from qtconvert.model.plain_markdown import map_math
from qtconvert.read.answer_text import N_COMMANDS, answer_from_site, normalise_markdown


@pytest.mark.parametrize("command", ["neq", "nabla", "nu", "neg", "notin", "not", "nmid", "ne"])
def test_tex_commands_beginning_with_n_survive_inside_math(command):
    stored = f"Let $a \\{command} b$ hold.\\nNext line."
    assert answer_from_site(stored) == f"Let $a \\{command} b$ hold.\nNext line."


def test_newline_inside_display_math_is_a_newline_but_neq_is_not():
    stored = "Rule:\\n   $$ \\n   x \\neq 0 \\n   $$\\n\\nDone"
    assert answer_from_site(stored) == "Rule:\n   $$\n   x \\neq 0\n   $$\n\nDone"


def test_a_backslash_n_word_that_is_not_a_command_is_a_newline_in_math():
    assert answer_from_site("$$\\nx = 1\\n$$") == "$$\nx = 1\n$$"
    assert "nx" not in N_COMMANDS


def test_line_beginning_with_e_paren_outside_math_is_a_new_line():
    assert answer_from_site("d) Graphite\\ne) Silicon") == "d) Graphite\ne) Silicon"


def test_all_four_delimiters_are_normalised():
    stored = "A \\(x^2\\) B $ y $ C \\[\\n z \\n\\] D $$w$$"
    assert answer_from_site(stored) == "A $x^2$ B $y$ C $$\n z\n $$ D $$w$$"


@pytest.mark.parametrize("text", [
    "It costs $5.", "From $7.25 each = $26.83 in all", "Pay $20 and $30 more",
    "A lone $ sign", "Escaped \\$x\\$ stays",
])
def test_dollars_that_are_not_math_stay_as_they_are(text):
    assert answer_from_site(text) == text
    assert normalise_markdown(text) == text


def test_code_is_left_alone_and_string_literals_keep_their_backslash_n():
    stored = ('```c\\n#include <iostream>\\nprintf("Value: %d\\n", x);\\n'
              "char c = '\\n';\\nregex = \"\\\\(\\\\d+\\\\)\";\\n```\\nAfter `\\(x\\)` $5")
    assert answer_from_site(stored) == (
        '```c\n#include <iostream>\nprintf("Value: %d\\n", x);\n'
        "char c = '\\n';\nregex = \"\\\\(\\\\d+\\\\)\";\n```\nAfter `\\(x\\)` $5")


def test_indented_fence_inside_a_list_item():
    stored = "1. Code:\\n   ```python\\n   print('$x$')\\n   ```\\n2. $y$"
    assert answer_from_site(stored) == "1. Code:\n   ```python\n   print('$x$')\n   ```\n2. $y$"


def test_raw_html_is_kept_as_characters_in_the_model():
    stored = "Type <script>alert(1)</script> here"
    assert answer_from_site(stored) == stored


def test_normalise_is_idempotent_on_clean_markdown():
    clean = answer_from_site("A \\(x\\) and \\[\\n y \\n\\] and $ z $")
    assert normalise_markdown(clean) == clean


def test_map_math_rewrites_only_math():
    out = map_math("a $x$ `$y$` $$z$$", lambda tex, display: tex.upper() + ("!" if display else ""))
    assert out == "a $X$ `$y$` $$Z!$$"


def test_backslash_n_alone_or_in_a_string_inside_inline_code_stays():
    stored = 'Use `\\n` or `"\\n"` or `printf("a\\n")`; then\\nnext'
    assert answer_from_site(stored) == 'Use `\\n` or `"\\n"` or `printf("a\\n")`; then\nnext'


def test_a_lone_equals_line_in_display_math_does_not_make_a_heading():
    """digital-media: a matrix equation in a list item with `=` on a line of its own; pandoc
    read that line as a setext underline and made the item's text a heading."""
    from qtconvert.render import pandoc, tex_repair

    answer = ("3. As a matrix:\n   $$\n   \\begin{bmatrix} x \\end{bmatrix}\n   =\n"
              "   \\begin{bmatrix} a \\end{bmatrix}\n   $$\n")
    repaired = map_math(answer, tex_repair.repair)
    html = pandoc.to_html([repaired])[0]
    assert "<h" not in html and html.count("<math") == 1
    assert tex_repair.repair(tex_repair.repair("a\n=\nb", True), True) == "a =\nb"
    assert tex_repair.repair("a % note\n=\nb", True) == "a % note\n=\nb"  # a comment: as is
