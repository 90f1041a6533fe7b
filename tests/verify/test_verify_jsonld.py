"""verify's JSON-LD and sitemap checks: a fresh build is clean, and each planted fault is
reported with its file."""

from __future__ import annotations

import json

import pytest
from conftest import SCHEMAORG, needs_schemaorg
from faults import copy_format

from qtconvert.verify import verify
from qtconvert.verify.sitemap import MAX_URLS, NS

DOC = "jsonld/chemistry/how-do-you-balance-a-chemical-equation.jsonld"


@pytest.fixture
def jsonld_copy(sample_build, tmp_path):
    return copy_format(sample_build("jsonld"), "jsonld", tmp_path)


def problems(out, **options) -> list[tuple[str, str, str]]:
    report = verify(out, ["jsonld"], jobs=1, **options)
    return [(p.file, p.check, p.message) for p in report.problems]


@needs_schemaorg
def test_a_fresh_build_is_clean(sample_build):
    report = verify(sample_build("jsonld"), schemaorg=SCHEMAORG)
    assert report.problems == [] and report.notes == []
    # 30 graphs, 30 snippets, ndjson, a sitemap index and its part per subject
    assert len(report.summary["jsonld"].files) == 68


def test_without_the_vocabulary_a_note_says_what_was_left_out(sample_build):
    report = verify(sample_build("jsonld"))
    assert report.problems == []
    assert len(report.notes) == 1 and "--schemaorg" in report.notes[0]


@needs_schemaorg
def test_a_property_schema_org_lacks(jsonld_copy):
    doc = json.loads((jsonld_copy / DOC).read_text())
    doc["@graph"][1]["colour"] = "red"  # the Question
    (jsonld_copy / DOC).write_text(json.dumps(doc))
    found = [p for p in problems(jsonld_copy, schemaorg=SCHEMAORG) if p[1] == "vocabulary"]
    assert len(found) == 1 and found[0][0] == DOC
    assert "colour is not a schema.org property" in found[0][2]


@needs_schemaorg
def test_a_term_expansion_drops(jsonld_copy):
    doc = json.loads((jsonld_copy / DOC).read_text())
    doc["@context"] = {"name": "http://schema.org/name",
                       "Question": "http://schema.org/Question"}
    (jsonld_copy / DOC).write_text(json.dumps(doc))
    found = [p for p in problems(jsonld_copy, schemaorg=SCHEMAORG) if p[1] == "expand"]
    assert found and {p[0] for p in found} == {DOC}
    assert any("url: dropped" in p[2] for p in found)


def test_a_question_without_its_answer_and_a_dangling_reference(jsonld_copy):
    doc = json.loads((jsonld_copy / DOC).read_text())
    del doc["@graph"][1]["acceptedAnswer"]
    doc["@graph"][0]["isPartOf"] = {"@id": "https://quicktakes.io/#elsewhere"}
    (jsonld_copy / DOC).write_text(json.dumps(doc))
    found = {(p[0], p[1]) for p in problems(jsonld_copy)}
    assert {(DOC, "required"), (DOC, "reference")} <= found


def test_a_snippet_with_more_than_the_script(jsonld_copy):
    snippet = jsonld_copy / DOC.replace(".jsonld", ".html")
    snippet.write_text(snippet.read_text() + "<p>and more</p>\n")
    found = [p for p in problems(jsonld_copy) if p[1] == "snippet"]
    assert [p[0] for p in found] == [DOC.replace(".jsonld", ".html")] * 2


def test_a_relative_sitemap_address(jsonld_copy):
    sitemap = jsonld_copy / "jsonld" / "sitemap-chemistry.xml"
    sitemap.write_text(sitemap.read_text().replace("https://quicktakes.io/learn", "/learn", 1))
    found = [p for p in problems(jsonld_copy) if p[1] == "sitemap"]
    assert [p[0] for p in found] == ["jsonld/sitemap-chemistry.xml"]
    assert "is not an absolute http(s) address" in found[0][2]


def test_a_sitemap_address_outside_the_base(jsonld_copy):
    found = problems(jsonld_copy, base_url="https://example.org/")
    assert {p[1] for p in found} == {"sitemap"} and len(found) == 36  # 30 pages, 6 parts
    assert "not under the base address https://example.org" in found[0][2]


def test_a_sitemap_of_50001_addresses(jsonld_copy):
    urls = "".join(f"<url><loc>https://quicktakes.io/learn/x/questions/q{n}</loc></url>\n"
                   for n in range(MAX_URLS + 1))
    (jsonld_copy / "jsonld" / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n{urls}</urlset>\n')
    found = [p for p in problems(jsonld_copy) if p[1] == "sitemap"]
    assert [p[0] for p in found] == ["jsonld/sitemap.xml"]
    assert "50,001 addresses" in found[0][2]
    (jsonld_copy / "jsonld" / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'
        + urls.split("\n", 1)[1] + "</urlset>\n")
    assert problems(jsonld_copy) == []  # 50,000 is allowed
