"""Source keys and outlets (annotator.attribution.aliases); the keys that ``attribute`` gives real articles are tested
in test_sources.py."""

from __future__ import annotations

import pytest

from annotator.attribution.aliases import AliasIndex, infer_outlet, portable_key, scoped_key


def test_a_scoped_key_is_portable_without_its_article() -> None:
    key = scoped_key("anonymous", "art-1", "officials")
    assert key == "anonymous@art-1:officials"
    assert portable_key(key, "art-1") == portable_key(scoped_key("anonymous", "art-2", "officials"), "art-2")
    assert portable_key("org:acme", "art-1") == "org:acme"  # a corpus-wide key has no scope to drop


@pytest.mark.parametrize(
    ("text", "outlet"),
    [
        ("By Tamsin Rowe, Harbour Gazette | 3 May\n\nThe river rose.", "Harbour Gazette"),
        ("The Kirkhaven Record | Science | Tuesday\n\nThe river rose.", "Kirkhaven Record"),
        ("The river rose.\n\nCopyright © 2024 The Lowfield Star. All rights reserved.", "Lowfield Star"),
    ],
)
def test_infer_outlet_from_the_article_furniture(text: str, outlet: str) -> None:
    assert infer_outlet(text) == outlet


def test_no_outlet_from_a_name_that_is_not_one() -> None:
    assert infer_outlet("By Tamsin Rowe, Jane Smith | 3 May\n\nThe river rose.") is None


def test_a_known_outlet_is_found_by_its_last_word() -> None:
    index = AliasIndex()
    folded = index.add_outlet("The Harbour Gazette")
    assert folded == "harbour gazette"
    assert index.outlets[folded] == "Harbour Gazette"
    assert index.outlet_key("the gazette") == "outlet:harbour gazette"
    assert index.outlet_key("the courier") == "outlet:courier"  # no known outlet ends so: its own key
