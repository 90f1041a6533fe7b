"""verify's PDF/UA checks on a PDF/UA-1 book built from content/: our own checks find nothing
wrong; each fault planted with pikepdf is reported with its file and check; page-validation
and veraPDF are each a check of their own, run when installed."""

from __future__ import annotations

import shutil
import sys

import pikepdf
import pytest
from conftest import CONTENT
from faults import change_pdf, copy_format

from qtconvert.verify import verify
from qtconvert.verify.pdf_ua import claimed_part, ua_problems
from qtconvert.verify.pdf_ua_tools import verapdf_messages

PDF = "pdf/business-and-management.pdf"
EXTERNAL = ("page-validation", "verapdf")


@pytest.fixture(scope="module")
def ua_build(tmp_path_factory):
    """OUT holding one PDF/UA-1 book (a single short subject, a few seconds to make)."""
    from qtconvert.build import build
    from qtconvert.writers import BuildOptions

    out = tmp_path_factory.mktemp("pdf-ua")
    build(CONTENT, out, BuildOptions(formats=("pdf",), subjects=("business-and-management",),
                                     format_options={"pdf": {"variant": "pdf/ua-1"}}))
    return out


@pytest.fixture
def ua_copy(ua_build, tmp_path):
    return copy_format(ua_build, "pdf", tmp_path)


def checks(out, skip=EXTERNAL) -> list[tuple[str, str]]:
    return sorted((p.file, p.check) for p in verify(out, ["pdf"], skip=skip, jobs=1).problems)


def add_figure(pdf, role: str = "/Figure", **entries) -> None:
    """A structure element `role` (with `entries`) as the last kid of the Document element."""
    document = pdf.Root.StructTreeRoot.K[0]
    figure = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name(role), P=document,
        Pg=pdf.pages[0].obj, K=pikepdf.Array(), **entries))
    document.K.append(figure)


def test_the_build_claims_pdf_ua_1_and_passes_our_checks(ua_build):
    assert claimed_part(ua_build / PDF) == "1"
    assert ua_problems(ua_build / PDF) == []
    report = verify(ua_build, ["pdf"], skip=EXTERNAL, jobs=1)
    assert report.problems == [] and not [n for n in report.notes if "pikepdf" in n]


def test_a_pdf_without_lang(ua_copy):
    change_pdf(ua_copy / PDF, lambda pdf: pdf.Root.__delitem__("/Lang"))
    assert checks(ua_copy) == [(PDF, "metadata"), (PDF, "pdfua-lang")]


def test_a_lang_that_is_no_language_tag(ua_copy):
    change_pdf(ua_copy / PDF, lambda pdf: setattr(pdf.Root, "Lang", pikepdf.String("en GB")))
    found = verify(ua_copy, ["pdf"], skip=EXTERNAL, jobs=1).problems
    assert [(p.file, p.check) for p in found] == [(PDF, "pdfua-lang")]
    assert "'en GB'" in found[0].message


def test_a_figure_loses_its_alt(ua_copy):
    change_pdf(ua_copy / PDF, lambda pdf: add_figure(pdf, Alt=pikepdf.String("A bar chart")))
    assert checks(ua_copy) == []  # a Figure with its alternative text is fine
    change_pdf(ua_copy / PDF,
               lambda pdf: pdf.Root.StructTreeRoot.K[0].K[-1].__delitem__("/Alt"))
    found = verify(ua_copy, ["pdf"], skip=EXTERNAL, jobs=1).problems
    assert [(p.file, p.check) for p in found] == [(PDF, "pdfua-alt-text")]
    assert found[0].message.startswith("1 Figure element(s) without alternative text")
    assert "(pages 1)" in found[0].message


def test_a_custom_type_mapped_to_formula_needs_alt_too(ua_copy):
    def change(pdf):
        pdf.Root.StructTreeRoot.RoleMap = pikepdf.Dictionary(Equation=pikepdf.Name.Formula)
        add_figure(pdf, "/Equation")
        add_figure(pdf, "/Equation", ActualText=pikepdf.String("x squared"))

    change_pdf(ua_copy / PDF, change)
    found = verify(ua_copy, ["pdf"], skip=EXTERNAL, jobs=1).problems
    assert [(p.file, p.check) for p in found] == [(PDF, "pdfua-alt-text")]
    assert found[0].message.startswith("1 Formula element(s)")


def test_display_doc_title_false(ua_copy):
    change_pdf(ua_copy / PDF,
               lambda pdf: setattr(pdf.Root.ViewerPreferences, "DisplayDocTitle", False))
    assert checks(ua_copy) == [(PDF, "pdfua-title")]


def test_no_mark_info(ua_copy):
    change_pdf(ua_copy / PDF, lambda pdf: pdf.Root.__delitem__("/MarkInfo"))
    assert checks(ua_copy) == [(PDF, "pdfua-tagged")]


def test_no_structure_tree(ua_copy):
    change_pdf(ua_copy / PDF, lambda pdf: pdf.Root.__delitem__("/StructTreeRoot"))
    assert checks(ua_copy) == [(PDF, "pdfua-structure")]


def test_a_wrong_part_and_no_dc_title(ua_copy):
    def change(pdf):
        xmp = pdf.Root.Metadata.read_bytes().replace(b'pdfuaid:part="1"', b'pdfuaid:part="7"')
        pdf.Root.Metadata.write(xmp.replace(b"<dc:title>", b"<dc:rights>")
                                .replace(b"</dc:title>", b"</dc:rights>"))

    change_pdf(ua_copy / PDF, change)
    assert claimed_part(ua_copy / PDF) == "7"
    assert checks(ua_copy) == [(PDF, "pdfua-id"), (PDF, "pdfua-title")]


def test_a_pdf_that_does_not_claim_pdf_ua_is_not_held_to_it(ua_copy):
    def change(pdf):
        del pdf.Root["/Metadata"]
        del pdf.Root["/MarkInfo"]

    change_pdf(ua_copy / PDF, change)
    assert claimed_part(ua_copy / PDF) is None
    report = verify(ua_copy, ["pdf"], jobs=1)
    assert report.problems == [] and report.notes == []


# -- the external validators -------------------------------------------------------------------

def test_page_validation_reports_a_planted_fault_under_its_own_name(ua_copy):
    pytest.importorskip("page", reason="page-validation is not installed")
    change_pdf(ua_copy / PDF, lambda pdf: pdf.Root.__delitem__("/MarkInfo"))
    found = [p for p in verify(ua_copy, ["pdf"], skip=["verapdf"], jobs=1).problems
             if p.check == "page-validation"]
    assert [p.file for p in found] == [PDF] * len(found) and found
    assert any(p.message.startswith("PDFUA1-TAGGED-DOCUMENT-001:") for p in found)


def test_page_validation_finds_our_output_clean(ua_build):
    pytest.importorskip("page", reason="page-validation is not installed")
    found = verify(ua_build, ["pdf"], skip=["verapdf"], jobs=1).problems
    assert [p.line(ua_build) for p in found] == []


def test_skipping_page_validation_runs_nothing_and_says_nothing(ua_build):
    report = verify(ua_build, ["pdf"], skip=EXTERNAL, jobs=1)
    assert not [n for n in report.notes if "page-validation" in n or "verapdf" in n]


@pytest.mark.parametrize("module, note", [
    ("pikepdf", "PDF/UA checks skipped: pikepdf is not installed "
                "(pip install 'qtconvert[verify]')"),
    ("page", "page-validation skipped: the page-validation package is not installed "
             "(pip install page-validation)")])
def test_a_missing_package_is_one_note(ua_build, monkeypatch, module, note):
    monkeypatch.setitem(sys.modules, module, None)  # `import` raises ImportError, as uninstalled
    report = verify(ua_build, ["pdf"], skip=["verapdf"], jobs=1)
    assert report.notes == [note]
    assert report.problems == []


@pytest.mark.skipif(shutil.which("verapdf") is not None, reason="veraPDF is installed here")
def test_without_verapdf_a_note_says_so(ua_build):
    report = verify(ua_build, ["pdf"], skip=["page-validation"], jobs=1)
    assert report.problems == []
    assert [n for n in report.notes if n.startswith("verapdf skipped: `verapdf` is not on PATH")]


@pytest.mark.skipif(shutil.which("verapdf") is None, reason="veraPDF is not installed")
def test_verapdf_reports_a_planted_fault_under_its_own_name(ua_copy):
    change_pdf(ua_copy / PDF, lambda pdf: pdf.Root.__delitem__("/MarkInfo"))
    found = [p for p in verify(ua_copy, ["pdf"], skip=["page-validation"], jobs=1).problems
             if p.check == "verapdf"]
    assert found and {p.file for p in found} == {PDF}


def test_verapdf_json_report_is_read():
    # the shape of `verapdf --format json` (1.24 and later: validationResult is a list)
    report = {"report": {"jobs": [{"validationResult": [{"compliant": False, "details": {
        "ruleSummaries": [
            {"specification": "ISO 14289-1:2014", "clause": "7.1", "testNumber": 10,
             "status": "FAILED", "failedChecks": 1,
             "description": "The document catalog dictionary shall include a\n  "
                            "ViewerPreferences dictionary containing a DisplayDocTitle key",
             "checks": [{"status": "FAILED", "context": "root", "errorMessage":
                         "DisplayDocTitle entry is set to false"}]},
            {"specification": "ISO 14289-1:2014", "clause": "7.2", "testNumber": 34,
             "status": "passed", "failedChecks": 0}]}}]}]}}
    assert verapdf_messages(report) == [(
        "ISO 14289-1:2014 7.1-10: The document catalog dictionary shall include a "
        "ViewerPreferences dictionary containing a DisplayDocTitle key (1 failed checks; "
        "first: DisplayDocTitle entry is set to false at root)", "error")]
    broken = {"report": {"jobs": [{"taskException": {"exception": "Couldn't parse stream"}}]}}
    assert verapdf_messages(broken) == [("veraPDF could not check it: Couldn't parse stream",
                                         "error")]
