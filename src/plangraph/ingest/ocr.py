"""OCR repair of German text: candidate corrections from the usual OCR confusions, confirmed by a lexicon.

The rule set knows nothing about any one document. For each word it proposes every reading in which
up to three damaged spots (ü read as "ii", ä as "rd", ß as "R", ...) are restored, and accepts one only
when the lexicon confirms it:
- a word the lexicon rejects is replaced by the best confirmed reading;
- a word the lexicon accepts is replaced only when a reading is clearly better: it fixes a noun-case
  mismatch ("in ihren Bestanden" -> "Beständen") or is at least ten times as frequent ("lauft" -> "läuft");
- names in the exceptions file are never touched, and unknown words are left as they are (and reported).
Typographic damage (",," for „) is repaired by rules of its own. Every change is returned as a Repair.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from plangraph.ingest.lexicon import Lexicon

MAX_EDITS = 3
MIN_COMPOUND_PART = 3
FREQUENCY_MARGIN = 1.0  # on the Zipf scale: a reading must be ten times as frequent to replace a known word


class Position(Enum):
    ANY = "any"
    INITIAL = "initial"  # only at the start of a word
    MEDIAL = "medial"  # never at the start of a word


@dataclass(frozen=True)
class Confusion:
    """One OCR confusion: the print said `intended`, OCR wrote `damaged`. Cost 1 is the most common."""

    damaged: str
    intended: str
    cost: int
    position: Position = Position.ANY

    @property
    def rule(self) -> str:
        where = "" if self.position is Position.ANY else f" ({self.position.value})"
        return f"{self.intended} read as {self.damaged}{where}"


CONFUSIONS: tuple[Confusion, ...] = (
    # ü: lost dots, or the dots read as an extra letter
    Confusion("u", "ü", 1),
    Confusion("ii", "ü", 1),
    Confusion("ti", "ü", 2),
    Confusion("li", "ü", 2),
    Confusion("il", "ü", 2),
    Confusion("i", "ü", 2),
    Confusion("l", "ü", 3),
    Confusion("ll", "ü", 3),
    # ä
    Confusion("a", "ä", 1),
    Confusion("rd", "ä", 2),
    Confusion("d", "ä", 2),
    Confusion("da", "ä", 2),
    Confusion("ab", "ä", 2),
    Confusion("ad", "ä", 2),
    Confusion("i", "ä", 3),
    # ö
    Confusion("o", "ö", 1),
    Confusion("é", "ö", 1),
    Confusion("d", "ö", 2),
    Confusion("do", "ö", 2),
    # ß, never at the start of a word
    Confusion("R", "ß", 1, Position.MEDIAL),
    Confusion("B", "ß", 1, Position.MEDIAL),
    Confusion("RB", "ß", 1, Position.MEDIAL),
    Confusion("BB", "ß", 1, Position.MEDIAL),
    Confusion("ll", "ß", 2, Position.MEDIAL),
    # capital umlauts, and a lowercase umlaut whose dots OCR read as a capital letter
    Confusion("U", "Ü", 1, Position.INITIAL),
    Confusion("O", "Ö", 1, Position.INITIAL),
    Confusion("A", "Ä", 1, Position.INITIAL),
    Confusion("U", "ü", 2, Position.INITIAL),
    Confusion("O", "ö", 2, Position.INITIAL),
    Confusion("A", "ä", 2, Position.INITIAL),
)

WORD = re.compile(r"[^\W\d_]+")
SENTENCE_END = re.compile(r"[.!?:]")


@dataclass(frozen=True)
class Repair:
    """One change to the text, for the build report."""

    line: int
    original: str
    repaired: str
    rule: str


@dataclass(frozen=True)
class Reading:
    text: str
    confusions: tuple[Confusion, ...]

    @property
    def cost(self) -> int:
        return sum(c.cost for c in self.confusions)

    @property
    def rule(self) -> str:
        return "; ".join(c.rule for c in self.confusions)


@dataclass(frozen=True)
class _Site:
    start: int
    end: int
    confusion: Confusion


def readings(word: str, max_edits: int = MAX_EDITS) -> Iterator[Reading]:
    """Every reading of `word` with 1..max_edits damaged spots restored (non-overlapping)."""
    sites: list[_Site] = []
    for confusion in CONFUSIONS:
        for match in re.finditer(f"(?=({re.escape(confusion.damaged)}))", word):
            start = match.start()
            if confusion.position is Position.INITIAL and start != 0:
                continue
            if confusion.position is Position.MEDIAL and start == 0:
                continue
            sites.append(_Site(start, start + len(confusion.damaged), confusion))
    sites.sort(key=lambda s: (s.start, s.end, s.confusion.intended))
    for count in range(1, max_edits + 1):
        for combo in itertools.combinations(sites, count):
            if any(a.end > b.start for a, b in itertools.pairwise(combo)):
                continue
            parts, last = [], 0
            for site in combo:
                parts.append(word[last:site.start] + site.confusion.intended)
                last = site.end
            parts.append(word[last:])
            yield Reading("".join(parts), tuple(site.confusion for site in combo))


class WordRepairer:
    """Decides, word by word, whether a confirmed reading replaces what OCR wrote."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._cache: dict[tuple[str, bool], Reading | None] = {}

    def level(self, word: str) -> int:
        """2: the lexicon knows the word; 1: it splits into two known words; 0: unknown."""
        if self.lexicon.accepts(word):
            return 2
        return 1 if self._is_compound(word) else 0

    def _is_compound(self, word: str) -> bool:
        # Hunspell's compounding misses some adjectives and nouns ("teilräumlicher"); two known parts will do.
        for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
            head, tail = word[:cut], word[cut:]
            if self._known_part(head) and self._known_part(tail):
                return True
        return False

    def _known_part(self, part: str) -> bool:
        return any(self.lexicon.accepts(form) for form in (part, part.capitalize(), part.lower()))

    def _case_mismatch(self, word: str, sentence_initial: bool) -> bool:
        """A capitalised word inside a sentence that is not a noun or name: a sign of damage."""
        return not sentence_initial and word[:1].isupper() and not self.lexicon.is_noun(word)

    def repair(self, word: str, sentence_initial: bool) -> Reading | None:
        """The reading that replaces `word`, or None to keep it."""
        key = (word, sentence_initial)
        if key not in self._cache:
            self._cache[key] = self._decide(word, sentence_initial)
        return self._cache[key]

    def _decide(self, word: str, sentence_initial: bool) -> Reading | None:
        if len(word) < 2 or word.isupper() or self.lexicon.is_protected(word):
            return None
        own_level = self.level(word)
        best = self._best_reading(word, sentence_initial, need_compounds=own_level < 2)
        if best is None:
            return None
        reading, level = best
        if level > own_level:
            return reading
        if level < 2 or own_level < 2 or len(reading.confusions) > 1:
            return None
        # Both are words and one spot differs. Replace only on clear evidence: a capitalised non-noun
        # inside a sentence whose reading is a noun, or a reading that is far more frequent.
        if self._case_mismatch(word, sentence_initial) and self.lexicon.is_noun(reading.text):
            return reading
        gain = self.lexicon.frequency(reading.text) - self.lexicon.frequency(word)
        return reading if gain >= FREQUENCY_MARGIN else None

    def _best_reading(
        self, word: str, sentence_initial: bool, need_compounds: bool
    ) -> tuple[Reading, int] | None:
        all_readings = list(readings(word))
        confirmed = [(r, 2) for r in all_readings if self.lexicon.accepts(r.text)]
        if not confirmed and need_compounds:
            confirmed = [(r, 1) for r in all_readings if self._is_compound(r.text)]
        if not confirmed:
            return None

        def rank(item: tuple[Reading, int]) -> tuple[int, bool, int, int, float, str]:
            reading, level = item
            return (
                -level,
                self._case_mismatch(reading.text, sentence_initial),
                len(reading.confusions),
                reading.cost,
                -self.lexicon.frequency(reading.text),
                reading.text,
            )

        return min(confirmed, key=rank)


@dataclass(frozen=True)
class TypographicRule:
    pattern: re.Pattern[str]
    replacement: str
    rule: str


TYPOGRAPHIC_RULES: tuple[TypographicRule, ...] = (
    TypographicRule(re.compile(r",,(?=\S)"), "„", "„ read as ,,"),
    TypographicRule(re.compile(r"(?:(?<=^)|(?<=\s)),(?=[^\W\d_])"), "„", "„ read as ,"),
    TypographicRule(re.compile(r"(?<=\S)”"), "“", "“ read as ” (German closing quote)"),
)


def repair_line(
    text: str, line: int, repairer: WordRepairer, sentence_initial: bool
) -> tuple[str, list[Repair], bool]:
    """Repair one line of text. Returns the text, its repairs, and whether the next line starts a sentence."""
    repairs: list[Repair] = []
    for rule in TYPOGRAPHIC_RULES:
        for match in rule.pattern.finditer(text):
            repairs.append(Repair(line, match.group(0), rule.replacement, rule.rule))
        text = rule.pattern.sub(rule.replacement, text)

    out: list[str] = []
    last = 0
    initial = sentence_initial
    for match in WORD.finditer(text):
        between = text[last:match.start()]
        if SENTENCE_END.search(between):
            initial = True
        out.append(between)
        word = match.group(0)
        reading = repairer.repair(word, initial)
        if reading is not None:
            repairs.append(Repair(line, word, reading.text, reading.rule))
            word = reading.text
        out.append(word)
        initial = False
        last = match.end()
    tail = text[last:]
    out.append(tail)
    if SENTENCE_END.search(tail) or (not out[1:] and sentence_initial):
        initial = True
    return "".join(out), repairs, initial


def unknown_words(text: str, repairer: WordRepairer) -> list[str]:
    """Words of a repaired text that the lexicon neither knows nor can split (for the build report).

    An abbreviation counts as known with its dot ("etc."), a truncated compound part with its hyphen
    ("Wohnungs- und ...", "Analysen/-konzepte") as known when it is a word (with a linking "s").
    """
    unknown = []
    for match in WORD.finditer(text):
        word, after = match.group(0), text[match.end():match.end() + 1]
        before = text[match.start() - 1:match.start()] if match.start() else ""
        if len(word) < 2 or word.isupper() or repairer.lexicon.is_protected(word):
            continue
        if after == "." and repairer.lexicon.accepts(word + "."):
            continue
        if after == "-" and any(repairer.level(w) for w in (word, word.removesuffix("s"))):
            continue
        if before == "-" and repairer.level(word.capitalize()):  # "Quartiersanalysen/-konzepte"
            continue
        if repairer.level(word) == 0:
            unknown.append(word)
    return unknown


def ocr_pattern(word: str) -> str:
    """A regular expression matching `word` as OCR may have damaged it, from the same confusion table.

    >>> import re; bool(re.fullmatch(ocr_pattern("Maßnahme"), "MaRBnahme"))
    True
    """
    parts = []
    for char in word:
        variants = sorted({c.damaged for c in CONFUSIONS if c.intended == char}, key=lambda d: (-len(d), d))
        alternatives = [re.escape(char), *(re.escape(v) for v in variants)]
        parts.append(f"(?:{'|'.join(alternatives)})" if variants else re.escape(char))
    return "".join(parts)
