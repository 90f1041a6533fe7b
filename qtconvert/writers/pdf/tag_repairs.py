"""Two repairs to the structure tree WeasyPrint 70 writes for a tagged PDF (PDF/UA-1), made on
its pydyf objects just before the file is written (`write_pdf`'s finisher):

- **List bodies.** A list item whose content is blocks (`<li><p>…</p></li>`, as in every loose
  Markdown list) gets its P and Div elements straight under LI, where ISO 14289-1 7.6 (by way
  of ISO 32000-1 14.8.4.3.3) allows only Lbl and LBody. Each run of such children is wrapped
  in one LBody.
- **Link annotations.** WeasyPrint gives every box inside a link an annotation of its own, and
  tags the annotation with the box's own element: a `<span>` in a link (the contents page's
  number, `C++` kept on one line) leaves a link annotation in a Span. ISO 14289-1 7.18.5 wants
  each link annotation in a Link element, so the annotation moves up to the nearest Link
  element above it.

Nothing else changes: the marked content and the order of the tree stay as WeasyPrint wrote
them."""

from __future__ import annotations

__all__ = ["repair_tags"]

_LIST_ITEM_KIDS = ("/Lbl", "/LBody")


def repair_tags(document, pdf) -> None:
    """Repair `pdf` (a pydyf.PDF about to be written) in place; untagged PDFs are left alone."""
    root_reference = pdf.catalog.get("StructTreeRoot")
    if root_reference is None:
        return
    parent_tree = _deref(pdf, _deref(pdf, root_reference)["ParentTree"])
    _annotations_into_links(pdf, parent_tree["Nums"])  # first: a list item may hold one
    _wrap_list_bodies(pdf)


def _deref(pdf, reference):
    """The object `reference` (b"12 0 R") names; anything else is returned as it is."""
    if isinstance(reference, bytes) and reference.endswith(b" R"):
        return pdf.objects[int(reference.split()[0])]
    return reference


def _structure(pdf, kid):
    """The structure element `kid` refers to, or None for a marked-content id or an OBJR."""
    element = _deref(pdf, kid)
    if isinstance(element, dict) and element.get("Type") == "/StructElem":
        return element
    return None


def _wrap_list_bodies(pdf) -> None:
    import pydyf

    for item in list(pdf.objects):
        if not isinstance(item, dict) or item.get("S") != "/LI":
            continue
        kids, body = pydyf.Array(), None
        for kid in item["K"]:
            element = _structure(pdf, kid)
            if element is not None and element["S"] in _LIST_ITEM_KIDS:
                kids.append(kid)
                body = None
                continue
            if body is None:
                body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody",
                                         "K": pydyf.Array(), "P": item.reference})
                if "Pg" in item:
                    body["Pg"] = item["Pg"]
                pdf.add_object(body)
                kids.append(body.reference)
            body["K"].append(kid)
            if element is not None:
                element["P"] = body.reference
        item["K"] = kids


def _annotations_into_links(pdf, nums) -> None:
    """`nums` is the parent tree's number array: page numbers map to arrays of elements (one
    per marked-content id), annotation numbers map to the one element holding the annotation."""
    for at in range(0, len(nums), 2):
        holder = _deref(pdf, nums[at + 1])
        if not isinstance(holder, dict) or holder.get("S") in (None, "/Link"):
            continue  # a page's array, or already in a Link
        link = _link_above(pdf, holder)
        if link is None:
            continue
        moved = [kid for kid in holder["K"] if _is_annotation(pdf, kid)]
        if not moved:
            continue
        holder["K"] = type(holder["K"])(kid for kid in holder["K"] if kid not in moved)
        link["K"].extend(moved)
        nums[at + 1] = link.reference


def _link_above(pdf, element):
    parent = _deref(pdf, element.get("P"))
    while isinstance(parent, dict) and parent.get("Type") == "/StructElem":
        if parent["S"] == "/Link":
            return parent
        parent = _deref(pdf, parent.get("P"))
    return None


def _is_annotation(pdf, kid) -> bool:
    """Whether `kid` refers to a link annotation (not a form field's widget)."""
    target = _deref(pdf, kid)
    if not isinstance(target, dict) or target.get("Type") != "/OBJR":
        return False
    annotation = _deref(pdf, target.get("Obj"))
    return isinstance(annotation, dict) and annotation.get("Subtype") == "/Link"
