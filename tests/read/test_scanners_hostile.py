"""Hostile answers: nesting too deep for the renderers, scanners that must stay linear, and
pandoc kept within a heap and time limit (issues 10 and 16)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import zipfile

import pytest
from conftest import CORPUS, article_text, needs_corpus, write_article
from qtconvert.filters.xref import mark_answer_links

from qtconvert.errors import BuildError
from qtconvert.model import Collection
from qtconvert.model.plain_markdown import map_math
from qtconvert.read import parse_article
from qtconvert.read.answer_text import (
    MAX_NESTING,
    answer_from_site,
    nesting_depth,
    normalise_markdown,
)
from qtconvert.read.articles import read_article
from qtconvert.render import pandoc
from qtconvert.writers.jsonld.html_subset import answer_html


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qtconvert", *args], capture_output=True,
                          text=True, check=False)


def nested_list(levels: int) -> str:
    """A list nested `levels` deep by indentation, in the stored form (newlines as `\\n`)."""
    return "Intro\\n\\n" + "\\n".join("  " * i + '- item "quoted"' for i in range(levels))


# -- nesting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("markdown, depth", [
    ("plain text", 0),
    ("- a\n  - b\n    - c", 3),
    (">>>> deep", 4),
    ("> > > x", 3),
    ("- - - - x", 4),
    ("> - > - x", 4),
    ("1. a\n   1. b\n      1. c", 3),
    ("```\n" + " " * 200 + "code\n```\nafter", 0),  # code's indentation is not nesting
    ("text\n\n" + " " * 200 + "code", 0),  # nor is an indented code block's
    ("- a\nlazy\n  - b\nlazy\n    - c", 3),  # lazy lines between the levels
    ("> ```\n" + ">" * 50 + "\n", 50),  # a fence in a quote ends with the quote: counted
])
def test_nesting_depth_is_an_upper_bound_of_the_markdown_nesting(markdown, depth):
    assert nesting_depth(markdown) == depth


def test_nesting_depth_is_linear_in_the_answer():
    assert nesting_depth("\n".join(" " * k + "- x" for k in range(0, 4000, 2))) == 2000
    assert nesting_depth("- " * 100_000 + "x") == 100_000


@needs_corpus
def test_real_answers_nest_far_below_the_limit(corpus):
    assert max(nesting_depth(a.answer) for a in corpus) <= MAX_NESTING // 4  # 4 today


def test_an_answer_nested_2500_deep_is_one_error_and_the_rest_builds(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    # list markers on one line: 2,500 levels in 5 KB (indented, the file would pass the reader's
    # 256 KB bound on a whole file, which reports it first)
    write_article(src, "bad.md", answer="Intro\\n\\n" + "- " * 2500 + "deep",
                  url="/learn/mathematics/questions/bad")
    write_article(src, "quote.md", answer=">" * 2500 + " deep",
                  url="/learn/mathematics/questions/quote")
    write_article(src, "good.md", id=2, answer="A $x^2$ answer.\\n\\n- one\\n- two",
                  url="/learn/mathematics/questions/good")
    check = run("check", str(src), "--json")
    assert check.returncode == 1
    errors = [d for d in json.loads(check.stdout)["diagnostics"] if d["severity"] == "error"]
    assert [(d["path"].rsplit("/", 1)[-1], d["field"]) for d in errors] == [
        ("bad.md", "answer"), ("quote.md", "answer")]
    assert "nested 2500 levels deep" in errors[0]["message"]
    built = run("build", str(src), "--out", str(out), "-f", "epub,pdf,jsonld,markdown", "-q")
    assert built.returncode == 1
    assert "Traceback" not in built.stderr
    assert built.stderr.count("(skipped)") == 2
    with zipfile.ZipFile(out / "epub" / "mathematics.epub") as book:
        pages = [n for n in book.namelist() if n.endswith(".xhtml") and "/q-" in n]
    assert [p.rsplit("/", 1)[-1] for p in pages] == ["q-good.xhtml"]
    assert (out / "pdf" / "mathematics.pdf").stat().st_size > 0
    assert sorted(p.name for p in (out / "jsonld" / "mathematics").iterdir()) == [
        "all.ndjson", "good.html", "good.jsonld"]  # the subject bundle too
    assert [p.name for p in (out / "markdown" / "mathematics").iterdir()] == ["good.md"]


def test_answers_nested_up_to_the_limit_render_in_every_format(tmp_path):
    from pypdf import PdfReader

    src, out = tmp_path / "src", tmp_path / "out"
    answers = {
        "indented": nested_list(MAX_NESTING),
        "quoted": ">" * MAX_NESTING + ' deep "quoted"',
        "dashes": "Intro\\n\\n" + "- " * MAX_NESTING + "x",
        "mixed": "Intro\\n\\n" + "> - " * (MAX_NESTING // 2) + "x $y^2$",
    }
    for n, (slug, answer) in enumerate(answers.items(), 1):
        path = write_article(src, f"{slug}.md", id=n, answer=answer, question=f"Deep {slug}?",
                             title=f"Deep {slug}?", url=f"/learn/mathematics/questions/{slug}")
        article, problems = read_article(path)
        assert article is not None and not problems
        assert nesting_depth(article.answer) == MAX_NESTING
    built = run("build", str(src), "--out", str(out), "-f", "epub,pdf,jsonld,markdown", "-q")
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(out / "epub" / "mathematics.epub") as book:
        pages = {n.rsplit("/", 1)[-1] for n in book.namelist()}
        indented = book.read(next(n for n in book.namelist() if n.endswith("q-indented.xhtml")))
    assert {f"q-{slug}.xhtml" for slug in answers} <= pages
    assert indented.count(b"<ul") == MAX_NESTING
    text = "".join(page.extract_text() for page in PdfReader(out / "pdf" / "mathematics.pdf").pages)
    assert all(f"Deep {slug}?" in text for slug in answers)
    for slug in answers:
        graph = json.loads((out / "jsonld" / "mathematics" / f"{slug}.jsonld").read_text())
        assert "Answer" in json.dumps(graph)
        assert (out / "markdown" / "mathematics" / f"{slug}.md").is_file()


def test_answer_html_bounds_its_own_recursion():
    deep = "\n".join("  " * i + "- x" for i in range(600)) + "\n\n" + ">" * 3000 + " q"
    html = answer_html(deep, lambda href: href, "https://quicktakes.io/learn/a/questions/b")
    assert html.count("<ul>") == 2 * MAX_NESTING and html.count("<div>") == 2 * MAX_NESTING


# -- pandoc within bounds ----------------------------------------------------------------------

DEEP_MARKDOWN = "\n".join("  " * i + "- x" for i in range(1500))


def test_a_pandoc_failure_costs_only_its_own_answer(monkeypatch):
    monkeypatch.setattr(pandoc, "HEAP_LIMIT_MB", 32)  # enough for an answer, not for 1500 levels
    failed: list[tuple[int, str]] = []
    html = pandoc.to_html(["a *b*", DEEP_MARKDOWN, "c <b>"], pandoc.PandocOptions(batch_size=3),
                          on_failure=lambda n, why: failed.append((n, why)))
    assert html[0] == "<p>a <em>b</em></p>" and html[2] == "<p>c &lt;b&gt;</p>"
    assert html[1].startswith('<pre class="qt-unconverted">- x\n  - x')
    assert failed == [(1, "pandoc needed more than 32 MB of memory")]


def test_pandoc_runs_under_a_time_limit(monkeypatch):
    monkeypatch.setattr(pandoc, "TIME_LIMIT", 4.0)
    monkeypatch.setattr(pandoc, "TIME_PER_ANSWER", 0.0)
    failed: list[tuple[int, str]] = []
    started = time.monotonic()
    html = pandoc.to_html(["ok", "\n".join("  " * i + "- x" for i in range(3000))],
                          pandoc.PandocOptions(batch_size=2),
                          on_failure=lambda n, why: failed.append((n, why)))
    assert html[0] == "<p>ok</p>" and html[1].startswith('<pre class="qt-unconverted">')
    assert failed == [(1, "pandoc took longer than 4 s")]
    assert time.monotonic() - started < 30


def test_a_broken_lua_filter_still_stops_the_build(tmp_path):
    lua = tmp_path / "broken.lua"
    lua.write_text("function Para(el) error('boom') end\n")
    with pytest.raises(BuildError, match="pandoc failed"):
        pandoc.to_html(["a", "b"], pandoc.PandocOptions(lua_filters=(str(lua),)))


# -- linear scanners -------------------------------------------------------------------------

def _ratio(fn, make, n: int) -> float:
    """Time of `fn(make(4n))` over `fn(make(n))`, best of five taken in turns (other work on the
    machine slows both alike): about 4 when linear, 16 when quadratic."""
    while _seconds(fn, make(n)) < 0.03:  # long enough to time well
        n *= 2
    texts = (make(n), make(4 * n))
    best = [float("inf"), float("inf")]
    gc.disable()
    try:
        for _ in range(5):
            for k, text in enumerate(texts):
                best[k] = min(best[k], _seconds(fn, text))
    finally:
        gc.enable()
    return best[1] / best[0]


def _seconds(fn, text: str) -> float:
    started = time.perf_counter()
    fn(text)
    return time.perf_counter() - started


def _mark_links(answer: str) -> str:
    """The answer-links filter over one article with this answer."""
    article, _ = parse_article(article_text())
    article = article.replace(answer=answer)  # beyond the reader's size bound: the filter alone
    return mark_answer_links(Collection((article,))).articles[0].answer


def _html(markdown: str) -> str:
    return answer_html(markdown, lambda href: href, "https://quicktakes.io/learn/a/questions/b")


@pytest.mark.parametrize("fn, make, n", [
    (answer_from_site, lambda n: "a \\(" * n, 16000),  # unclosed inline math
    (answer_from_site, lambda n: "a \\[" * n, 16000),  # unclosed display math
    (normalise_markdown, lambda n: "a \\(" * n, 16000),
    (answer_from_site, lambda n: "a $$x" * n, 16000),
    (lambda t: map_math(t, lambda tex, display: tex), lambda n: "a $x" * n, 16000),
    (answer_from_site, lambda n: "".join("`" * k + " a " for k in range(1, int(n ** 0.5))),
     20000),  # unclosed backtick runs of every length
    (answer_from_site, lambda n: "".join("`" * k + " a\\n\\n" for k in range(1, int(n ** 0.5)))
     * 2, 20000),  # spans of every length, each broken by a blank line
    (answer_from_site, lambda n: '```c\\n"' + '\\n""' * n + "\\n```", 16000),  # a long literal
    (answer_from_site, lambda n: "x\\n~~~ a" * n, 16000),
    (_html, lambda n: "**x " * n, 10000),  # unclosed strong emphasis
    (_html, lambda n: "__x " * n, 10000),
    (_html, lambda n: "*x _y " * n, 10000),
    (_html, lambda n: "# x" + " " * n + "y", 40000),  # an ATX heading with a wide gap
    (_html, lambda n: "a|b\n" + " " * n + "|x", 40000),  # a table rule that is not one
    (_html, lambda n: '[a](x "' * n, 10000),
    (_html, lambda n: "<a:b " * n, 10000),
    (_html, lambda n: "`a " + "``b " * n, 10000),
    (_mark_links, lambda n: "see /learn/ " + "<http://a" * n, 5000),  # autolinks never closed
])
def test_scanners_take_linear_time(fn, make, n):
    ratios = []  # a quadratic scanner gives about 16 every time; a busy machine, once
    while len(ratios) < 3 and (not ratios or ratios[-1] >= 7):
        ratios.append(_ratio(fn, make, n))
    assert ratios[-1] < 7, ratios


# -- display math that opens with a line break -----------------------------------------------

@pytest.mark.parametrize("stored, clean", [
    ("$$\\nu(t) = K_p e(t)\\n$$", "$$\nu(t) = K_p e(t)\n$$"),
    ("A:\\n\\n\\[\\nu = px + q\\n\\]\\nB", "A:\n\n$$\nu = px + q\n$$\nB"),
    ("$$ \\nu = 1 \\n $$", "$$\nu = 1\n$$"),
    ("$$\\nu = 1$$", "$$\\nu = 1$$"),  # closes on its line: the command
    ("$$\\nabla f$$ and $\\nu$", "$$\\nabla f$$ and $\\nu$"),
    ("$$\\n\\nabla f \\neq 0\\n$$", "$$\n\\nabla f \\neq 0\n$$"),  # only the first `\n` is read
    ("$$x \\nu\\n$$", "$$\nx \\nu\n$$"),  # not right after the opener: the command
])
def test_display_math_closing_on_its_own_line_opens_with_a_line_break(stored, clean):
    assert answer_from_site(stored) == clean


@needs_corpus
@pytest.mark.parametrize("name, formula", [
    ("mathematics/how-can-recurrence-relations-be-used-to-calculate-sequence-limits",
     "$$\nu_{n+1} = au_n + b\n$$"),
    ("mathematics/how-do-you-apply-integration-rules-to-bracketed-expressions-with-a-"
     "coefficient-of-x", "$$\nu = px + q \\implies du"),
    ("chemistry/how-does-the-stockmayer-potential-apply-to-polar-molecules-and-what-is-its-"
     "dependence-on-molecular-orientation", "$$\nu(r, \\beta_1"),
])
def test_real_display_math_opening_with_u(name, formula):
    article, _ = read_article(CORPUS / "learn" / f"{name}.md")
    assert article is not None
    assert formula in article.answer and "\\nu" not in article.answer
