"""What a stated value is and when two are the same: the kind of a value (a quantity, a time, a name, other
words), quantities in their units ("5 miles" = "8 km", "£7m", "a thousand"), dates that do not contradict
("Sept. 21" = "21 September 2022"), initials and spellings. Used by `rag.conflicts` to tell a disagreement
from the same value in other words or units."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from rag.text import NUMBER_WORDS, STOPWORDS, Number, numbers, spelled_numbers, words
from rag.text.dates import MONTH, WEEKDAYS, date_parts, day_key


def fits(value: str, kind: str, opens: bool = False) -> bool:
    """The value is of the asked kind: a quantity, a date, year or time from now ("next week"), a name (for
    people and places), words that are not only a number, a date or a measure (for things), any of these (for
    questions of no kind). `opens`: the value opens its sentence."""
    if kind == "quantity":
        return bool(quantities(value))
    if kind == "time":
        return bool(date_parts(value) or _RELATIVE_TIME.search(value))
    if kind in ("person", "place"):
        return is_name(value, opens)
    if kind == "other":
        return bool(quantities(value) or date_parts(value)) or fits(value, "thing", opens)
    if date_parts(value) or any(dimension for _, dimension, _ in quantities(value)):
        return False  # "since March", "in five months": when and how long, not what
    return any(w[0].isalpha() and not _CALENDAR_OR_NUMBER.fullmatch(w) for w in _meaningful(value))


def alike(a: str, b: str, opens_a: bool, opens_b: bool) -> bool:
    """For questions of no kind, two values of one type: two times, two quantities, or two names (or a name
    and other words: "a bicycle accident", "Acetaminophen"); not a time against a clause ("Monday", "was
    inundated with water")."""
    types = {_value_type(a, opens_a), _value_type(b, opens_b)}
    return len(types) == 1 and types != {"words"} or types == {"name", "words"}


def _value_type(value: str, opens: bool) -> str:
    if date_parts(value) or _RELATIVE_TIME.search(value):
        return "time"
    if quantities(value):
        return "quantity"
    return "name" if is_name(value, opens) else "words"


_RELATIVE_TIME = re.compile(
    rf"\b(?:today|tonight|tomorrow|yesterday|(?:next|last|this|coming|past)\s+(?:week|month|year|weekend|"
    rf"decade|century|{WEEKDAYS})|(?:a\s+few|several|a\s+couple\s+of|\d+|{NUMBER_WORDS})\s+(?:days|weeks|months|"
    rf"years|decades))\b",
    re.I,
)


def is_name(value: str, opens: bool = False) -> bool:
    """Most of the value's meaningful words are capitalised (or hold digits: "Blink-182"), not a clause that
    mentions a name ("If Roe were overturned"). A single capital opening the sentence says nothing: "Photos",
    "Celebrated" are capitalised there as any word is."""
    meaningful = _meaningful(value)
    capitals = [w for w in meaningful if w[0].isupper() or any(c.isupper() or c.isdigit() for c in w[1:])]
    if opens and len(capitals) == 1 and meaningful and capitals[0] == meaningful[0]:
        return False
    return bool(capitals) and 2 * len(capitals) >= len(meaningful)


def _meaningful(value: str) -> list[str]:
    return [w for w in words(value) if w.lower() not in STOPWORDS and not _CALENDAR_OR_NUMBER.fullmatch(w)]


CALENDAR = re.compile(rf"{MONTH}|{WEEKDAYS}")
_CALENDAR_OR_NUMBER = re.compile(rf"{MONTH}|{WEEKDAYS}|{NUMBER_WORDS}", re.I)


# -- the same value in other words or units

_SUFFIX_SCALE = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
_SCALED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(k|m|mn|bn|b|tn)\b", re.I)
_UNITS: dict[str, tuple[str, float]] = {}
for _names, _dimension, _factor in (
    ("m metre metres meter meters", "length", 1.0),
    ("km kilometre kilometres kilometer kilometers", "length", 1e3),
    ("cm centimetre centimetres centimeter centimeters", "length", 1e-2),
    ("mm millimetre millimetres millimeter millimeters", "length", 1e-3),
    ("mi mile miles", "length", 1609.344),
    ("ft foot feet", "length", 0.3048),
    ("yd yard yards", "length", 0.9144),
    ("kg kilo kilos kilogram kilograms kilogramme kilogrammes", "mass", 1.0),
    ("g gram grams gramme grammes", "mass", 1e-3),
    ("lb lbs", "mass", 0.45359237),
    ("t tonne tonnes", "mass", 1e3),
    ("l litre litres liter liters", "volume", 1.0),
    ("gallon gallons", "volume", 3.785411784),
    ("mph", "speed", 0.44704),
    ("kph km/h kmh", "speed", 1 / 3.6),
    ("second seconds sec secs", "duration", 1.0),
    ("minute minutes min mins", "duration", 60.0),
    ("hour hours hr hrs", "duration", 3600.0),
    ("day days", "duration", 86400.0),
    ("week weeks", "duration", 604800.0),
    ("month months", "duration", 2629800.0),
    ("year years yr yrs", "duration", 31557600.0),
    ("% percent per-cent", "percent", 1.0),
    ("$ dollar dollars usd", "usd", 1.0),
    ("£ gbp sterling", "gbp", 1.0),
    ("€ euro euros eur", "eur", 1.0),
):
    for _name in _names.split():
        _UNITS[_name] = (_dimension, _factor)
_UNIT_AFTER = re.compile(r"(?:\s*|-)(%|per cent|km/h|[a-z]+/?[a-z]*)", re.I)
_TEMPERATURE = re.compile(r"\s*(?:°\s*|degrees?\s+)?([CF])(?:elsius|ahrenheit)?\b")
CONVERTED_TOLERANCE = 0.05
"""Relative difference within which a value converted from other units is the same (a converted value is
rounded: "3 miles (4.8 km)"); values in the same unit must agree within 1%."""


def quantities(text: str) -> list[tuple[float, str | None, float]]:
    """(value in the unit's base, dimension or None, the unit's factor) of each number in the text, written in
    digits or in words, with scales ("£7m", "1.2 million") and units ("5 miles", "40C", "12 per cent")."""
    return [(value, dimension, factor) for value, dimension, _, factor in measured_quantities(text)]


def measured_quantities(text: str) -> list[tuple[float, str | None, int, float]]:
    """(value in the unit's base, dimension or None, offset, the unit's factor) of each number in the text."""
    found = []
    taken: list[tuple[int, int]] = []
    spans = numbers(text)
    spans += [
        Number(float(m[1]) * _SUFFIX_SCALE[m[2].lower()], m[0], m.start(), m.end()) for m in _SCALED.finditer(text)
    ]
    spans += spelled_numbers(text)
    for number in sorted(spans, key=lambda n: (n.start, -len(n.written))):
        value, written, offset, end = number.value, number.written, number.start, number.end
        if any(s <= offset < e for s, e in taken):
            continue
        taken.append((offset, end))
        dimension, factor = None, 1.0
        before = text[max(0, offset - 1) : offset]
        temperature = _TEMPERATURE.match(text, end)
        unit = _UNIT_AFTER.match(text, end)
        if written.endswith("%") or written.lower().endswith("percent"):
            dimension = "percent"
        elif temperature:
            dimension = "temperature"
            factor = 1.8 if temperature[1].lower() == "f" else 1.0
            value = (value - 32) / 1.8 if factor != 1.0 else value
        elif before in _UNITS:
            dimension, factor = _UNITS[before]
        elif unit and unit[1].lower().replace(" ", "-") in _UNITS:
            dimension, factor = _UNITS[unit[1].lower().replace(" ", "-")]
        if dimension != "temperature":
            value *= factor
        found.append((value, dimension, offset, factor))
    return found


_ASKED_UNIT = re.compile(r"\bhow (?:many|much)\s+([\w%$£€/-]+)", re.I)
ASKED_COUNT = re.compile(r"\bhow many\s+\w", re.I)


def asked_measure(question: str) -> str | None:
    """The measure a how-many question asks for when it names a unit ("how many days", "how many miles")."""
    match = _ASKED_UNIT.search(question)
    unit = _UNITS.get(match[1].lower()) if match else None
    return unit[0] if unit else None


def same_quantity(a: tuple[float, str | None, float], b: tuple[float, str | None, float]) -> bool:
    """One quantity: within 1% in one unit, within CONVERTED_TOLERANCE when one was converted from the other."""
    (value_a, dimension_a, factor_a), (value_b, dimension_b, factor_b) = a, b
    if not (dimension_a and dimension_b):  # "20 years" and "a 20-year sentence": the numbers as written
        value_a, value_b = value_a / factor_a, value_b / factor_b
    converted = dimension_a and dimension_b and factor_a != factor_b
    tolerance = CONVERTED_TOLERANCE if converted else 0.01
    return abs(value_a - value_b) <= tolerance * max(abs(value_a), abs(value_b), 1.0)


def different_values(a: str, b: str) -> bool:
    """The two values disagree. Not when they are one value in other words: the same phrase more or less fully
    ("Putin", "Vladimir Putin"), initials ("US", "United States"), the same quantity in words, digits or other
    units ("a thousand" and "1,000", "5 miles" and "8 km"), dates that do not contradict each other ("Sept. 21"
    and "21 September 2022"); nor when they measure different things ("5 km", "5 hours": other questions)."""
    key_a, key_b = phrase_key(a), phrase_key(b)
    if key_a == key_b or same_phrase(key_a, key_b) or _initials(a, b) or _initials(b, a) or _spelling(key_a, key_b):
        return False
    dates_a, dates_b = date_parts(a), date_parts(b)
    if dates_a and dates_b:
        return dates_a.contradicts(dates_b)
    amounts_a, amounts_b = quantities(a), quantities(b)
    if amounts_a and amounts_b:
        comparable = [(x, y) for x in amounts_a for y in amounts_b if not (x[1] and y[1] and x[1] != y[1])]
        return bool(comparable) and not any(same_quantity(x, y) for x, y in comparable)
    return True


SPELLING_SIMILARITY = 0.8
"""Two words this alike (difflib's ratio) are one name spelled two ways ("Zelensky", "Zelenskyy")."""


def _spelling(a: str, b: str) -> bool:
    """One word spelled two ways, or misspelled ("Rennaisance", "Renaissance"): not numbers, not short words."""
    if not (a.replace(" ", "").isalpha() and b.replace(" ", "").isalpha()) or min(len(a), len(b)) < 5 or a[0] != b[0]:
        return False
    return SequenceMatcher(None, a, b).ratio() >= SPELLING_SIMILARITY


def _initials(short: str, long: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", short)
    capitals = [w for w in re.findall(r"[A-Za-z]+", long) if w[0].isupper()]
    return len(letters) >= 2 and letters.isupper() and letters == "".join(w[0] for w in capitals)


def phrase_key(phrase: str) -> str:
    """What two phrases must share to say the same: a date's month and day ("Sept. 21" = "21 September"),
    otherwise the lower-case words without articles."""
    day = day_key(phrase)
    if day:
        return day
    return " ".join(w for w in re.findall(r"[a-z0-9]+", phrase.lower()) if w not in ("the", "a", "an"))


def same_phrase(a: str, b: str) -> bool:
    """The same answer, written more or less fully ("Putin" and "Vladimir Putin")."""
    words_a, words_b = set(a.split()), set(b.split())
    return bool(words_a) and bool(words_b) and (words_a <= words_b or words_b <= words_a)
