"""Who contests whom (:func:`with_targets`, run here through :func:`annotator.attribution.sources.attribute_one`):
the disputer of an active dispute cue, the targets named after it, in a possessive or in a recent sentence, and the
passive cues that have no disputer. Sentences written for these tests (fictional people and places)."""

from __future__ import annotations

from annotator.attribution.sources import ANONYMOUS, COLLECTIVE, attribute_one


def test_active_dispute_names_disputer_and_target() -> None:
    sentences = attribute_one(
        "a",
        [
            "Councillor Dev Patel said the school would close in June.",
            "But the mayor, Ines Kowal, said she could not confirm Patel's claims.",
        ],
    )
    (dispute,) = sentences[1].disputes
    assert dispute.disputer == "person:ines kowal"
    assert dispute.targets == ("person:dev patel",)


def test_denial_contests_the_previous_claim() -> None:
    sentences = attribute_one(
        "a",
        [
            "A person familiar with the mill said the boiler had failed an inspection.",
            "The company denied that any inspection had been failed.",
        ],
    )
    (dispute,) = sentences[1].disputes
    assert dispute.disputer == "org-role@a:company"
    assert dispute.targets == (sentences[0].primary.key,)
    assert sentences[0].primary.type == ANONYMOUS


def test_passive_dispute_has_no_disputer() -> None:
    sentences = attribute_one(
        "a",
        [
            "Several drivers said the signals had failed twice.",
            "Their accounts could not be independently verified.",
        ],
    )
    (dispute,) = sentences[1].disputes
    assert dispute.source is None
    assert dispute.targets == (sentences[0].primary.key,)


def test_passive_cue_contests_the_source_of_its_own_sentence() -> None:
    (s,) = attribute_one(
        "a",
        ["Several fishermen in Korva said the nets had been cut, although their accounts could not be verified."],
    )
    (dispute,) = s.disputes
    assert s.primary is not None and s.primary.type == COLLECTIVE
    assert dispute.disputer is None
    assert dispute.targets == (s.primary.key,)


def test_a_reporting_source_after_a_passive_cue_is_the_disputer() -> None:
    sentences = attribute_one(
        "a",
        [
            "Councillor Odile Brandt said the pool would reopen.",
            "Claims that the pool was unsafe were false, the leisure trust said.",
        ],
    )
    (dispute,) = sentences[1].disputes
    assert dispute.disputer == "org-role@a:leisure trust"
    assert sentences[1].primary is not None and sentences[1].primary.key == dispute.disputer
    assert dispute.targets == ("person:odile brandt",)


def test_a_possessive_names_the_target_over_the_latest_claim() -> None:
    sentences = attribute_one(
        "a",
        [
            "Councillor Odile Brandt said the pool would reopen.",
            "Surveyor Piet Lowe said the roof leaked.",
            "The union rejected Brandt's claims.",
        ],
    )
    (dispute,) = sentences[2].disputes
    assert dispute.targets == ("person:odile brandt",)


def test_a_denial_reaches_back_two_sentences_at_most() -> None:
    claim = "Councillor Odile Brandt said the pool would reopen."
    near = attribute_one("a", [claim, "The weather was mild.", "The union denied that."])
    far = attribute_one("a", [claim, "The weather was mild.", "It was sunny.", "The union denied that."])
    (reached,) = near[-1].disputes
    (unreached,) = far[-1].disputes
    assert reached.targets == ("person:odile brandt",)
    assert unreached.targets == ()
    assert unreached.disputer == reached.disputer == "org-role@a:union"
