"""The JSON-LD writer: every document expands offline with no term dropped, uses schema.org
types and properties where they are allowed, carries what Google asks of a Question and its
Answer in every profile, and is safe to paste into a page."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT, CORPUS, SCHEMAORG, needs_corpus, needs_schemaorg
from test_jsonld_sitemap import read_sitemaps

import qtconvert
from qtconvert.build import build
from qtconvert.cli import main
from qtconvert.errors import UsageError
from qtconvert.verify import schemaorg
from qtconvert.verify.jsonld import reference_problems
from qtconvert.writers.base import BuildOptions
from qtconvert.writers.jsonld.html_subset import answer_html
from qtconvert.writers.jsonld.profiles import PROFILES

ALLOWED_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "br", "ol", "ul", "li", "a", "p", "div", "b",
                "strong", "i", "em"}


def jsonld(**options: object) -> BuildOptions:
    """A JSON-LD build with these `JsonLdOptions` fields."""
    return BuildOptions(formats=("jsonld",), format_options={"jsonld": options})


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """content/ built once per profile: profile -> OUT/jsonld."""
    out = {}
    for profile in PROFILES:
        folder = tmp_path_factory.mktemp(profile)
        build(CONTENT, folder, jsonld(profile=profile))
        out[profile] = folder / "jsonld"
    return out


def documents(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.rglob("*.jsonld"))]


def nodes_by_id(doc: dict) -> dict[str, dict]:
    return {n["@id"]: n for n in doc["@graph"]}


def types(node: dict) -> list[str]:
    t = node.get("@type", [])
    return t if isinstance(t, list) else [t]


def site_article(folder: Path, slug: str, **fields: object) -> None:
    meta = {"id": 1, "date": "2024-11-21", "title": "What is x?", "question": "What is x?",
            "answer": "x is a letter.", "subject": "Mathematics",
            "url": f"/learn/mathematics/questions/{slug}", **fields}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.md").write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True)
                                       + "---\n\n&nbsp;", encoding="utf-8")


# -- layout, bundle, sitemap -----------------------------------------------------------------

def test_layout_ndjson_and_sitemap(outputs):
    folder = outputs["learning-resource"]
    exported = [a for a in qtconvert.load(CONTENT) if not a.no_index]
    assert len(exported) == len(qtconvert.load(CONTENT)) - 1  # one sample is no_index
    by_subject: dict[str, list] = {}
    for a in exported:
        assert (folder / a.subject_key / f"{a.slug}.jsonld").is_file()
        assert (folder / a.subject_key / f"{a.slug}.html").is_file()
        by_subject.setdefault(a.subject_key, []).append(a)
    in_order = [a for key in sorted(by_subject) for a in by_subject[key]]  # subject by subject
    lines = (folder / "all.ndjson").read_text().split("\n")
    assert lines.pop() == "" and len(lines) == len(exported)
    for line, a in zip(lines, in_order):
        doc = json.loads(line)
        assert json.dumps(doc, ensure_ascii=False, separators=(",", ":")) == line  # compact
        assert doc == json.loads((folder / a.subject_key / f"{a.slug}.jsonld").read_text())
    assert (folder / "all.ndjson").read_bytes() == b"".join(
        (folder / key / "all.ndjson").read_bytes() for key in sorted(by_subject))
    names, entries = read_sitemaps(folder)
    assert names == [f"sitemap-{key}.xml" for key in sorted(by_subject)]
    assert entries == [(a.canonical_url, a.date.isoformat()) for a in in_order]


def test_no_index_articles_only_with_the_flag(outputs, tmp_path):
    hidden = next(a for a in qtconvert.load(CONTENT) if a.no_index)
    folder = outputs["learning-resource"]
    assert not (folder / hidden.subject_key / f"{hidden.slug}.jsonld").exists()
    pages = [json.loads(line)["@graph"][0]["url"]
             for line in (folder / "all.ndjson").read_text().splitlines()]
    assert hidden.canonical_url not in pages  # others may still link to it (relatedLink)
    assert hidden.canonical_url not in dict(read_sitemaps(folder)[1])
    build(CONTENT, tmp_path, jsonld(include_noindex=True))
    assert (tmp_path / "jsonld" / hidden.subject_key / f"{hidden.slug}.jsonld").is_file()
    assert len((tmp_path / "jsonld" / "all.ndjson").read_text().splitlines()) == \
        len(qtconvert.load(CONTENT))
    assert hidden.canonical_url in dict(read_sitemaps(tmp_path / "jsonld")[1])


def test_output_is_deterministic(outputs, tmp_path):
    build(CONTENT, tmp_path, jsonld())
    first = outputs["learning-resource"]
    for path in first.rglob("*.*"):
        assert (tmp_path / "jsonld" / path.relative_to(first)).read_bytes() == path.read_bytes()


def test_unknown_profile_is_a_usage_error_listing_the_profiles(tmp_path, capsys):
    with pytest.raises(UsageError) as err:
        build(CONTENT, tmp_path, jsonld(profile="howto"))
    assert all(name in str(err.value) for name in PROFILES)
    assert main(["build", str(CONTENT), "-o", str(tmp_path), "-f", "jsonld", "-q",
                 "--jsonld-profile", "howto"]) == 2
    assert "unknown JSON-LD profile 'howto'" in capsys.readouterr().err


# -- the graph -------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", list(PROFILES))
def test_ids_links_and_page_shape(outputs, profile):
    for doc in documents(outputs[profile]):
        assert doc["@context"] == "https://schema.org"
        ids = nodes_by_id(doc)
        page = next(n for n in doc["@graph"] if "url" in n and n["@type"] != "Answer")
        url = page["url"]
        anchor = "qt-" + "--".join(url.split("/")[-3::2])  # the article's stable anchor
        assert page["@id"] == f"{url}#{anchor}"
        base = page["@id"]
        assert {base + "-question", base + "-answer", base + "-breadcrumb",
                "https://quicktakes.io/#organization", "https://quicktakes.io/#website"} <= set(ids)
        assert reference_problems(doc) == []  # every @id reference stays inside the graph
        main_entity = page["mainEntity"]
        expected = {"learning-resource": ["WebPage", "LearningResource"], "article": ["WebPage"],
                    "qapage": ["QAPage"], "faqpage": ["FAQPage"]}[profile]
        assert types(page) == expected
        if profile == "article":
            assert ids[main_entity["@id"]]["mainEntity"] == {"@id": base + "-question"}
        elif profile == "faqpage":
            assert main_entity == [{"@id": base + "-question"}]
        else:
            assert main_entity == {"@id": base + "-question"}
        crumbs = ids[base + "-breadcrumb"]["itemListElement"]
        assert [c["position"] for c in crumbs] == [1, 2, 3] and crumbs[-1]["item"] == url


@pytest.mark.parametrize("profile", list(PROFILES))
def test_google_question_and_answer_properties_in_every_profile(outputs, profile):
    for doc in documents(outputs[profile]):
        ids = nodes_by_id(doc)
        question = next(n for n in doc["@graph"] if "Question" in types(n))
        for key in ("name", "text", "answerCount", "acceptedAnswer", "author", "datePublished",
                    "dateCreated"):
            assert question.get(key) not in (None, "", []), key
        answer = ids[question["acceptedAnswer"]["@id"]]
        assert "Answer" in types(answer)
        for key in ("text", "url", "author", "datePublished", "dateCreated"):
            assert answer.get(key) not in (None, "", []), key
        for node in (question, answer):
            author = ids.get(node["author"].get("@id"), node["author"])
            assert author["name"] and types(author)[0] in ("Organization", "Person")


def test_related_articles_and_answer_links_use_web_addresses(outputs):
    doc = json.loads((outputs["learning-resource"] / "chemistry" /
                      "what-is-the-ideal-gas-law-and-how-is-it-applied-in-stoichiometry.jsonld"
                      ).read_text())
    page = doc["@graph"][0]
    assert page["relatedLink"] and all(u.startswith("https://quicktakes.io/learn/")
                                       for u in page["relatedLink"])
    answer = next(n for n in doc["@graph"] if "Answer" in types(n))
    assert ('<a href="https://quicktakes.io/learn/chemistry/questions/'
            'how-do-you-balance-a-chemical-equation">') in answer["text"]
    assert "qtref:" not in json.dumps(doc)


def test_related_links_name_each_other_page_once(outputs):
    # the sample article is related to itself, as some site data is
    name = "how-do-you-balance-a-chemical-equation"
    page = json.loads((outputs["learning-resource"] / "chemistry" / f"{name}.jsonld"
                       ).read_text())["@graph"][0]
    assert page["url"] not in page["relatedLink"]
    assert len(set(page["relatedLink"])) == len(page["relatedLink"]) == 2


def test_base_url_from_the_config_names_every_node(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "qtconvert.toml").write_text('base_url = "https://example.org/"\n')
    site_article(tmp_path / "in", "x")
    build(tmp_path / "in", tmp_path / "out", jsonld())
    doc = json.loads((tmp_path / "out" / "jsonld" / "mathematics" / "x.jsonld").read_text())
    assert all(n["@id"].startswith("https://example.org/") for n in doc["@graph"])


# -- offline expansion and the schema.org vocabulary -----------------------------------------

@needs_schemaorg
@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_document_expands_offline_with_no_term_dropped(outputs, profile):
    pytest.importorskip("pyld.jsonld")
    for doc in documents(outputs[profile]):
        expanded = schemaorg.expand_offline(doc, SCHEMAORG)
        assert schemaorg.dropped_terms(doc["@graph"], expanded, doc["@graph"][0]["@id"]) == []


@pytest.fixture(scope="module")
def vocabulary() -> schemaorg.Vocabulary:
    if not SCHEMAORG.is_dir():
        pytest.skip(f"no schema.org vocabulary at {SCHEMAORG}")
    return schemaorg.vocabulary(SCHEMAORG)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_types_and_properties_exist_and_fit(outputs, vocabulary, profile):
    for doc in documents(outputs[profile]):
        assert vocabulary.problems(doc) == []


@needs_corpus
@pytest.mark.slow
def test_the_whole_corpus_exports_valid_graphs(tmp_path, vocabulary):
    build(CORPUS, tmp_path, jsonld())
    exported = [a for a in qtconvert.load(CORPUS) if not a.no_index]
    lines = (tmp_path / "jsonld" / "all.ndjson").read_text().splitlines()
    assert len(lines) == len(exported) > 8000
    for line in lines:
        doc = json.loads(line)
        assert vocabulary.problems(doc) == []
        answer = next(n for n in doc["@graph"] if "Answer" in types(n))
        _assert_html_subset(answer["text"])


# -- Answer.text and the snippet --------------------------------------------------------------

class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[tuple[str, list]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag != "br":
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data):
        self.data.append(data)


def _assert_html_subset(text: str) -> _Html:
    parsed = _Html()
    parsed.feed(text)
    parsed.close()
    assert not parsed.open, f"unclosed {parsed.open}"
    for tag, attrs in parsed.tags:
        assert tag in ALLOWED_TAGS, tag
        assert attrs == [] or (tag == "a" and [k for k, _ in attrs] == ["href"]
                               and attrs[0][1].startswith(("https://", "http://", "mailto:")))
    return parsed


DANGEROUS = ("Close it: </script><script>alert(1)</script> and <!-- a comment --> and "
             "]]> and &amp; and \u2028 line.\\n\\n```html\\n</script>\\n```")


def test_the_snippet_cannot_be_broken_out_of(tmp_path):
    site_article(tmp_path / "in", "escape", answer=DANGEROUS, title="</script> in a title")
    build(tmp_path / "in", tmp_path / "out", jsonld())
    folder = tmp_path / "out" / "jsonld" / "mathematics"
    snippet = (folder / "escape.html").read_text()
    body = snippet.removeprefix('<script type="application/ld+json">').removesuffix(
        "</script>\n")
    assert not {"<", ">", "&", "\u2028"} & set(body)
    parsed = _Html()
    parsed.feed(snippet)
    assert [t for t, _ in parsed.tags] == ["script"] and not parsed.open
    graph = json.loads("".join(parsed.data))
    assert graph == json.loads((folder / "escape.jsonld").read_text())
    answer = next(n for n in graph["@graph"] if "Answer" in types(n))
    text = "".join(_assert_html_subset(answer["text"]).data)
    assert "</script><script>alert(1)</script>" in text and "<!-- a comment -->" in text


@pytest.mark.parametrize("markdown, html", [
    ("# Title\n\nText *em* and **strong** and __also__.", "<h1>Title</h1><p>Text <em>em</em> and "
     "<strong>strong</strong> and <strong>also</strong>.</p>"),
    ("- a\n- b\n  - c\n\n1. one\n2. two", "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>"
     "<ol><li>one</li><li>two</li></ol>"),
    ("```c\n#include <stdio.h>\nint *p;\n```", "<p>#include &lt;stdio.h&gt;<br>int *p;</p>"),
    ("Code `a <b> *c*` and $x_1 < y_2$ stay text.", "<p>Code a &lt;b&gt; *c* and $x_1 &lt; y_2$ "
     "stay text.</p>"),
    ("[safe](https://x.org/a?b=1&c=2) [bad](javascript:alert(1)) ![img](p.png)",
     '<p><a href="https://x.org/a?b=1&amp;c=2">safe</a> bad img</p>'),
    ("[rel](qtref:/learn/s/questions/q) [frag](#part)",
     '<p><a href="https://quicktakes.io/learn/s/questions/q">rel</a> '
     '<a href="https://quicktakes.io/learn/s/questions/here#part">frag</a></p>'),
    ("| a | b |\n|---|---|\n| 1 | `\\|` |", "<p>a | b<br>1 | |</p>"),
    ("Raw <b>html</b> &amp; &copy; &bogus; a & b", "<p>Raw &lt;b&gt;html&lt;/b&gt; &amp; &copy; "
     "&amp;bogus; a &amp; b</p>"),
    ("> quoted\n> text", "<div><p>quoted text</p></div>"),
    ("line one  \nline two\\\nthree", "<p>line one<br>line two<br>three</p>"),
    ("Setext\n===\n\n---\n\n2 * 3 * 4 = 24", "<h1>Setext</h1><p>2 * 3 * 4 = 24</p>"),
])
def test_answer_text_is_the_html_subset(markdown, html):
    def resolve(href: str) -> str:
        return href.replace("qtref:", "https://quicktakes.io")
    result = answer_html(markdown, resolve, "https://quicktakes.io/learn/s/questions/here")
    assert result == html
    _assert_html_subset(result)


def test_answer_text_of_the_samples(outputs):
    for doc in documents(outputs["learning-resource"]):
        answer = next(n for n in doc["@graph"] if "Answer" in types(n))
        parsed = _assert_html_subset(answer["text"])
        if doc["@graph"][0]["url"].endswith("what-are-eigenvalues-and-eigenvectors-and-how-are-"
                                             "they-calculated"):
            assert "$\\det(A - \\lambda I) = 0.$" in "".join(parsed.data).replace("\n", "")
