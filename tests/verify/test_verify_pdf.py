"""verify's PDF checks: a fresh build is clean, and a PDF cut short or linking to a missing
destination is reported with its file."""

from __future__ import annotations

import pypdf
import pytest
from faults import copy_format
from pypdf.generic import NameObject, TextStringObject

from qtconvert.verify import verify

PDF = "pdf/chemistry.pdf"


@pytest.fixture
def pdf_copy(sample_build, tmp_path):
    return copy_format(sample_build("pdf"), "pdf", tmp_path)


def problems(out) -> list[tuple[str, str, str]]:
    return [(p.file, p.check, p.message) for p in verify(out, ["pdf"], jobs=1).problems]


def test_a_fresh_build_is_clean(sample_build):
    report = verify(sample_build("pdf"))
    assert report.problems == [] and len(report.summary["pdf"].files) == 6


def test_a_pdf_cut_short(pdf_copy):
    data = (pdf_copy / PDF).read_bytes()
    (pdf_copy / PDF).write_bytes(data[:len(data) // 2])
    assert [p[:2] for p in problems(pdf_copy)] == [(PDF, "parse")]


def test_a_link_to_a_missing_destination(pdf_copy):
    writer = pypdf.PdfWriter(clone_from=pdf_copy / PDF)
    for page in writer.pages:
        links = [a.get_object() for a in page.get("/Annots") or []
                 if a.get_object().get("/Dest") is not None]
        if links:
            links[0][NameObject("/Dest")] = TextStringObject("qt-nowhere")
            break
    writer.write(pdf_copy / PDF)
    found = problems(pdf_copy)
    assert [(p[0], p[1]) for p in found] == [(PDF, "link-destination")]
    assert "qt-nowhere" in found[0][2]


def test_a_pdf_without_language_or_bookmarks(pdf_copy):
    writer = pypdf.PdfWriter(clone_from=pdf_copy / PDF)
    del writer._root_object["/Lang"]
    del writer._root_object["/Outlines"]
    writer.write(pdf_copy / PDF)
    assert {p[1] for p in problems(pdf_copy)} == {"metadata", "bookmarks"}
