"""Reading a TOML file into a pydantic model, with tpn's one-line errors."""

import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError

from sim.errors import InputError


def read_model[M: BaseModel](path: Path, model: type[M], what: str) -> M:
    """Parse ``path`` as ``model``; the file's stem is its default ``name``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "tpn",
            what,
            str(path),
            f"an {what} .toml file" if what[0] in "aeiou" else f"a {what} .toml file",
        )
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise InputError(path, "syntax", str(error), "valid TOML") from None
    data.setdefault("name", path.stem)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        location = ".".join(str(p) for p in problem["loc"]) or what
        message = (
            problem["msg"].removeprefix("Value error, ").replace("Input should be ", "must be ")
        )
        raise InputError(path, location, problem.get("input"), message) from None
