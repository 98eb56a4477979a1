"""OCR repair (plangraph.ingest.ocr): the rules on hand-made word lists, then on the real lexicon.

The first half uses `WordListLexicon`, so that each rule is seen in isolation: a confusion is repaired
only when the word list confirms the reading. The second half uses the real Hunspell lexicon on words
taken from the source text. `enchant` is imported at module level on purpose: without it this module
fails to import instead of being skipped.
"""

from __future__ import annotations

import re

import enchant
import pytest

from plangraph.errors import InputError
from plangraph.ingest.lexicon import DICTIONARY, Exceptions, HunspellLexicon, WordListLexicon
from plangraph.ingest.ocr import MAX_EDITS, Repair, WordRepairer, ocr_pattern, readings, repair_line

MID_SENTENCE = False
SENTENCE_START = True


def repairer(*words: str, nouns: tuple[str, ...] = (), frequencies: dict[str, float] | None = None,
             exceptions: Exceptions | None = None) -> WordRepairer:
    lexicon = WordListLexicon(words, nouns=nouns, frequencies=frequencies or {},
                              exceptions=exceptions or Exceptions())
    return WordRepairer(lexicon)


def repaired(word_repairer: WordRepairer, word: str, sentence_initial: bool = MID_SENTENCE) -> str:
    """The word as repair leaves it (the word itself when repair keeps it)."""
    reading = word_repairer.repair(word, sentence_initial)
    return word if reading is None else reading.text


# --- the confusion families, each confirmed by a one-word lexicon ---------------------------------

# (damaged, intended, rule text of the Repair)
CONFUSION_CASES = [
    # ü
    ("fiir", "für", "ü read as ii"),
    ("gemtitlich", "gemütlich", "ü read as ti"),
    ("Darliber", "Darüber", "ü read as li"),
    ("Tilr", "Tür", "ü read as il"),
    ("fir", "für", "ü read as i"),
    ("fur", "für", "ü read as u"),
    ("Gefllchtete", "Geflüchtete", "ü read as l"),
    ("Tllr", "Tür", "ü read as ll"),
    # ä
    ("lauft", "läuft", "ä read as a"),
    ("sprdt", "spät", "ä read as rd"),
    ("rdumlich", "räumlich", "ä read as d"),
    ("Verbdande", "Verbände", "ä read as da"),
    ("gewabhrleistet", "gewährleistet", "ä read as ab"),
    ("gewadhrleistet", "gewährleistet", "ä read as ad"),
    ("Verbinde", "Verbände", "ä read as i"),
    # ö
    ("konnen", "können", "ö read as o"),
    ("geférdert", "gefördert", "ö read as é"),
    ("bendtigt", "benötigt", "ö read as d"),
    ("mdoglich", "möglich", "ö read as do"),
    # ß, inside a word
    ("MaRnahme", "Maßnahme", "ß read as R (medial)"),
    ("MaBnahme", "Maßnahme", "ß read as B (medial)"),
    ("MaRBnahme", "Maßnahme", "ß read as RB (medial)"),
    ("MaBBnahme", "Maßnahme", "ß read as BB (medial)"),
    ("Mallnahme", "Maßnahme", "ß read as ll (medial)"),
    # capital umlauts at the start of a word
    ("Ubergang", "Übergang", "Ü read as U (initial)"),
    ("Offentlichkeit", "Öffentlichkeit", "Ö read as O (initial)"),
    ("Anderung", "Änderung", "Ä read as A (initial)"),
]
CONFUSION_IDS = [damaged for damaged, _, _ in CONFUSION_CASES]


@pytest.mark.parametrize(("damaged", "intended", "rule"), CONFUSION_CASES, ids=CONFUSION_IDS)
def test_confusion_is_repaired_when_the_lexicon_confirms(damaged: str, intended: str, rule: str) -> None:
    reading = repairer(intended).repair(damaged, MID_SENTENCE)
    assert reading is not None
    assert (reading.text, reading.rule) == (intended, rule)


@pytest.mark.parametrize(("damaged", "intended", "rule"), CONFUSION_CASES, ids=CONFUSION_IDS)
def test_confusion_is_not_repaired_without_confirmation(damaged: str, intended: str, rule: str) -> None:
    # the same word with a lexicon that knows some other word: nothing confirms a reading
    assert repairer("haus").repair(damaged, MID_SENTENCE) is None


@pytest.mark.parametrize("damaged", ["Bus", "Rose"])
def test_sharp_s_is_never_read_at_the_start_of_a_word(damaged: str) -> None:
    intended = "ß" + damaged[1:]
    assert repairer(intended).repair(damaged, MID_SENTENCE) is None
    assert intended not in {r.text for r in readings(damaged)}


def test_capital_umlaut_is_only_read_at_the_start_of_a_word() -> None:
    assert repairer("BÜro").repair("BUro", MID_SENTENCE) is None


@pytest.mark.parametrize(
    ("damaged", "lowercase", "capitalised"),
    [
        ("Uber", "über", "Über"),
        ("Offentliche", "öffentliche", "Öffentliche"),
        ("Anderte", "änderte", "Änderte"),
    ],
)
def test_initial_capital_is_lowercase_umlaut_inside_a_sentence(
    damaged: str, lowercase: str, capitalised: str
) -> None:
    word_repairer = repairer(lowercase)  # a lowercase word: its capitalised form is accepted too
    assert repaired(word_repairer, damaged, MID_SENTENCE) == lowercase
    assert repaired(word_repairer, damaged, SENTENCE_START) == capitalised


def test_sentence_state_is_carried_from_line_to_line() -> None:
    word_repairer = repairer("über", "information", "sprechen", "die")
    _, _, next_starts = repair_line("Die Information", 1, word_repairer, SENTENCE_START)
    assert next_starts is False
    text, _, _ = repair_line("Uber die", 2, word_repairer, next_starts)
    assert text == "über die"
    _, _, next_starts = repair_line("Die Information.", 3, word_repairer, SENTENCE_START)
    assert next_starts is True
    text, _, _ = repair_line("Uber die", 4, word_repairer, next_starts)
    assert text == "Über die"


# --- known words: kept unless a reading is clearly better -----------------------------------------

def test_known_word_is_kept_when_no_reading_is_clearly_better() -> None:
    word_repairer = repairer(nouns=("Forderung", "Förderung"),
                             frequencies={"forderung": 4.0, "förderung": 4.5})
    assert word_repairer.repair("Forderung", MID_SENTENCE) is None


def test_known_word_is_replaced_on_the_noun_case_rule() -> None:
    # "in ihren Bestanden": a capitalised participle inside a sentence is damage; the noun is meant
    word_repairer = repairer("bestanden", nouns=("Beständen",))
    assert repaired(word_repairer, "Bestanden", MID_SENTENCE) == "Beständen"


@pytest.mark.parametrize(
    ("word", "sentence_initial"),
    [("Bestanden", SENTENCE_START), ("bestanden", MID_SENTENCE)],
    ids=["capitalised-at-sentence-start", "lowercase"],
)
def test_noun_case_rule_needs_a_capitalised_word_inside_a_sentence(word: str, sentence_initial: bool) -> None:
    word_repairer = repairer("bestanden", nouns=("Beständen",))
    assert word_repairer.repair(word, sentence_initial) is None


def test_noun_case_rule_needs_a_noun_reading() -> None:
    word_repairer = repairer("bestanden", "beständen")
    assert word_repairer.repair("Bestanden", MID_SENTENCE) is None


@pytest.mark.parametrize(
    ("reading_frequency", "replaced"),
    [(3.0, True), (4.5, True), (2.9, False), (2.0, False)],
    ids=["gain-1.0", "gain-2.5", "gain-0.9", "gain-0"],
)
def test_known_word_is_replaced_on_the_frequency_rule(reading_frequency: float, replaced: bool) -> None:
    word_repairer = repairer("lauft", "läuft", frequencies={"lauft": 2.0, "läuft": reading_frequency})
    assert repaired(word_repairer, "lauft") == ("läuft" if replaced else "lauft")


def test_known_word_is_not_replaced_by_a_reading_with_two_repairs() -> None:
    word_repairer = repairer("forderzugange", "förderzugänge",
                             frequencies={"forderzugange": 1.0, "förderzugänge": 5.0})
    assert word_repairer.repair("forderzugange", MID_SENTENCE) is None


# --- names, edit limit, rule text -----------------------------------------------------------------

def test_protected_name_is_never_changed() -> None:
    names = Exceptions.parse("Bickern\tname\tquarter of Herne\n")
    assert repaired(repairer("Bäckern"), "Bickern") == "Bäckern"  # unprotected, the lexicon would win
    assert repairer("Bäckern", exceptions=names).repair("Bickern", MID_SENTENCE) is None


def test_protected_name_is_kept_in_a_line() -> None:
    names = Exceptions.parse("Bickern\tname\tquarter of Herne\n")
    word_repairer = repairer("Bäckern", "in", exceptions=names)
    text, repairs, _ = repair_line("in Bickern-West", 57, word_repairer, MID_SENTENCE)
    assert (text, repairs) == ("in Bickern-West", [])


def test_at_most_three_spots_are_repaired_in_one_word() -> None:
    assert MAX_EDITS == 3
    three = repairer("Grünflächenprüfung").repair("Griinflachenpriifung", MID_SENTENCE)
    assert three is not None and len(three.confusions) == 3
    assert repairer("Grünflächenüberprüfung").repair("Griinflachenuberpriifung", MID_SENTENCE) is None
    assert max(len(r.confusions) for r in readings("Griinflachenuberpriifung")) == MAX_EDITS


def test_each_repair_records_line_original_replacement_and_rule() -> None:
    word_repairer = repairer("grünflächenprüfung", "läuft", "die")
    text, repairs, _ = repair_line("Die Griinflachenpriifung lauft.", 7, word_repairer, SENTENCE_START)
    assert text == "Die Grünflächenprüfung läuft."
    assert repairs == [
        Repair(7, "Griinflachenpriifung", "Grünflächenprüfung", "ü read as ii; ä read as a; ü read as ii"),
        Repair(7, "lauft", "läuft", "ä read as a"),
    ]


# --- typographic quotes ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "expected", "rules"),
    [
        (",,Problemimmobilien im Kontext“", "„Problemimmobilien im Kontext“", ["„ read as ,,"]),
        ("Kurs ,Wohnungsführerschein” als", "Kurs „Wohnungsführerschein“ als",
         ["„ read as ,", "“ read as ” (German closing quote)"]),
        ("Verwaltung, lokale Politik", "Verwaltung, lokale Politik", []),
        ("in der Stadt-, Stadtbezirks- und", "in der Stadt-, Stadtbezirks- und", []),
        ("am 30.05.2017 beschlossen, 2018", "am 30.05.2017 beschlossen, 2018", []),
    ],
    ids=["double-comma", "single-comma-and-closing", "list-comma", "truncated-compound", "numbers"],
)
def test_typographic_quotes(line: str, expected: str, rules: list[str]) -> None:
    text, repairs, _ = repair_line(line, 1, repairer(), MID_SENTENCE)
    assert text == expected
    assert [r.rule for r in repairs] == rules


# --- the label pattern and the exceptions file ----------------------------------------------------

@pytest.mark.parametrize(
    "written", ["Maßnahme", "MaRnahme", "MaBnahme", "MaRBnahme", "MaBBnahme", "Mallnahme"]
)
def test_ocr_pattern_matches_damaged_forms(written: str) -> None:
    assert re.fullmatch(ocr_pattern("Maßnahme"), written)


@pytest.mark.parametrize("written", ["Massnahme", "Manahme", "Maßnahmen", "Mabnahme"])
def test_ocr_pattern_rejects_other_words(written: str) -> None:
    assert re.fullmatch(ocr_pattern("Maßnahme"), written) is None


def test_exceptions_file_separates_names_from_words() -> None:
    exceptions = Exceptions.parse(
        "# comment line\n\nHerne\tname\tthe city\nQuartiersanalysen\tword\tmissing in Hunspell  # why\n"
    )
    assert exceptions.protected == frozenset({"Herne"})
    assert exceptions.words == frozenset({"Quartiersanalysen"})


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Herne\tname\tthe city\n\n# a comment\nAktegra name initiative\n", 4),  # spaces, not tabs
        ("Herne\tnoun\tthe city\n", 1),  # unknown kind
        ("# header\nHerne\n", 2),  # no kind at all
    ],
    ids=["spaces", "unknown-kind", "no-kind"],
)
def test_exceptions_errors_carry_the_line_number(text: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        Exceptions.parse(text, source="ocr-exceptions.tsv")
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == ("ocr-exceptions.tsv", line)


# --- the real lexicon (Hunspell de_DE_frami via Enchant, wordfreq) --------------------------------

@pytest.fixture(scope="module")
def real_repairer(real_lexicon: HunspellLexicon) -> WordRepairer:
    return WordRepairer(real_lexicon)


def test_the_german_dictionary_is_installed(real_lexicon: HunspellLexicon) -> None:
    assert enchant.dict_exists(DICTIONARY)
    assert DICTIONARY in real_lexicon.description()


# (as OCR wrote it in the source, sentence-initial?, expected)
REAL_REPAIRS = [
    ("beriicksichtigen", MID_SENTENCE, "berücksichtigen"),
    ("Sozialrdumliche", SENTENCE_START, "Sozialräumliche"),
    ("gewabhrleistet", MID_SENTENCE, "gewährleistet"),
    ("gewadhrleistet", MID_SENTENCE, "gewährleistet"),
    ("Wohlfahrtsverbdanden", MID_SENTENCE, "Wohlfahrtsverbänden"),
    ("Fordermdoglichkeiten", MID_SENTENCE, "Fördermöglichkeiten"),
    ("bendtigtem", MID_SENTENCE, "benötigtem"),
    ("Gefllchtete", MID_SENTENCE, "Geflüchtete"),
    ("unterstltzen", MID_SENTENCE, "unterstützen"),
    ("Berticksichtigung", MID_SENTENCE, "Berücksichtigung"),
    ("geférdert", MID_SENTENCE, "gefördert"),
    ("Mallnahmen", MID_SENTENCE, "Maßnahmen"),
    ("StadterneuerungsmaBnahmen", MID_SENTENCE, "Stadterneuerungsmaßnahmen"),
    ("Fliichtlingsunterkinften", MID_SENTENCE, "Flüchtlingsunterkünften"),
    ("Flichtlingsunterklinften", MID_SENTENCE, "Flüchtlingsunterkünften"),
    ("Slidost", MID_SENTENCE, "Südost"),
    ("Sid", MID_SENTENCE, "Süd"),
    ("teilrdumlicher", MID_SENTENCE, "teilräumlicher"),
    ("Offentlichkeit", MID_SENTENCE, "Öffentlichkeit"),
    ("Ubergangsheimen", MID_SENTENCE, "Übergangsheimen"),
    ("Uber", MID_SENTENCE, "über"),
    ("lauft", MID_SENTENCE, "läuft"),
    ("Flachen", MID_SENTENCE, "Flächen"),
    ("Bestanden", MID_SENTENCE, "Beständen"),
    ("Verbinde", MID_SENTENCE, "Verbände"),
    ("Wohnraumforderung", MID_SENTENCE, "Wohnraumförderung"),
    ("beitragt", MID_SENTENCE, "beiträgt"),
    ("fur", MID_SENTENCE, "für"),
    ("fir", MID_SENTENCE, "für"),
    ("fiir", MID_SENTENCE, "für"),
    ("Burger", MID_SENTENCE, "Bürger"),
]


@pytest.mark.parametrize(
    ("damaged", "sentence_initial", "expected"), REAL_REPAIRS, ids=[damaged for damaged, _, _ in REAL_REPAIRS]
)
def test_real_damaged_word_is_repaired(
    real_repairer: WordRepairer, damaged: str, sentence_initial: bool, expected: str
) -> None:
    assert repaired(real_repairer, damaged, sentence_initial) == expected


# (a correct word of the source, sentence-initial?)
REAL_KEPT = [
    ("Forderung", MID_SENTENCE),
    ("Herne", MID_SENTENCE),
    ("Wanne", MID_SENTENCE),
    ("Bickern", MID_SENTENCE),
    ("Elpeshof", MID_SENTENCE),
    ("Aktegra", MID_SENTENCE),
    ("Alle", SENTENCE_START),
    ("Alle", MID_SENTENCE),
    ("Quartiersanalysen", MID_SENTENCE),
    ("Vorkaufsrechtsatzung", MID_SENTENCE),
    ("Monitoringbericht", MID_SENTENCE),
    ("bestanden", MID_SENTENCE),
    ("neue", MID_SENTENCE),
]


@pytest.mark.parametrize(
    ("word", "sentence_initial"), REAL_KEPT, ids=[f"{w}-{'start' if s else 'mid'}" for w, s in REAL_KEPT]
)
def test_real_correct_word_is_kept(real_repairer: WordRepairer, word: str, sentence_initial: bool) -> None:
    assert real_repairer.repair(word, sentence_initial) is None


@pytest.mark.parametrize(
    ("line", "sentence_initial", "expected"),
    [
        ("Entwicklung und Vermarktung der entsprechenden Flachen lauft.", MID_SENTENCE,
         "Entwicklung und Vermarktung der entsprechenden Flächen läuft."),
        ("zur Information Uber die Fordermdoglichkeiten der sozialen", MID_SENTENCE,
         "zur Information über die Fördermöglichkeiten der sozialen"),
        ("Die Herner Wohnungswirtschaft gewahrleistet in ihren Bestanden einen diskriminierungsfreien",
         SENTENCE_START,
         "Die Herner Wohnungswirtschaft gewährleistet in ihren Beständen einen diskriminierungsfreien"),
        ("stadtischen Ubergangsheimen betreut und die freien Verbinde, die nach dem", MID_SENTENCE,
         "städtischen Übergangsheimen betreut und die freien Verbände, die nach dem"),
        ("Quartiersanalysen 2017 in Bickern-West (abgeschlossen),", SENTENCE_START,
         "Quartiersanalysen 2017 in Bickern-West (abgeschlossen),"),
        ("Umzugsmanagement unterstltzen, z. B. Aktegra — Aktive", MID_SENTENCE,
         "Umzugsmanagement unterstützen, z. B. Aktegra — Aktive"),
    ],
    ids=["line-162", "line-166", "line-294", "line-227", "line-57", "line-245"],
)
def test_real_source_line_is_repaired_in_context(
    real_repairer: WordRepairer, line: str, sentence_initial: bool, expected: str
) -> None:
    text, _, _ = repair_line(line, 1, real_repairer, sentence_initial)
    assert text == expected
