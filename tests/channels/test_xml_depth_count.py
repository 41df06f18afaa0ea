"""channels.wecom.xml._deeper_than: a tree of at most `limit` elements is answered by counting (it cannot nest deeper);
larger trees are walked. Same answers as the walk on both sides of the limit."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement

import pytest

from channels.errors import CallbackRejected
from channels.wecom.xml import MAX_XML_DEPTH, _deeper_than, parse_xml


def _chain(depth: int, extra_siblings: int = 0) -> Element:
    root = Element("xml")
    el = root
    for i in range(depth - 1):
        el = SubElement(el, f"L{i}")
    for i in range(extra_siblings):
        SubElement(root, f"S{i}")
    return root


def _walk(root: Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in el)
    return False


@pytest.mark.parametrize("depth", [1, 2, 15, 16, 17, 40])
@pytest.mark.parametrize("siblings", [0, 5, 30])
def test_same_answer_as_the_walk(depth: int, siblings: int) -> None:
    root = _chain(depth, siblings)
    assert _deeper_than(root, MAX_XML_DEPTH) is _walk(root, MAX_XML_DEPTH) is (depth > MAX_XML_DEPTH)


def test_a_wide_shallow_callback_parses_and_a_deep_one_is_refused() -> None:
    wide = "<xml>" + "".join(f"<F{i}>v</F{i}>" for i in range(40)) + "</xml>"
    assert len(parse_xml(wide)) == 40
    deep = "<xml>" + "<a>" * MAX_XML_DEPTH + "x" + "</a>" * MAX_XML_DEPTH + "</xml>"
    with pytest.raises(CallbackRejected) as exc:
        parse_xml(deep)
    assert exc.value.reason == "xml_too_deep"
