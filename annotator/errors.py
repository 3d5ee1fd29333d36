"""Exceptions raised by the library; only the CLI and the HTTP backend turn them into messages."""


class AnnotatorError(Exception):
    """Base class for every error the library raises on purpose."""


class InputError(AnnotatorError):
    """An input (file, line, row, option) cannot be read or is not what the format says."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class SchemaError(AnnotatorError):
    """A data file under schemas/ is missing or malformed."""


class StudioError(AnnotatorError):
    """Label Studio answered with an error or could not be reached."""


class ModelError(AnnotatorError):
    """A model artefact cannot be trained, saved or loaded."""


class OutputError(AnnotatorError):
    """An output cannot be written (disk full, no permission, a directory or a device where a file was asked for);
    the previous file, if any, is left as it was."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
