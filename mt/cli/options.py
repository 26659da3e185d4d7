"""Option checks of the CLI commands (typer callbacks) and the decoding options built from mt.settings."""

from __future__ import annotations

import math
from typing import Any, Optional

import typer

from mt.settings import RANGES, DecodingSettings


def finite(value: Optional[float]) -> Optional[float]:
    """A typer callback: refuse nan and infinity, which every range check lets through (nan < x is False)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number")
    return value


def positive(value: Optional[float]) -> Optional[float]:
    """A typer callback: a finite number above 0."""
    checked = finite(value)
    if checked is not None and checked <= 0:
        raise typer.BadParameter(f"{value} is not above 0")
    return value


def decoding_option(field: str) -> Any:
    """The typer option of a DecodingSettings field, with the default, range and help declared once in
    mt.settings (RANGES; typer's help shows the range): a value out of range is refused before any work."""
    bounds = RANGES[field]
    default = DecodingSettings.__dataclass_fields__[field].default
    if bounds.above_low:  # typer has no open lower bound (its help would show only x<=high); positive refuses nan
        return typer.Option(
            default,
            bounds.option,
            max=bounds.high,
            callback=positive,
            help=f"{bounds.help} Range: {bounds.describe()}.",
        )
    return typer.Option(default, bounds.option, min=bounds.low, max=bounds.high, help=bounds.help)
