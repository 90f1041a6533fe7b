"""Cross-references: related links and answer links resolve once, per rule; writers decide
the address through `uri_for` (checked here against a fake writer)."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import needs_corpus
from qtconvert.filters.xref import QTREF_SCHEME, parse_article_url, related_counts

from qtconvert import model
from qtconvert.output import OutputFolder
from qtconvert.render import html_body, pandoc
from qtconvert.render.links import as_uri
from qtconvert.render.typography import curly_quotes
from qtconvert.writers.base import BuildOptions, Writer

BREAK_EVEN = "what-is-breakeven-analysis-and-how-is-it-calculated"


@pytest.mark.parametrize("href", [
    "/learn/chemistry/questions/x-y", "/learn/chemistry/questions/x-y/",
    "https://quicktakes.io/learn/chemistry/questions/x-y#part",
    "https://www.quicktakes.io/learn/chemistry/questions/x-y/?ref=1",
    "qtref:/learn/chemistry/questions/x-y",
])
def test_quicktakes_urls_in_every_form(href):
    assert parse_article_url(href) == "/learn/chemistry/questions/x-y"


@pytest.mark.parametrize("href", ["https://example.org/learn/chemistry/questions/x",
                                  "/learn/chemistry/x", "mailto:a@b.c", "/learn/../questions/x"])
def test_other_urls_are_not_articles(href):
    assert parse_article_url(href) is None


def _article(collection, slug, subject=None):
    return next(a for a in collection if a.slug == slug and
                (subject is None or a.subject_key == subject))


def test_related_links_resolve_by_url_slug_and_id(content):
    rules = {(link.url, link.rule) for a in content for link in a.related}
    assert ("/learn/science/questions/how-does-the-schrdinger-equation-describe-electrons-in-atoms",
            "slug") in rules
    assert ("/learn/computer-science/questions/what-is-big-o-notation", "id") in rules
    counts = related_counts(content)
    assert counts.by_rule["slug"] == 1 and counts.by_rule["id"] == 1
    assert counts.internal + counts.external == sum(len(a.related) for a in content)
    missing = [d for d in content.infos if d.field.startswith("related_article")]
    assert len(missing) == counts.external > 0  # each missing target is one note, not a warning
    assert not [d for d in content.warnings if "not in the collection" in d.message]


def test_cycles_and_self_links_are_fine(content):
    balance = _article(content, "how-do-you-balance-a-chemical-equation")
    assert balance.url in {link.target_url for link in balance.related}  # self-link
    gas = _article(content, "what-is-the-ideal-gas-law-and-how-is-it-applied-in-stoichiometry")
    assert balance.url in {link.target_url for link in gas.related}
    assert gas.url in {link.target_url for link in balance.related}


def test_a_target_filed_twice_resolves_to_the_copy_under_the_same_subject(content):
    margin = _article(content, "what-is-contribution-margin-and-how-is-it-used-in-decisionmaking")
    to_break_even = [link for link in margin.related if BREAK_EVEN in link.url]
    assert {link.url.split("/")[2] for link in to_break_even} == {
        "accounting-and-finance", "business-and-management"}
    assert {link.target_url for link in to_break_even} == {
        f"/learn/accounting-and-finance/questions/{BREAK_EVEN}"}


def test_answer_links_become_pending_references(content):
    tnm = _article(content, "how-is-cancer-staged-using-the-tnm-system")
    angio = _article(content, "what-role-does-angiogenesis-play-in-tumor-growth-and-metastasis")
    gas = _article(content, "what-is-the-ideal-gas-law-and-how-is-it-applied-in-stoichiometry")
    assert QTREF_SCHEME + "/learn/medicine/questions/what-are-the-steps-involved-in-the-process-" \
                          "of-metastasis" in angio.answer
    assert QTREF_SCHEME + "/learn/chemistry/questions/how-do-you-balance-a-chemical-equation" \
        in gas.answer  # was an absolute url with a #fragment
    assert "https://quicktakes.io/learn/health-studies/questions/what-are-the-risk-factors-for-" \
           "breast-cancer" in tnm.answer  # missing target: canonical address
    assert any(d.field == "answer" and "risk-factors" in d.message for d in content.infos)
    assert "https://en.wikipedia.org/wiki/Cross-site_scripting" in "".join(a.answer for a in content)


class FakeBookWriter(Writer):
    """Per-subject books: same subject -> internal file link, else no address."""

    name = "fake"

    def uri_for(self, target, source):
        if target.subject_key != source.subject_key:
            return None
        return f"{target.slug}.xhtml#{target.anchor}"


def test_writer_contract_with_a_fake_writer(content, tmp_path):
    w = FakeBookWriter(content, content, OutputFolder(tmp_path), BuildOptions())
    gas = _article(content, "what-is-the-ideal-gas-law-and-how-is-it-applied-in-stoichiometry")
    hrefs = {link.title: w.links().related_href(link, gas) for link in gas.related}
    assert "how-do-you-balance-a-chemical-equation.xhtml#qt-chemistry--how-do-you-balance-a-" \
           "chemical-equation" in hrefs.values()
    external = [h for h in hrefs.values() if h.startswith("https://quicktakes.io/")]
    internal = [h for h in hrefs.values() if h.endswith(tuple(f"#{a.anchor}" for a in content))]
    assert len(external) + len(internal) == len(gas.related)
    resolve = w.links().resolver(gas)
    assert resolve("https://example.org/") == "https://example.org/"
    assert resolve("qtref:/learn/mathematics/questions/how-do-you-derive-and-use-the-quadratic-"
                   "formula").startswith("https://quicktakes.io/learn/mathematics/")


def test_html_body_resolves_links_on_the_tree(content, tmp_path):
    w = FakeBookWriter(content, content, OutputFolder(tmp_path), BuildOptions())
    angio = _article(content, "what-role-does-angiogenesis-play-in-tumor-growth-and-metastasis")
    fragment = pandoc.to_html([angio.answer])[0]
    section = html_body.article_element(angio, fragment, w.links())
    assert section.get("id") == angio.anchor
    hrefs = [a.get("href") for a in section.iter("a")]
    assert not any(h.startswith(QTREF_SCHEME) for h in hrefs)
    assert "what-are-the-steps-involved-in-the-process-of-metastasis.xhtml#qt-medicine--what-are-" \
           "the-steps-involved-in-the-process-of-metastasis" in hrefs


def test_two_builds_give_the_same_anchors(content):
    from conftest import CONTENT

    from qtconvert.build import prepare

    again = prepare(CONTENT)
    assert [a.anchor for a in content] == [a.anchor for a in again]
    assert len({a.anchor for a in content}) == len(content)


@needs_corpus
def test_corpus_related_counts_are_pinned(corpus):
    counts = related_counts(corpus)
    assert counts.by_rule == {"url": 16946, "slug": 967}
    assert (counts.internal, counts.external) == (17913, 5295)
    assert len([d for d in corpus.infos if d.field.startswith("related_article")]) == 5295
    assert not [d for d in corpus.warnings if d.field.startswith("related_article")]


@needs_corpus
@pytest.mark.parametrize("url, expected", [
    ("/learn/medicine/questions/what-are-the-steps-involved-in-the-process-of-metastasis",
     ["", "url", "url", "", "url"]),
    ("/learn/accounting-and-finance/questions/how-are-control-systems-evaluated-during-an-audit",
     ["url", "slug", "", "slug", ""]),
    ("/learn/accounting-and-finance/questions/how-do-observations-on-current-practices-impact-"
     "business-operations", ["", "", "", "url", "slug"]),
])
def test_named_corpus_articles_link_into_and_out_of_the_sample(corpus, url, expected):
    article = corpus.by_url(url)
    assert [link.rule for link in article.related] == expected
    for link in article.related:
        if link.rule:
            assert corpus.by_url(link.target_url).subject_key == article.subject_key
        else:
            assert link.target_url is None and link.canonical_url.startswith("https://quicktakes.io/")


def test_answer_links_are_made_safe_for_every_html_output(content, tmp_path):
    w = FakeBookWriter(content, content, OutputFolder(tmp_path), BuildOptions())
    article = content.articles[0]
    fragment = pandoc.to_html(["[js](javascript:alert(1)) [f](file:///etc/passwd) "
                               "[rel](/about/team) [web](https://example.org/x) [me](#top)"])[0]
    links = {a.text: a.get("href") for a in
             html_body.article_element(article, fragment, w.links()).iter("a")}
    assert links["js"] is None and links["f"] is None  # text stays, the link goes
    assert links["rel"] == "https://quicktakes.io/about/team"
    assert links["web"] == "https://example.org/x" and links["me"] == "#top"


def test_a_missing_target_warning_names_the_field_it_was_written_in(tmp_path):
    from conftest import write_article

    from qtconvert.build import prepare

    write_article(tmp_path, related_article1="not a mapping", related_article2={
        "id": 5, "title": "Gone", "subject": "X", "url": "/learn/x/questions/gone"})
    collection = prepare(tmp_path)
    assert {d.field for d in collection.warnings} == {"related_article1"}  # not a mapping
    assert {d.field for d in collection.infos} == {"related_article2.url"}  # outside: a note


def test_answer_links_with_spaces_or_non_ascii_become_valid_uris(content, tmp_path):
    w = FakeBookWriter(content, content, OutputFolder(tmp_path), BuildOptions())
    fragment = pandoc.to_html(["[a](<https://de.wikipedia.org/wiki/Straße mit Ü>) "
                               "[b](/learn/x/questions/café)"])[0]
    links = {a.text: a.get("href") for a in
             html_body.article_element(content.articles[0], fragment, w.links()).iter("a")}
    assert links["a"] == "https://de.wikipedia.org/wiki/Stra%C3%9Fe%20mit%20%C3%9C"
    assert links["b"] == "https://quicktakes.io/learn/x/questions/caf%C3%A9"


@pytest.mark.parametrize("href, uri", [
    ("https://example.com/a{b}|c", "https://example.com/a%7Bb%7D%7Cc"),
    ("https://example.com/50% off", "https://example.com/50%25%20off"),
    ("https://example.com/a%20b?q=1#x", "https://example.com/a%20b?q=1#x"),  # valid: as it is
    ('https://example.com/"q"^`', "https://example.com/%22q%22%5E%60"),
])
def test_every_href_becomes_a_valid_uri(href, uri):
    assert as_uri(href) == uri


def test_related_question_links_are_valid_uris(content, tmp_path):
    balance = _article(content, "how-do-you-balance-a-chemical-equation")
    odd = model.RelatedLink(id=None, title="Straße", subject="X", url="/learn/x/questions/y z",
                            canonical_url="https://quicktakes.io/learn/x/questions/Straße mit Ü")
    w = FakeBookWriter(content, content, OutputFolder(tmp_path), BuildOptions())
    nav = html_body.article_element(balance.replace(related=(odd,)), "<p>x</p>", w.links()).find("nav")
    assert [a.get("href") for a in nav.iter("a")] == [
        "https://quicktakes.io/learn/x/questions/Stra%C3%9Fe%20mit%20%C3%9C"]


def test_a_book_lists_each_related_question_once_and_never_itself(content, tmp_path):
    balance = _article(content, "how-do-you-balance-a-chemical-equation")
    doubled = dataclasses.replace(balance, related=balance.related + balance.related[:1])
    w = FakeBookWriter(content, content, OutputFolder(tmp_path), BuildOptions())
    nav = html_body.article_element(doubled, "<p>x</p>", w.links()).find("nav")
    titles = [a.text for a in nav.iter("a")]
    expected = [curly_quotes(link.title) for link in balance.related
                if link.target_url != balance.url]
    assert titles == expected and len(expected) < len(balance.related)
