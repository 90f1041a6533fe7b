"""Colour contrast as WCAG 2.x defines it, for the books' covers, title pages and accents.

Relative luminance uses the sRGB transfer function with its threshold 0.04045 (the sRGB
standard's value; WCAG's older text said 0.03928, which changes no 8-bit colour's result).
"""

from __future__ import annotations

__all__ = ["luminance", "contrast", "WHITE", "BLACK"]

WHITE, BLACK = "#ffffff", "#000000"


def _rgb(colour: str) -> tuple[float, float, float]:
    """`#rgb` or `#rrggbb` -> channels from 0 to 1; a ValueError for anything else."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(colour: str) -> float:
    """The WCAG relative luminance of a `#rrggbb` colour (0 black to 1 white)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
