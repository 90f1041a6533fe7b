"""The structure tree of a PDF/UA-1 file after `tag_repairs`: list items hold only Lbl and LBody,
and every link annotation sits in a Link element. Real WeasyPrint, read back with pikepdf."""

from __future__ import annotations

import pytest

from qtconvert.writers.pdf.weasy import write_pdf

pikepdf = pytest.importorskip("pikepdf", reason="pikepdf is not installed (extra [test])")

HTML = """<!DOCTYPE html><html lang="en"><head><title>Tags</title></head><body>
<h1 id="top">Tags</h1>
<ol><li><p>A loose item: its content is a paragraph.</p><div>and a block</div></li>
    <li>A tight item</li></ol>
<ul><li><p>One</p><ul><li><p>nested</p></li></ul></li></ul>
<p><a href="#top"><span>1</span> <span class="lang">C++</span> and more</a></p>
<p><a href="#top">plain</a></p>
<a href="#top" style="display: block"><ol><li><p>a list inside a link</p></li></ol></a>
</body></html>"""


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    target = tmp_path_factory.mktemp("tags") / "tags.pdf"
    write_pdf(HTML, target, base_dir=target.parent, variant="pdf/ua-1")
    with pikepdf.open(target) as pdf:
        yield pdf


def elements(pdf):
    """Every structure element, depth first."""
    stack = [pdf.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") == "/StructElem":
            yield node
            if "/K" in node:
                stack.append(node.K)


def kids(element) -> list:
    k = element.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def test_list_items_hold_only_labels_and_bodies(tagged):
    items = [e for e in elements(tagged) if e.S == "/LI"]
    assert len(items) == 5
    for item in items:
        names = [str(k.S) for k in kids(item) if isinstance(k, pikepdf.Dictionary)]
        assert set(names) <= {"/Lbl", "/LBody"}, names
    bodies = [e for e in elements(tagged) if e.S == "/LBody"]
    assert {str(k.S) for b in bodies for k in kids(b) if isinstance(k, pikepdf.Dictionary)
            and "/S" in k} >= {"/P", "/Div"}  # the loose item's blocks, now in its body
    assert all(b.P.S == "/LI" for b in bodies)


def test_every_link_annotation_sits_in_a_link_element(tagged):
    nums = tagged.Root.StructTreeRoot.ParentTree.Nums
    holders = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    annotations = [a for page in tagged.pages for a in page.obj.get("/Annots", [])
                   if a.Subtype == "/Link"]
    assert len(annotations) >= 4  # each link, and one more per span inside the first
    for annotation in annotations:
        holder = holders[int(annotation.StructParent)]
        assert holder.S == "/Link"
        assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                   and k.Obj.objgen == annotation.objgen for k in kids(holder))
    for element in elements(tagged):
        if element.S != "/Link":
            assert not [k for k in kids(element) if isinstance(k, pikepdf.Dictionary)
                        and k.get("/Type") == "/OBJR"], element.S
