"""What the backend accepts (annotator.backend.checks), without a server: the forms of a project id Label Studio
sends, the text field a label config names, the tasks' texts and the basic-auth comparison. test_app.py sends the
same through HTTP."""

from __future__ import annotations

import base64

import pytest

from annotator.backend.checks import (
    BadRequestError,
    Settings,
    _ConfigCache,
    auth_ok,
    project_id,
    task_texts,
    text_key,
)
from annotator.labels import label_set


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), ("12.1700000000", 12), ({"id": 12, "title": "x"}, 12), ("12", 12)],
)
def test_project_id_in_each_form_label_studio_sends(value: object, expected: int) -> None:
    assert project_id(value) == expected


@pytest.mark.parametrize("value", [None, True, "x.12", {"title": "no id"}, 1.5])
def test_no_project_id(value: object) -> None:
    assert project_id(value) is None


def test_text_key_of_the_shipped_config_and_of_another_field() -> None:
    assert text_key(label_set().config) == "text"
    other = label_set().config.replace('value="$text"', 'value="$body"')
    assert other != label_set().config
    assert text_key(other) == "body"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("<View", "not valid XML"),
        ('<View><Text name="x" value="$x"/></View>', "label_config has no <Choices name='label'>"),
    ],
)
def test_text_key_refuses_a_config_without_our_controls(config: str, message: str) -> None:
    with pytest.raises(BadRequestError, match=message) as caught:
        text_key(config)
    assert caught.value.status == 422


def test_task_texts_in_order_and_each_refusal_names_the_task() -> None:
    tasks = [{"id": 1, "data": {"text": "a"}}, {"id": 2, "data": {"text": "b", "prev": "p"}}]
    # each sentence with the one before it in its article (a task's ``prev``; "" when it has none)
    assert task_texts(tasks, "text", Settings()) == [("a", ""), ("b", "p")]
    assert task_texts([{"id": 3, "data": {"text": "c", "prev": 7}}], "text", Settings()) == [("c", "")]
    assert task_texts([{"id": 4, "data": {"prev": "p"}}], "prev", Settings()) == [("p", "")]  # never itself
    with pytest.raises(BadRequestError, match=r"tasks\[1\] \(id 2\): data.text must be the sentence text; it is a int"):
        task_texts([tasks[0], {"id": 2, "data": {"text": 3}}], "text", Settings())
    with pytest.raises(BadRequestError, match="4 tasks in one request; the limit is 2") as caught:
        task_texts(tasks * 2, "text", Settings(max_tasks=2))
    assert caught.value.status == 413


def test_auth_ok_for_basic_auth_with_both_parts_or_the_secret_as_a_token() -> None:
    credentials = ("ls", "s3cret")
    assert auth_ok("Basic " + base64.b64encode(b"ls:s3cret").decode(), credentials)  # what Label Studio sends
    assert auth_ok("Token s3cret", credentials)
    assert auth_ok("bearer s3cret", credentials)
    assert not auth_ok(None, credentials)
    assert not auth_ok("", credentials)
    assert not auth_ok("Basic " + base64.b64encode(b"ls:s3cres").decode(), credentials)
    assert not auth_ok("Basic " + base64.b64encode(b"lt:s3cret").decode(), credentials)
    assert not auth_ok("Basic " + base64.b64encode(b"s3cret").decode(), credentials)  # no user part
    assert not auth_ok("Token s3cre", credentials)
    assert not auth_ok("Digest s3cret", credentials)
    assert not auth_ok("Basic ☃", credentials)  # not base64: refused, not an error
    assert not auth_ok("Token ☃", credentials)


def test_task_texts_refuses_a_text_over_the_limit() -> None:
    assert task_texts([{"data": {"text": "x" * 10}}], "text", Settings(max_text=10)) == [("x" * 10, "")]
    for data in ({"text": "x" * 11}, {"text": "x", "prev": "p" * 11}):
        with pytest.raises(BadRequestError, match="a text of 11 characters; the limit is 10") as caught:
            task_texts([{"id": 5, "data": data}], "text", Settings(max_text=10))
        assert caught.value.status == 413


def test_the_label_config_cache_is_bounded_in_characters() -> None:
    cache = _ConfigCache(budget=100, largest=60)
    cache.put("a" * 50, "a")
    cache.put("b" * 40, "b")
    cache.put("c" * 61, "c")  # larger than `largest`: never kept
    assert (cache.get("a" * 50), cache.get("b" * 40), cache.get("c" * 61)) == ("a", "b", None)
    cache.get("a" * 50)
    cache.put("d" * 30, "d")  # over the budget: the least recently used ("b"; "a" was just read) goes
    assert cache.size <= 100
    assert cache.get("b" * 40) is None and cache.get("a" * 50) == "a" and cache.get("d" * 30) == "d"
