"""The label set, loaded from ``schemas/label_config.xml``: the one place that defines it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from xml.etree import ElementTree

from annotator.errors import SchemaError
from annotator.resources import schema_path

CONFIG_NAME = "label_config.xml"
CHOICES_NAME = "label"  # the <Choices> control that carries the sentence label
SPANS_NAME = "span"  # the <Labels> control for Source / Cue regions
TEXT_NAME = "sentence"  # the <Text> object both controls point at
NOTE_NAME = "note"
#: The label with a role of its own: the ledger credits a contested claim to the party it disputes, and the report
#: lists contested claims. Checked against the config where it is used (``label_set().check(CONTESTED)``).
CONTESTED = "contested"


@dataclass(frozen=True)
class LabelSet:
    """What ``label_config.xml`` defines: the sentence labels, in config order, and the span labels."""

    labels: tuple[str, ...]
    span_labels: tuple[str, ...]
    config: str

    def check(self, label: str) -> str:
        """Return ``label`` if it is one of ours, else raise :class:`SchemaError` naming both sides."""
        if label not in self.labels:
            raise SchemaError(f"unknown label {label!r}; {CONFIG_NAME} defines {list(self.labels)}")
        return label


def _values(root: ElementTree.Element, tag: str, child: str, name: str) -> tuple[str, ...]:
    for node in root.iter(tag):
        if node.get("name") == name:
            values = tuple(v for c in node.iter(child) if (v := c.get("value")))
            if values:
                return values
    raise SchemaError(f"{CONFIG_NAME}: no <{tag} name={name!r}> with <{child}> values")


@cache
def label_set() -> LabelSet:
    """The label set of the shipped config (read once per process)."""
    path = schema_path(CONFIG_NAME)
    config = path.read_text(encoding="utf-8")
    try:
        root = ElementTree.fromstring(config)
    except ElementTree.ParseError as exc:
        raise SchemaError(f"{path}: not valid XML ({exc})") from exc
    return LabelSet(
        labels=_values(root, "Choices", "Choice", CHOICES_NAME),
        span_labels=_values(root, "Labels", "Label", SPANS_NAME),
        config=config,
    )


def labels() -> tuple[str, ...]:
    """The sentence labels, in the order the config lists them."""
    return label_set().labels
