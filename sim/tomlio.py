"""Reading a TOML file into a pydantic model, with tpn's one-line errors."""

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import InputError


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; a file that is not readable UTF-8 TOML is a one-line error."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "file", str(path), "a .toml file, not a folder")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise InputError(path, "syntax", str(error), "valid TOML") from None
    except UnicodeDecodeError as error:
        raise InputError(
            path,
            "encoding",
            f"byte {error.object[error.start]:#04x} at {error.start}",
            "UTF-8 text",
        ) from None
    except OSError as error:
        raise InputError(path, "file", str(path), f"a readable file ({error.strerror})") from None


def read_model[M: BaseModel](path: Path, model: type[M], what: str) -> M:
    """Parse ``path`` as ``model``; the file's stem is its default ``name``."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            "command line",
            what,
            str(path),
            f"an {what} .toml file" if what[0] in "aeiou" else f"a {what} .toml file",
        )
    data = read_toml(path)
    data.setdefault("name", path.stem)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        location = ".".join(str(p) for p in problem["loc"]) or what
        raise InputError(path, location, problem.get("input"), allowed_text(problem)) from None


def allowed_text(problem: dict[str, Any]) -> str:
    """What is allowed, in words, from one pydantic error (``ValidationError.errors()[0]``)."""
    if problem["type"] == "too_short":
        count = problem["ctx"]["min_length"]
        return f"at least {count} value{'s' if count != 1 else ''}"
    if problem["type"] == "int_parsing_size":
        return "must be a whole number of a sensible size"
    message = problem["msg"]
    for prefix in ("Input should be ", "Value error, "):
        if message.startswith(prefix):
            return "must be " + message[len(prefix) :]
    return message
