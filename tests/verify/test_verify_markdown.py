"""verify's Markdown checks: a fresh build is clean; a link to a missing file and a file that
does not read back are reported with their file."""

from __future__ import annotations

import pytest
from faults import copy_format

from qtconvert.verify import verify
from qtconvert.verify.markdown import relative_links

MD = "markdown/chemistry/how-do-you-balance-a-chemical-equation.md"


@pytest.fixture
def markdown_copy(sample_build, tmp_path):
    return copy_format(sample_build("markdown"), "markdown", tmp_path)


def problems(out) -> list[tuple[str, str, str]]:
    return [(p.file, p.check, p.message) for p in verify(out, jobs=1).problems]


def test_a_fresh_build_is_clean(sample_build):
    report = verify(sample_build("markdown"))
    assert report.problems == [] and len(report.summary["markdown"].files) == 31


def test_a_link_to_a_missing_file(markdown_copy):
    path = markdown_copy / MD
    path.write_text(path.read_text() + "\nSee [gone](../chemistry/gone.md#x) and "
                    "`[code](../not-a-link.md)`.\n")
    assert problems(markdown_copy) == [(MD, "link", "../chemistry/gone.md#x: no such file "
                                                    "in OUT")]


def test_a_file_that_does_not_read_back(markdown_copy):
    path = markdown_copy / MD
    path.write_text(path.read_text().replace("date: 2024-11-22", "date: someday"))
    found = problems(markdown_copy)
    assert [(p[0], p[1]) for p in found] == [(MD, "read-back")] and "date" in found[0][2]


def test_relative_links_skip_code_and_web_addresses():
    text = ('---\nrelated:\n- href: "../a/b.md#c"\n---\n[x](https://x.org) [y](../y.md "t")\n'
            "```\n[z](../z.md)\n```\n[w](#frag)\n")
    assert relative_links(text) == ["../y.md", "../a/b.md#c"]
