"""Quotations in a line and their numbering across an article (annotator.text.quotes); the splitter's use of them is
tested through ``segment`` in test_segment.py."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.text.quotes import QuoteCounter, quote_spans


def quoted_texts(line: str) -> list[tuple[str, bool]]:
    return [(line[s:e], closed) for s, e, closed in quote_spans(line)]


def test_curly_and_straight_quotations_close() -> None:
    line = '“We will rebuild,” she said, and he added "soon".'
    assert quoted_texts(line) == [("“We will rebuild,”", True), ('"soon"', True)]


def test_an_apostrophe_is_not_a_closing_quote() -> None:
    line = "‘Ukraine’s army held,’ the minister said. It's 'final' now."
    assert quoted_texts(line) == [("‘Ukraine’s army held,’", True), ("'final'", True)]


def test_nested_quotation_is_one_top_level_span() -> None:
    line = "“He told me ‘never again’ twice,” she said."
    assert quoted_texts(line) == [("“He told me ‘never again’ twice,”", True)]


def test_unclosed_quotation_runs_to_the_end_of_the_line() -> None:
    line = "He said: “The river rose overnight and"
    assert quoted_texts(line) == [("“The river rose overnight and", False)]


def test_no_quotation_mark_no_span() -> None:
    assert quote_spans("It isn't over, the band's manager insisted") == []


@given(st.text(alphabet=st.sampled_from(list("ab .,“”‘’\"'")), max_size=40))
def test_spans_are_ordered_disjoint_and_inside_the_line(line: str) -> None:
    spans = quote_spans(line)
    end = 0
    for s, e, closed in spans:
        assert end <= s < e <= len(line)
        assert closed or e == len(line)
        end = e


def test_an_open_quotation_continues_into_a_paragraph_that_opens_with_a_quote_mark() -> None:
    counter = QuoteCounter()
    first = "“The water came fast. We had no warning."
    assert counter.assign(first, [(0, 21), (22, len(first))], quote_spans(first)) == [0, 0]
    second = "“By morning the street was gone,” she said."
    assert counter.assign(second, [(0, len(second))], quote_spans(second)) == [0]
    third = "“Nobody called,” he said."
    assert counter.assign(third, [(0, len(third))], quote_spans(third)) == [1]  # the previous one was closed


def test_a_paragraph_without_a_quote_mark_ends_the_carried_quotation() -> None:
    counter = QuoteCounter()
    first = "“The water came fast"
    assert counter.assign(first, [(0, len(first))], quote_spans(first)) == [0]
    second = "The street was gone."
    assert counter.assign(second, [(0, len(second))], quote_spans(second)) == [None]
    assert counter.carry is None
