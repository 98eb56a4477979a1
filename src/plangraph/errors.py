"""The one error root of plangraph: every error knows its exit code and HTTP status, and says where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Location:
    """Where in an input a problem is: file, line and column (1-based), or a field name."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)


class PlangraphError(Exception):
    """Base of every error plangraph reports to a user. Never carries a stack trace to a client."""

    exit_code = 2
    http_status = 500

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class InputError(PlangraphError):
    """Input that cannot be read or parsed (unknown file, broken Turtle, bad encoding)."""

    exit_code = 2
    http_status = 400


class SourceError(PlangraphError):
    """The plan's source text cannot be segmented into records."""

    exit_code = 2
    http_status = 500


class SetupError(PlangraphError):
    """Something the installation needs is missing (a dictionary, a file of the project)."""

    exit_code = 2
    http_status = 500


class NotConforming(PlangraphError):
    """Data that does not conform to the shapes."""

    exit_code = 1
    http_status = 422
