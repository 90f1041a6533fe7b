"""The reader: both layouts, the model's fields, and diagnostics instead of crashes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import CONTENT, CORPUS, needs_corpus, write_article

import qtconvert
from qtconvert.model import anchor_for_url


def test_seed_article_is_read_with_every_field(content):
    a = content.by_url("/learn/medicine/questions/what-are-the-steps-involved-in-the-process-of-metastasis")
    assert a is not None
    assert (a.id, a.subject, a.subject_key) == (5532, "Medicine", "medicine")
    assert a.slug == "what-are-the-steps-involved-in-the-process-of-metastasis"
    assert a.canonical_url == "https://quicktakes.io" + a.url
    assert a.date == dt.date(2024, 11, 21)
    assert a.keywords[:2] == ("metastasis", "cancer cells")
    assert a.description.startswith("This content outlines")
    assert len(a.related) == 5 and a.related[0].id == 5535
    assert "\n\n1. **Local Invasion**" in a.answer and "\\n" not in a.answer
    assert a.source_path.endswith("what-are-the-steps-involved-in-the-process-of-metastasis.md")


def test_content_exercises_every_quirk(content):
    answers = {a.slug: a.answer for a in content}
    joined = "\n".join(answers.values())
    for command in ("\\neq", "\\nabla", "\\nu", "\\neg", "\\notin", "\\not", "\\nmid", "\\ne "):
        assert command in joined, command
    assert "\ne) " in joined
    assert "#include <iostream>" in joined and 'printf("Value: %d\\n", x);' in joined
    assert "<script>alert(1)</script>" in joined
    prose = re.sub(r"(?s)```.*?```|`[^`]*`", "", joined)
    assert "\\(" not in prose and "\\[" not in prose  # every \( and \[ normalised...
    assert "`\\(\\d+\\)`" in joined  # ...but code keeps them
    assert "$20 and $30 more" in joined
    assert any(a.no_index for a in content)
    twice = [a for a in content if len(content.by_id(a.id)) == 2]
    assert {a.subject_key for a in twice} == {"accounting-and-finance", "business-and-management"}
    assert len(content.subjects) >= 3 and len(content) >= 25


def test_keywords_are_trimmed_and_unique(content):
    a = next(a for a in content if a.slug.startswith("how-do-you-find-the-gradient"))
    assert a.keywords.count("gradient") == 1
    assert all(k == k.strip() and k for k in a.keywords)


def test_lookups_by_url_subject_and_id(content):
    a = content.by_subject("chemistry")[0]
    assert content.by_url(a.url) is a
    assert a in content.by_id(a.id)
    assert content.by_url("/learn/nope/questions/nope") is None
    assert list(iter(content)) == list(content.articles)


def test_anchor_is_a_stable_xml_id():
    anchor = anchor_for_url("/learn/computer-science/questions/what-is-big-o")
    assert anchor == "qt-computer-science--what-is-big-o"
    assert anchor[0].isalpha() and all(c.isalnum() or c in "-_" for c in anchor)


def test_base_url_is_configurable(tmp_path):
    write_article(tmp_path)
    c = qtconvert.load(tmp_path, base_url="https://example.org/")
    assert c.articles[0].canonical_url == "https://example.org/learn/mathematics/questions/what-is-x"


@pytest.mark.parametrize("fields, field, words", [
    ({"id": "abc"}, "id", "must be an integer"),
    ({"id": None}, "id", "missing"),
    ({"answer": ""}, "answer", "empty"),
    ({"answer": "&nbsp;"}, "answer", "empty"),
    ({"subject": None}, "subject", "missing"),
    ({"url": "../../etc/passwd"}, "url", "not of the form"),
    ({"url": "/learn/a/questions/x\x00y"}, "url", "not of the form"),
    ({"date": "yesterday"}, "date", "not a date"),
    ({"question": ["a", "b"]}, "question", "must be a string"),
])
def test_bad_fields_are_one_line_diagnostics_and_other_articles_still_load(tmp_path, fields,
                                                                           field, words):
    write_article(tmp_path, "good.md", url="/learn/mathematics/questions/good")
    bad = write_article(tmp_path, "bad.md", **fields)
    c = qtconvert.load(tmp_path)
    assert [a.slug for a in c] == ["good"]
    (d,) = c.errors
    assert (d.path, d.field) == (str(bad), field)
    assert words in d.message and "\n" not in str(d)


def test_invalid_yaml_names_the_line(tmp_path):
    (tmp_path / "broken.md").write_text("---\nid: 1\ntitle: [unclosed\n---\n", encoding="utf-8")
    (d,) = qtconvert.load(tmp_path).errors
    assert d.field == "(front matter)" and "invalid YAML" in d.message and "line" in d.message


def test_not_utf8_and_no_front_matter(tmp_path):
    (tmp_path / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    (tmp_path / "plain.md").write_text("just text", encoding="utf-8")
    (tmp_path / "README.md").write_text("not an article", encoding="utf-8")
    fields = sorted(d.field for d in qtconvert.load(tmp_path).errors)
    assert fields == ["(encoding)", "(front matter)"]


def test_duplicate_url_keeps_the_first(tmp_path):
    write_article(tmp_path, "a.md", id=1)
    write_article(tmp_path, "b.md", id=2)
    c = qtconvert.load(tmp_path)
    assert [a.id for a in c] == [1]
    (d,) = c.errors
    assert d.field == "url" and "duplicate" in d.message and d.path.endswith("b.md")


def test_mistyped_optional_fields_are_warnings(tmp_path):
    write_article(tmp_path, author=["a"], seo="text", related_article1="x")
    c = qtconvert.load(tmp_path)
    assert len(c) == 1 and not c.errors
    assert {d.field for d in c.warnings} == {"author", "seo", "related_article1"}


@needs_corpus
def test_whole_corpus_loads_without_errors(corpus):
    assert len(corpus) == 8009 and not corpus.errors
    assert len(corpus.subjects) == 11 and len(corpus.by_subject("mathematics")) == 2033
    assert sum(a.no_index for a in corpus) == 7


@needs_corpus
@pytest.mark.parametrize("path, present, absent", [
    ("mathematics/can-you-give-examples-to-illustrate-the-zero-exponent-rule.md",
     ["$$\n   x^0 = 1 \\quad \\text{(for } x \\neq 0\\text{)}\n   $$"], ["\\n   "]),
    ("computer-science/can-you-explain-the-concept-of-gradient-descent-and-its-importance-in-training-models.md",
     ["$\\nabla J(\\theta)$"], []),
    ("chemistry/explain-the-process-of-nuclear-fusion-and-the-energy-release-associated-with-it.md",
     ["\\nu_e"], []),
    ("chemistry/what-are-some-practice-problems-for-identifying-types-of-solids.md",
     ["\ne) Silicon (Si)"], []),
    ("computer-science/can-you-explain-the-use-of-logical-operators-in-c.md",
     ['printf("Number is within the range.\\n");'], []),
    ("computer-science/how-is-boolean-logic-applied-in-the-theory-of-computation.md",
     ["$\\neg x$"], []),
    ("mathematics/what-are-the-basic-concepts-of-set-theory-and-how-do-operations-on-sets-function.md",
     ["$x \\notin A$"], ["\\("]),
    ("computer-science/can-you-provide-an-example-of-a-constructor-in-c.md",
     ["#include <iostream>"], []),
    ("accounting-and-finance/can-you-explain-what-a-standard-cost-card-is-and-its-components.md",
     ["$7.25"], []),
])
def test_named_real_articles(path, present, absent):
    article, problems = qtconvert.read.read_article(CORPUS / "learn" / path)
    assert article is not None and not problems
    for text in present:
        assert text in article.answer
    for text in absent:
        assert text not in article.answer


def test_content_has_no_errors():
    c = qtconvert.load(CONTENT)
    assert not c.errors, [str(d) for d in c.errors]
