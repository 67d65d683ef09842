"""Typed domain errors that entry points turn into friendly replies."""

from __future__ import annotations


class PacerError(Exception):
    """Base class: something the user asked for cannot be done, with a message they can act on."""

    def __init__(self, message: str, *, example: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        self.field = field

    def __str__(self) -> str:
        return self.message


class InputError(PacerError):
    """Text or a form field could not be understood. `field` names the modal field when known."""


class FieldErrors(PacerError):
    """Several modal fields are wrong at once: `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotAllowed(PacerError):
    """The sender may not make this request."""


class NotFound(PacerError):
    """The thing referred to does not exist in this workspace."""
