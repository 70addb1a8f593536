"""The one error type a user can cause, and its one-line message.

Every problem with a user's input (scenario file, world CSV, command-line value) is raised as an
:class:`InputError`. The command line prints its message on one line and exits with status 2, so
the message must name where the problem is, the field, the offending value and what is allowed.
"""

from pathlib import Path
from typing import Any


class InputError(Exception):
    """Bad user input: names the file, the field, the value and what is allowed."""

    def __init__(self, source: str | Path, field: str, value: Any, allowed: str) -> None:
        self.source = str(source)
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{self.source}: {field} = {_show(value)}: {allowed}")


class InputWarning(UserWarning):
    """Input that runs, but not quite as written (say, fewer choosers than pinned): the message
    has :class:`InputError`'s one-line format, and the command line prints it as a warning."""

    def __init__(self, source: str | Path, field: str, value: Any, allowed: str) -> None:
        super().__init__(str(InputError(source, field, value, allowed)))


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
