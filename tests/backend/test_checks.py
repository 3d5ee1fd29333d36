"""What the backend accepts (annotator.backend.checks), without a server: the forms of a project id Label Studio
sends, the text field a label config names, the tasks' texts and the basic-auth comparison. test_app.py sends the
same through HTTP."""

from __future__ import annotations

import pytest

from annotator.backend.checks import BadRequestError, Settings, auth_ok, project_id, task_texts, text_key
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


def test_auth_ok_only_for_the_exact_header() -> None:
    expected = "Basic bHM6czNjcmV0"
    assert auth_ok(expected, expected)
    assert not auth_ok(None, expected)
    assert not auth_ok("Basic bHM6czNjcmV1", expected)
    assert not auth_ok("Basic ☃", expected)  # not latin-1: refused, not an error
