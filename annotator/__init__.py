"""annotator: split scraped news into sentences and label who stands behind each claim."""

__version__ = "0.1.0"
