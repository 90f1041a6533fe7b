"""The plain Markdown writer: clean front matter, CommonMark-safe answers, and a lossless
round trip through `qtconvert.load` (over content/ and over the whole shared corpus)."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pypandoc
import pytest
import yaml
from conftest import CONTENT, CORPUS, needs_corpus

import qtconvert
from qtconvert.build import build, prepare
from qtconvert.model import plain_markdown
from qtconvert.model.urls import QTREF_SCHEME
from qtconvert.writers.base import BuildOptions

MARKDOWN = BuildOptions(formats=("markdown",))
LONG_SLUG = "why-" + "-".join(["is"] * 70) + "-this-long"  # longer than a safe file name


def site_article(folder: Path, subject_key: str, slug: str, **fields: object) -> Path:
    """A site-layout article file (answer newlines stored as backslash-n)."""
    meta = {"_schema": "default", "id": 1, "date": "2024-11-21", "title": "What is x?",
            "question": "What is x?", "answer": "x is a letter.",
            "subject": subject_key.replace("-", " ").title(),
            "url": f"/learn/{subject_key}/questions/{slug}", **fields}
    path = folder / subject_key / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
                    + "---\n\n&nbsp;", encoding="utf-8")
    return path


def comparable(article: qtconvert.Article) -> dict[str, object]:
    """Every field but source_path; related links as (id, title, subject, url)."""
    fields = dataclasses.asdict(article)
    fields.pop("source_path")
    fields["related"] = [(r.id, r.title, r.subject, r.url) for r in article.related]
    return fields


def assert_round_trip(original: qtconvert.Collection, exported: Path, answer=lambda a: a.answer):
    back = qtconvert.load(exported, base_url=original.base_url)
    assert not back.diagnostics
    assert len(back) == len(original)
    for article in original:
        expected = comparable(article)
        expected["answer"] = answer(article)
        assert comparable(back.by_url(article.url)) == expected, article.url


@pytest.fixture(scope="module")
def content_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    build(CONTENT, out, MARKDOWN)
    return out / "markdown"


def _relative_links(collection: qtconvert.Collection, article: qtconvert.Article) -> str:
    def path(m: re.Match[str]) -> str:
        target = collection.by_url(m.group()[len(QTREF_SCHEME):])
        return f"../{target.subject_key}/{target.slug}.md"
    return re.sub(re.escape(QTREF_SCHEME) + r"[^)>\s]+", path, article.answer)


def test_content_round_trips_with_answer_links_as_relative_paths(content_out):
    filtered = prepare(CONTENT)
    assert any(QTREF_SCHEME in a.answer for a in filtered)
    assert_round_trip(qtconvert.load(CONTENT), content_out,
                      lambda a: _relative_links(filtered, filtered.by_url(a.url)))


@needs_corpus
@pytest.mark.slow
def test_the_whole_corpus_round_trips(tmp_path):
    original = qtconvert.load(CORPUS)
    assert len(original) == 8009
    build(CORPUS, tmp_path, MARKDOWN)
    assert_round_trip(original, tmp_path / "markdown")


def test_layout_and_clean_front_matter(content_out):
    files = sorted(content_out.rglob("*.md"))
    assert len(files) == len(qtconvert.load(CONTENT))
    assert all(f.parent.parent == content_out and f.parent.name.islower() for f in files)
    text = (content_out / "chemistry" / "how-do-you-balance-a-chemical-equation.md").read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert list(meta)[:6] == ["id", "title", "question", "date", "subject", "url"]
    assert meta["canonical_url"] == ("https://quicktakes.io/learn/chemistry/questions/"
                                     "how-do-you-balance-a-chemical-equation")
    assert isinstance(meta["keywords"], list) and meta["keywords"]
    assert str(meta["date"]) == "2024-11-22"
    assert "\\n" not in body and "&nbsp;" not in body


def test_related_links_are_relative_inside_the_build_and_canonical_outside(content_out):
    text = (content_out / "computer-science" /
            "what-is-crosssite-scripting-xss-and-how-can-it-be-prevented.md").read_text()
    related = yaml.safe_load(text.split("---\n")[1])["related"]
    hrefs = {r["url"].rsplit("/", 1)[1]: r["href"] for r in related}
    regex = "how-do-you-use-regular-expressions-to-match-numbers-and-parentheses"
    sql = "what-is-sql-injection-and-how-can-it-be-prevented"
    # written by this build: a relative path to the page itself (an anchor would exist only in
    # the target's front matter, never in a rendered page)
    assert hrefs[regex] == f"../computer-science/{regex}.md"
    assert hrefs[sql] == f"https://quicktakes.io/learn/computer-science/questions/{sql}"
    assert text.endswith(plain_markdown.related_block((r["title"], r["href"]) for r in related))
    for href in hrefs.values():  # every relative link points at a file of the export
        assert "#" not in href
        assert href.startswith("https://") or (content_out / "x" / href).resolve().is_file()


def test_links_to_subjects_not_built_become_canonical(tmp_path):
    build(CONTENT, tmp_path, BuildOptions(formats=("markdown",),
                                          subjects=("computer-science",)))
    text = (tmp_path / "markdown" / "computer-science" /
            "what-is-gradient-descent-and-how-is-it-used-in-machine-learning.md").read_text()
    gradient = "how-do-you-find-the-gradient-of-a-scalar-field"
    assert f"](https://quicktakes.io/learn/mathematics/questions/{gradient}" in text
    assert "../mathematics/" not in text


def test_answer_links_become_relative_paths(content_out):
    text = (content_out / "chemistry" /
            "what-is-the-ideal-gas-law-and-how-is-it-applied-in-stoichiometry.md").read_text()
    assert QTREF_SCHEME not in text
    assert "](../chemistry/how-do-you-balance-a-chemical-equation.md)" in text


TRICKY = {"title": "yes", "question": "1.0", "author": "No",
          "seo": {"page_description": "a: b # c, 'quoted' \"double\" \\ back",
                  "page_keywords": "on, 2024-01-01, null, ~, - dash, @at"}}


def test_strings_that_yaml_would_misread_survive(tmp_path):
    site_article(tmp_path / "in", "mathematics", "tricky", no_index=True, **TRICKY)
    site_article(tmp_path / "in", "mathematics", "unicode", title="Ünïcödé\u2028line\x85 ok ",
                 question="Tab\tand \"quotes\"?", answer="Answer with é and 中文.")
    original = qtconvert.load(tmp_path / "in")
    assert original.by_url("/learn/mathematics/questions/tricky").no_index
    build(tmp_path / "in", tmp_path / "out", MARKDOWN)
    assert_round_trip(original, tmp_path / "out" / "markdown")


RAW_HTML = ("Text <script>alert(1)</script> and <b>bold?</b>, a comment <!-- hidden --> and"
            " <img src=x onerror=alert(2)>.\\n\\n<div>block html</div>\\n\\n"
            "Code `<b>span</b>` and $a<b$ and an autolink <https://example.org/x>.\\n\\n"
            "```cpp\\n#include <iostream>\\n```\\n\\n"
            "A link [here](<https://example.org/a b>) and [there](<notes.html>).")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_raw_html_is_text_in_commonmark_viewers_and_round_trips(tmp_path):
    site_article(tmp_path / "in", "computer-science", "html", answer=RAW_HTML)
    build(tmp_path / "in", tmp_path / "out", MARKDOWN)
    md = (tmp_path / "out" / "markdown" / "computer-science" / "html.md").read_text()
    for fmt in ("gfm", "commonmark"):
        parsed = _Tags()
        parsed.feed(pypandoc.convert_text(md, "html", format=fmt + "+yaml_metadata_block"))
        assert not {"script", "b", "img"} & set(parsed.tags), fmt
        text = "".join(parsed.text)
        assert "<script>alert(1)</script>" in text and "<b>bold?</b>" in text
        assert "<div>block html</div>" in text
        assert "#include <iostream>" in text and "<b>span</b>" in text  # code kept as written
        assert "\\<" not in text
    assert "\\<script>" in md and "$a<b$" in md and "<https://example.org/x>" in md
    assert_round_trip(qtconvert.load(tmp_path / "in"), tmp_path / "out" / "markdown")


def test_tags_where_a_link_destination_could_start_are_escaped():
    for text in ["see ](<script>alert(1)</script>)", "x ]: <img src=x onerror=alert(1)>"]:
        escaped = plain_markdown.escape_html(text)
        assert "\\<script>" in escaped or "\\<img" in escaped
        assert plain_markdown.unescape_html(escaped) == text


@pytest.mark.parametrize("text", [
    "a <b> c", "`<b>` and ``x <i> y``", "$a<b$ and $$\n<c>\n$$", "<https://x.org> <me@x.org>",
    "[x](<y.md>) [z]: <w>", "\\\\<b> two backslashes", "<!-- c --> <?php ?> </p>", "x < y > z",
    "```\n<a>\n```\n<b>\n~~~~\n<c>\n~~~~", "$5 <b> and $6", "no tags at all",
])
def test_escape_html_round_trips(text):
    escaped = plain_markdown.escape_html(text)
    assert plain_markdown.unescape_html(escaped) == text
    assert plain_markdown.escape_html(escaped) == escaped  # escaping twice changes nothing


def test_escape_html_leaves_code_math_and_autolinks_alone():
    assert plain_markdown.escape_html("a <b> `<b>` $x<y$ <https://x.org>") == \
        "a \\<b> `<b>` $x<y$ <https://x.org>"
    spans = list(plain_markdown.code_and_math("t `c` $m$ $5 and $6 ```x```"))
    assert spans == [(2, 5), (6, 9), (20, 27)]


def test_long_slugs_get_a_safe_file_name_and_links_follow(tmp_path):
    site_article(tmp_path / "in", "mathematics", LONG_SLUG, id=7)
    site_article(tmp_path / "in", "chemistry", "short", id=8, related_article1={
        "id": 7, "title": "Long", "subject": "Mathematics",
        "url": f"/learn/mathematics/questions/{LONG_SLUG}"})
    build(tmp_path / "in", tmp_path / "out", MARKDOWN)
    out = (tmp_path / "out" / "markdown").resolve()
    files = list(out.rglob("*.md"))
    assert all(out in f.resolve().parents and len(f.name) <= 123 for f in files)
    short = (out / "chemistry" / "short.md").read_text()
    href = yaml.safe_load(short.split("---\n")[1])["related"][0]["href"]
    assert (out / "chemistry" / href.partition("#")[0]).resolve() in files
    assert_round_trip(qtconvert.load(tmp_path / "in"), out)


def test_the_related_list_shows_each_other_question_once(tmp_path):
    twice = {"id": 2, "title": "What is y?", "subject": "Mathematics",
             "url": "/learn/mathematics/questions/y"}
    itself = {**twice, "id": 1, "title": "What is x?", "url": "/learn/mathematics/questions/x"}
    missing = {**twice, "id": 3, "title": "What is z?", "url": "/learn/mathematics/questions/z"}
    elsewhere = {**twice, "subject": "Physics", "url": "/learn/physics/questions/y"}
    # related_article4 is a copy: safe_dump writes one dict twice as a YAML alias (refused)
    site_article(tmp_path / "in", "mathematics", "x", related_article1=twice,
                 related_article2=itself, related_article3=missing, related_article4=dict(twice),
                 related_article5=elsewhere)  # the same question filed under another subject
    site_article(tmp_path / "in", "mathematics", "y", id=2)
    build(tmp_path / "in", tmp_path / "out", MARKDOWN)
    text = (tmp_path / "out" / "markdown" / "mathematics" / "x.md").read_text()
    front, body = text.split("---\n")[1:]
    assert len(yaml.safe_load(front)["related"]) == 5  # the data as written
    listed = body[body.index(plain_markdown.RELATED_HEADING):].splitlines()[2:]
    assert listed == ["- [What is y?](<../mathematics/y.md>)",
                      "- [What is z?](<https://quicktakes.io/learn/mathematics/questions/z>)"]
    assert_round_trip(qtconvert.load(tmp_path / "in"), tmp_path / "out" / "markdown")


def test_output_is_deterministic(tmp_path):
    for name in ("a", "b"):
        build(CONTENT, tmp_path / name, MARKDOWN)
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.md")}
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.md")}
    assert first == second


def test_pandoc_renders_an_exported_article(content_out):
    html = pypandoc.convert_text(
        (content_out / "mathematics" / "what-are-eigenvalues-and-eigenvectors-and-how-are-they-"
         "calculated.md").read_text(), "html", format="gfm+tex_math_dollars", extra_args=["-s"])
    parsed = _Tags()
    parsed.feed(html)
    assert {"h2", "ol", "ul", "a"} <= set(parsed.tags)
    # the answer's sections (### on the site) and "Related questions" are both h2, under the
    # page title (h1, from the front matter, as static-site tools set it)
    headings = [t for t in parsed.tags if re.fullmatch(r"h[1-6]", t)]
    assert headings.count("h1") == 1 and set(headings) == {"h1", "h2"}
    assert "<title>What are eigenvalues" in html  # the title comes from the front matter


def test_every_front_matter_string_reads_back_the_same():
    import random

    from qtconvert.writers.markdown import yaml_scalar

    rng = random.Random(4)
    alphabet = "ab :#-?'\"\\\n\t{}[],&*!|>%@`~\x00\x85\u2028é1.0yesnoâ²_/="
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
               for _ in range(5000)]
    samples += ["yes", "No", "ON", "null", "~", "1.0", "2024-01-02", "12:30", "a: b", "a #b",
                "/learn/x", "https://a.b/c:d", "a:", "../x.md", "...", "..", "Le Châtelier's",
                " lead", "trail "]
    for text in samples:
        assert yaml.safe_load("k: " + yaml_scalar(text))["k"] == text, repr(text)
        assert yaml.safe_load("- " + yaml_scalar(text))[0] == text, repr(text)
