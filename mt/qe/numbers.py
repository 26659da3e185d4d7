"""Numbers in Arabic, English and Chinese text, normalised to values so that both sides can be compared.

A number is found with its character span and one or more *readings* (exact decimal values as strings):

* Arabic-Indic, Persian and full-width digits count as ASCII digits; ``٫`` is a decimal point, ``٬`` a
  thousands separator; ``,`` or ``.`` before groups of three digits separates thousands (``1,000`` and
  ``1.000`` read 1000; ``3.5`` and ``3,5`` read 3.5); in Arabic the Arabic comma between groups of three
  digits, as some writers use it (``783،562``), separates thousands too (``1990، 1995`` is a list);
* UN-style groups separated by spaces: Arabic documents write 20,000 as ``000 20`` (the groups appear in
  reverse under right-to-left layout; the order as written is a second reading), English and Chinese as
  ``20 000``;
* a magnitude word after a number adds the scaled reading: ``1.2 million``, ``1.2 مليون``, ``120 万``, ``3亿``
  all read 1200000 and 300000000 respectively (the bare number stays a reading too);
* ranges (``10-20``) and percentages are two numbers and one number; years and ordinals (``21st``) are numbers;
* *soft* numbers: number words (English one..twenty and tens, Arabic واحد..عشرة, ordinals up to التاسع عشر,
  duals such as ساعتين, decades such as الستينيات, Chinese numerals such as 三十, 两百, 百分之五十), month
  names (also the Levantine ones the UN writes beside them: حزيران/يونيه), English ordinals and decades in
  digits (15th, 1960s) and Chinese centuries and decades in digits (20 世纪 60 年代 reads 20, 60 and 1960) can
  stand for a number on the other side, but a soft number is never required to appear. So are numbers inside
  a name or code (COVID-19, كوفيد-19, km2) and after a colon (the minutes of 11:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from mt.text.numbers import DIGITS, NUMBER, SEPARATORS, decimal_text, magnitude, scaled

_SPACE = "[ \u00a0\u202f\u2009]"
_AR_GROUPS = re.compile(rf"(?<![\d.,٫٬])\d{{3}}(?:{_SPACE}\d{{3}})*{_SPACE}\d{{1,3}}(?![\d.,٫٬]|{_SPACE}\d)")
_AR_COMMA_GROUPS = re.compile(r"(?<![\d.,٫٬،])\d{1,3}(?:،\d{3})+(?![\d٫٬،])")
_LTR_GROUPS = re.compile(rf"(?<![\d.,٫٬])\d{{1,3}}(?:{_SPACE}\d{{3}})+(?![\d.,٫٬]|{_SPACE}\d)")

_EN_WORDS: dict[str, float] = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_EN_WORDS.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "thousand": 1000,
        "million": 10**6,
        "billion": 10**9,
        "dozen": 12,
        "first": 1,
        "second": 2,
        "third": 3,
        "fourth": 4,
        "fifth": 5,
        "half": 0.5,
        "once": 1,
        "twice": 2,
    }
)
_EN_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_EN_WORD = re.compile(r"[A-Za-z]+")
_AR_WORDS = {
    "واحد": 1,
    "واحدة": 1,
    "اثنان": 2,
    "اثنين": 2,
    "اثنتان": 2,
    "اثنتين": 2,
    "ثلاثة": 3,
    "ثلاث": 3,
    "أربعة": 4,
    "أربع": 4,
    "خمسة": 5,
    "خمس": 5,
    "ستة": 6,
    "ست": 6,
    "سبعة": 7,
    "سبع": 7,
    "ثمانية": 8,
    "ثماني": 8,
    "تسعة": 9,
    "تسع": 9,
    "عشرة": 10,
    "عشر": 10,
    "عشرين": 20,
    "عشرون": 20,
    "ثلاثين": 30,
    "أربعين": 40,
    "خمسين": 50,
    "ستين": 60,
    "سبعين": 70,
    "ثمانين": 80,
    "تسعين": 90,
    "ثلاثون": 30,
    "أربعون": 40,
    "خمسون": 50,
    "ستون": 60,
    "سبعون": 70,
    "ثمانون": 80,
    "تسعون": 90,
    "مائة": 100,
    "مئة": 100,
    "ألف": 1000,
    "مليون": 10**6,
    "مليار": 10**9,
    "نصف": 0.5,
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "أبريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يوليو": 7,
    "أغسطس": 8,
    "سبتمبر": 9,
    "أكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    "يونيه": 6,
    "يوليه": 7,
    "شباط": 2,
    "آذار": 3,
    "نيسان": 4,
    "أيار": 5,
    "حزيران": 6,
    "تموز": 7,
    "آب": 8,
    "أيلول": 9,
    "الأول": 1,
    "الثاني": 2,
    "الثالث": 3,
    "الرابع": 4,
    "الخامس": 5,
    "السادس": 6,
    "السابع": 7,
    "الثامن": 8,
    "التاسع": 9,
    "العاشر": 10,
    "الأولى": 1,
    "الثانية": 2,
    "الثالثة": 3,
    "الرابعة": 4,
    "الخامسة": 5,
    "السادسة": 6,
    "السابعة": 7,
    "الثامنة": 8,
    "التاسعة": 9,
    "العاشرة": 10,
    "ساعتين": 2,
    "يومين": 2,
    "عامين": 2,
    "سنتين": 2,
    "شهرين": 2,
    "مرتين": 2,
    "دقيقتين": 2,
    "أسبوعين": 2,
    "ألفين": 2000,
    "مئات": 100,
    "آلاف": 1000,
    "عشرينيات": 1920,
    "ثلاثينيات": 1930,
    "أربعينيات": 1940,
    "خمسينيات": 1950,
    "ستينيات": 1960,
    "سبعينيات": 1970,
    "ثمانينيات": 1980,
    "تسعينيات": 1990,
}
#: the Levantine months of two words (the others are in _AR_WORDS): تشرين الأول is October
_AR_MONTH_PAIRS = re.compile(r"(تشرين|كانون)\s+(الأول|الثاني)")
_AR_MONTH_PAIR_VALUE = {("تشرين", "الأول"): 10, ("تشرين", "الثاني"): 11, ("كانون", "الأول"): 12, ("كانون", "الثاني"): 1}
_AR_ORDINALS = ("حادي", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع")
_AR_TEENS = re.compile(
    r"(?:ال)?(" + "|".join(_AR_ORDINALS) + r"|أحد|إحدى|اثنا|اثنى|اثني|اثنتا|ثلاثة|ثلاث|أربعة|أربع|"
    r"خمسة|خمس|ستة|ست|سبعة|سبع|ثمانية|ثماني|تسعة|تسع)\s+(?:ال)?عشرة?(?![\u0621-\u064a])"
)
_AR_TEEN_VALUE = dict(zip(_AR_ORDINALS, range(11, 20))) | {
    "أحد": 11,
    "إحدى": 11,
    "اثنا": 12,
    "اثنى": 12,
    "اثني": 12,
    "اثنتا": 12,
    "ثلاثة": 13,
    "ثلاث": 13,
    "أربعة": 14,
    "أربع": 14,
    "خمسة": 15,
    "خمس": 15,
    "ستة": 16,
    "ست": 16,
    "سبعة": 17,
    "سبع": 17,
    "ثمانية": 18,
    "ثماني": 18,
    "تسعة": 19,
    "تسع": 19,
}
_EN_SOFT_DIGITS = re.compile(r"(?<![\d.,])\d+(?:st|nd|rd|th|s)\b")
_AR_WORD = re.compile(r"[\u0621-\u064a]+")
_AR_PREFIX = re.compile(r"^(?:و|ف|ب|ل|وب|ول|ال|وال|بال|لل)(?=..)")
_ZH_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMERAL = re.compile(r"[〇零一二两三四五六七八九十百千万亿]+")


@dataclass(frozen=True)
class Number:
    """One number in a text: its span, its readings (normalised values) and whether it is a soft one."""

    start: int
    end: int
    text: str
    readings: frozenset[str]
    soft: bool = False
    value: str = ""  # the reading the writing convention gives (UN groups right to left, 1,000 a thousand)


def _plain_readings(raw: str) -> set[str]:
    """Readings of a digit string with separators (see the module docstring)."""
    parts = re.split(f"([{SEPARATORS}])", raw)
    digits, seps = parts[0::2], parts[1::2]
    readings = set()
    if all(len(p) == 3 for p in digits[1:]) and "٫" not in seps:
        readings.add(decimal_text(int("".join(digits))))  # thousands groups
    if len(digits) == 2 and "٬" not in seps:
        readings.add(decimal_text(Decimal(f"{digits[0]}.{digits[1]}")))  # a decimal fraction
    if len(digits) > 2 and not readings:  # a date or version such as 17.11.2016: its parts
        readings.update(decimal_text(int(p)) for p in digits)
    return readings or {decimal_text(int(digits[0]))}


def _convention(raw: str, readings: set[str]) -> str:
    """The one reading of a digit string the writing convention gives: groups of three after ``,``/``.``/``٬``
    are thousands (``1,200`` is 1200), a single ``٫``, ``.`` or ``,`` before other digits a decimal point."""
    digits = re.split(f"[{SEPARATORS}]", raw)
    if len(digits) > 1 and all(len(p) == 3 for p in digits[1:]) and "٫" not in raw:
        return decimal_text(int("".join(digits)))
    return min(readings, key=lambda r: (len(r), r)) if len(readings) > 1 else next(iter(readings))


def _scaled(readings: set[str], text: str, end: int) -> set[str]:
    """The readings, and each scaled by a magnitude word after the number (mt.text.numbers.magnitude)."""
    found = magnitude(text, end)
    return readings | {scaled(reading, found[0]) for reading in readings} if found else readings


def _digit_numbers(text: str, lang: str) -> list[Number]:
    ascii_text = text.translate(DIGITS)
    if lang == "ar":  # 783،562: the Arabic comma between digit groups of three is a thousands separator
        ascii_text = _AR_COMMA_GROUPS.sub(lambda m: m.group().replace("،", "٬"), ascii_text)
    found: list[Number] = []
    taken = [False] * len(text)
    grouped = _AR_GROUPS if lang == "ar" else _LTR_GROUPS
    for match in grouped.finditer(ascii_text):
        groups = re.split(_SPACE, match.group())
        # Arabic: the groups right to left (UN), or as written (left-to-right digits in other sources)
        orders = [groups[::-1], groups] if lang == "ar" else [groups]
        value = decimal_text(int("".join(orders[0])))
        readings = _scaled({decimal_text(int("".join(o))) for o in orders}, ascii_text, match.end())
        found.append(
            Number(match.start(), match.end(), text[match.start() : match.end()], frozenset(readings), value=value)
        )
        taken[match.start() : match.end()] = [True] * (match.end() - match.start())
    for match in NUMBER.finditer(ascii_text):
        if taken[match.start()]:
            continue
        plain = _plain_readings(match.group())
        readings = _scaled(plain, ascii_text, match.end())
        found.append(
            Number(
                match.start(),
                match.end(),
                text[match.start() : match.end()],
                frozenset(readings),
                value=_convention(match.group(), plain),
            )
        )
    return found


def _zh_numeral(raw: str) -> int | None:
    """The value of a Chinese numeral such as 三十五, 两百, 一万二千 (None when it does not parse)."""
    total, section, digit = 0, 0, None
    for char in raw:
        if char in _ZH_DIGIT:
            if digit is not None:  # digit strings like 二〇一六 read digit by digit
                return int("".join(str(_ZH_DIGIT[c]) for c in raw)) if all(c in _ZH_DIGIT for c in raw) else None
            digit = _ZH_DIGIT[char]
        elif char in _ZH_UNIT:
            section += (1 if digit is None else digit) * _ZH_UNIT[char]
            digit = None
        else:  # 万 or 亿
            total = (total + section + (digit or 0)) * (10_000 if char == "万" else 100_000_000)
            section, digit = 0, None
    return total + section + (digit or 0)


def _soft_numbers(text: str, lang: str) -> list[Number]:
    found = []
    if lang == "en":
        for m in _EN_WORD.finditer(text):
            word = m.group().lower()
            en_value = _EN_WORDS.get(word, _EN_MONTHS.get(word))
            if en_value is not None:
                found.append(Number(m.start(), m.end(), m.group(), frozenset({decimal_text(en_value)}), soft=True))
    elif lang == "ar":
        for m in _AR_TEENS.finditer(text):
            found.append(
                Number(m.start(), m.end(), m.group(), frozenset({decimal_text(_AR_TEEN_VALUE[m.group(1)])}), soft=True)
            )
        for m in _AR_MONTH_PAIRS.finditer(text):
            found.append(
                Number(
                    m.start(),
                    m.end(),
                    m.group(),
                    frozenset({decimal_text(_AR_MONTH_PAIR_VALUE[m.group(1), m.group(2)])}),
                    soft=True,
                )
            )
        for m in _AR_WORD.finditer(text):
            word = m.group()
            value = _AR_WORDS.get(word, _AR_WORDS.get(_AR_PREFIX.sub("", word)))
            if value is not None:
                found.append(Number(m.start(), m.end(), word, frozenset({decimal_text(value)}), soft=True))
    else:
        for m in _ZH_NUMERAL.finditer(text):
            value = _zh_numeral(m.group())
            after_digit = m.start() > 0 and text[m.start() - 1].translate(DIGITS).isdigit()
            if value and not after_digit and m.group()[0] not in "万亿":
                found.append(Number(m.start(), m.end(), m.group(), frozenset({decimal_text(value)}), soft=True))
    return found


#: Chinese centuries and decades: 20 世纪 (20th century), 20 世纪 60 年代 (the 1960s); Arabic writes them in words
_ZH_CENTURY = re.compile(r"(\d{1,2})\s*世纪(?:\s*(\d0)\s*年代)?")


def _zh_centuries(text: str, numbers: list[Number]) -> list[Number]:
    """``numbers`` with the digits of each Chinese century or decade replaced by one soft number reading the
    century, the decade's two digits and its year (20 世纪 60 年代: 20, 60 and 1960)."""
    ascii_text = text.translate(DIGITS)
    for match in _ZH_CENTURY.finditer(ascii_text):
        century, decade = int(match.group(1)), match.group(2)
        readings = {str(century)} | ({decade, str((century - 1) * 100 + int(decade))} if decade else set())
        numbers = [n for n in numbers if not match.start() <= n.start < match.end()]
        numbers.append(
            Number(match.start(), match.end(), text[match.start() : match.end()], frozenset(readings), soft=True)
        )
    return sorted(numbers, key=lambda n: (n.start, n.end))


_NAMED = re.compile(r"(?:[A-Za-z]|[^\W\d_]{2}[-\u2010\u2011])$|:$")


def _in_name(text: str, start: int) -> bool:
    """A number written into a name or code (COVID-19, كوفيد-19, km2, 4x4) or after a colon (the minutes of
    11:00): the other side may write the name (新冠) or the time (11 点) without it."""
    return bool(_NAMED.search(text[max(0, start - 3) : start]))


_ENUMERATION = re.compile(r"\s*[(\[]?\d{1,3}[)\].\-\u2013]?\s*[-.)\u2013]\s")


def find_numbers(text: str, lang: str) -> list[Number]:
    """Every number of ``text`` in language ``lang`` (ar, en or zh), digit numbers and soft ones, by position.
    A paragraph number opening the text (``10- ``, ``37. ``, ``(a) 3) ``) is soft: translations often drop it."""
    numbers = sorted(_digit_numbers(text, lang) + _soft_numbers(text, lang), key=lambda n: (n.start, n.end))
    if lang == "zh":
        numbers = _zh_centuries(text, numbers)
    if lang == "en":  # ordinals and decades (15th, 1960s): Arabic writes them in words, so they are soft
        soft = {m.start() for m in _EN_SOFT_DIGITS.finditer(text.translate(DIGITS))}
        numbers = [Number(n.start, n.end, n.text, n.readings, True, n.value) if n.start in soft else n for n in numbers]
    numbers = [
        Number(n.start, n.end, n.text, n.readings, True, n.value) if _in_name(text, n.start) else n for n in numbers
    ]
    enumeration = _ENUMERATION.match(text.translate(DIGITS))
    if numbers and enumeration and numbers[0].end <= enumeration.end():
        first = numbers[0]
        numbers[0] = Number(first.start, first.end, first.text, first.readings, True, first.value)
    return numbers
