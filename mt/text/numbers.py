"""The one number scanner of Arabic, English and Chinese text, shared by quality estimation (mt.qe.numbers) and
alignment (mt.alignment.sentence.anchors, mt.alignment.tokenize).

- ``DIGITS``: a str.translate table mapping Arabic-Indic, Persian and full-width digits to ASCII ones;
- ``NUMBER``: a run of digits with internal separators (``1,000``, ``3.5``, ``٣٫٥``, ``1٬000``); the separators
  are ``SEPARATORS`` (``.``, ``,``, the Arabic decimal ``٫`` and thousands ``٬``); scan the translated text;
- :func:`magnitude`: a magnitude word after a number (``1.2 million``, ``1.2 مليون``, ``120 万``, ``3亿``) as a power
  of ten; :func:`scaled` applies it exactly and :func:`decimal_text` writes a value as its shortest decimal.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９", "0123456789" * 3)
SEPARATORS = ".,\u066b\u066c"
NUMBER_PATTERN = rf"\d+(?:[{SEPARATORS}]\d+)*"
NUMBER = re.compile(NUMBER_PATTERN)

SCALES = {
    "thousand": 3,
    "million": 6,
    "billion": 9,
    "trillion": 12,
    "ألف": 3,
    "آلاف": 3,
    "ألفا": 3,
    "ألفين": 3,
    "مليون": 6,
    "ملايين": 6,
    "مليونا": 6,
    "مليوني": 6,
    "مليار": 9,
    "مليارات": 9,
    "مليارا": 9,
    "ملياري": 9,
    "بليون": 9,
    "تريليون": 12,
    "万亿": 12,
    "万": 4,
    "亿": 8,
    "千": 3,
}  # magnitude word -> power of ten
# English and Arabic words end at a word boundary (longest first); Chinese ones need none, but 千 only counts when
# no unit follows (千米 is a kilometre, 千克 a kilogram); 多 or 余 ("more than") may stand before them: 200多万
_WORDS = sorted((word for word in SCALES if not "\u4e00" <= word[0] <= "\u9fff"), key=len, reverse=True)
_MAGNITUDE = re.compile(
    rf"\s*(?:({'|'.join(_WORDS)})(?![^\W\d_])|[多余]?(万亿|万|亿|千(?![米克瓦焦赫字卡])))", re.IGNORECASE
)


def magnitude(text: str, end: int) -> tuple[int, int] | None:
    """The magnitude word starting at ``end`` (after optional spaces) as (power of ten, where it ends), or None."""
    match = _MAGNITUDE.match(text, end)
    if not match:
        return None
    return SCALES[(match.group(1) or match.group(2)).lower()], match.end()


def decimal_text(number: Decimal | float | int) -> str:
    """A value as its shortest decimal: 1200000, 3.5 (never an exponent)."""
    value = Decimal(str(number))
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def scaled(number: str, exponent: int) -> str:
    """A decimal string times 10**exponent, exactly: "1.2" and 6 give "1200000" (unchanged if not a number)."""
    try:
        return decimal_text(Decimal(number).scaleb(exponent))
    except InvalidOperation:
        return number
