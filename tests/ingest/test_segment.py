"""Record segmentation (plangraph.ingest.segment): labels matched to values, line by line.

Hand-made sources in tests/data/ingest/ show one layout of the real OCR text each; the second half
runs on the real source and checks that every line of it lands somewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plangraph.errors import SourceError
from plangraph.ingest.lexicon import WordListLexicon
from plangraph.ingest.ocr import WordRepairer
from plangraph.ingest.records import RepairLog, repair_paragraphs
from plangraph.ingest.segment import Label, Note, RawRecord, parse_record, read_lines, split_records

DATA = Path(__file__).parents[1] / "data" / "ingest"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def parse_all(text: str, source: str = "<test>") -> list[tuple[RawRecord, list[Note]]]:
    return [parse_record(lines, source) for lines in split_records(read_lines(text), source)]


def parse_one(text: str, source: str = "<test>") -> tuple[RawRecord, list[Note]]:
    parsed = parse_all(text, source)
    assert len(parsed) == 1
    return parsed[0]


def value(record: RawRecord, label: Label) -> str:
    """A field's value as segmentation leaves it: its paragraphs joined with a space."""
    return " ".join(paragraph.text for paragraph in record.fields[label].paragraphs)


def value_lines(record: RawRecord, label: Label) -> list[int]:
    return [line.number for paragraph in record.fields[label].paragraphs for line in paragraph.lines]


def notes_of_kind(notes: list[Note], kind: str) -> list[Note]:
    return [note for note in notes if note.kind == kind]


# --- hand-made layouts ----------------------------------------------------------------------------

def test_plain_record() -> None:
    record, notes = parse_one(read("plain-record.txt"))
    assert record.field_of_action.text == "Wohnen und Stadtentwicklung"
    assert (record.ref(Label.GUIDING_GOAL), record.ref(Label.ACTION_GOAL), record.ref(Label.MEASURE)) == (
        "A", "A1", "1")
    assert value(record, Label.MEASURE) == "Das Monitoring wird fortgeführt."
    assert value(record, Label.RESPONSIBLE) == "Fachbereich Umwelt und Stadtplanung"
    assert value(record, Label.TARGET_GROUP) == "Verwaltung, lokale Politik, Öffentlichkeit"
    assert value(record, Label.STATUS) == "Der erste Bericht wurde 2016 vorgelegt."
    assert record.fields[Label.REMARKS].paragraphs == []
    assert (record.first_line, record.last_line) == (1, 20)
    assert notes == []


def test_plain_record_values_keep_their_lines() -> None:
    record, _ = parse_one(read("plain-record.txt"))
    assert value_lines(record, Label.GUIDING_GOAL) == [5]
    assert value_lines(record, Label.MEASURE) == [13]
    assert value_lines(record, Label.RESPONSIBLE) == [14]
    assert record.fields[Label.RESPONSIBLE].label_line == 14


def test_stacked_labels_take_the_following_values_in_order() -> None:
    record, notes = parse_one(read("stacked-labels.txt"))
    assert value(record, Label.MEASURE) == (
        "Wohnbauflächen werden aktiv an den Markt gebracht. Die Stadt wirbt für die Wohnraumförderung.")
    assert value_lines(record, Label.MEASURE) == [14, 15]
    assert value(record, Label.RESPONSIBLE) == "Fachbereich Umwelt und Stadtplanung"
    assert value_lines(record, Label.RESPONSIBLE) == [17]
    assert value(record, Label.TARGET_GROUP) == "Wohnungswirtschaft, private Bauherren"
    assert [(n.first_line, n.last_line) for n in notes_of_kind(notes, "displaced labels")] == [(10, 17)]


def test_value_before_its_label_completes_the_unfinished_sentence() -> None:
    record, notes = parse_one(read("value-before-label.txt"))
    assert value(record, Label.GUIDING_GOAL) == "Wohnraum ist für alle sozialen Gruppen gewährleistet."
    assert value(record, Label.ACTION_GOAL) == (
        "Bestehende Zugangsschwierigkeiten zum Wohnungsmarkt werden beseitigt.")
    [note] = notes_of_kind(notes, "displaced fragment")
    assert (note.first_line, note.last_line) == (7, 7)
    assert "Handlungsziel" in note.message


def test_word_hyphenated_across_lines_is_joined() -> None:
    record, notes = parse_one(read("hyphenation.txt"))
    assert value(record, Label.GUIDING_GOAL) == (
        "Die Wohnungswirtschaft handelt im Zusammenwirken mit der Stadtverwaltung.")
    assert [(n.first_line, n.last_line) for n in notes_of_kind(notes, "hyphenation")] == [(4, 5)]


def test_hyphen_before_a_capitalised_line_is_kept() -> None:
    # "Herne-" / "Mitte": a hyphenated name, not a word split by the line break
    record, _ = parse_one(read("hyphenation.txt"))
    [paragraph] = record.fields[Label.ACTION_GOAL].paragraphs
    assert [line.text for line in paragraph.lines] == [
        "Laufende Maßnahmen in Herne-", "Mitte werden fortgesetzt."]


HYPHENATION_TEMPLATE = """Handlungsfeld Wohnen und Stadtentwicklung
Leitziel A: {text}
Handlungsziel A1: Es wird gebaut.
Maßnahme 1: Wir bauen Häuser.
Verantwortlich: Fachbereich Umwelt und Stadtplanung
Zielgruppe Familien
"""


def test_truncated_compound_before_a_conjunction_is_not_joined() -> None:
    text = HYPHENATION_TEMPLATE.format(text="Die Stadt-, Stadtbezirks-\nund Quartiersentwicklung.")
    record, _ = parse_one(text)
    assert "Stadtbezirksund" not in value(record, Label.GUIDING_GOAL)


def test_line_completing_a_hyphenated_word_stays_in_the_value_lines() -> None:
    text = HYPHENATION_TEMPLATE.format(text="Die Wohnungswirtschaft fördert das Zusammen-\nwirken.")
    record, _ = parse_one(text)
    assert value(record, Label.GUIDING_GOAL) == "Die Wohnungswirtschaft fördert das Zusammenwirken."
    assert value_lines(record, Label.GUIDING_GOAL) == [2, 3]


def test_blank_line_in_mid_sentence_is_joined_with_a_space() -> None:
    record, _ = parse_one(read("blank-line-mid-sentence.txt"))
    status = repair_paragraphs(
        record.fields[Label.STATUS].paragraphs, WordRepairer(WordListLexicon([])), RepairLog())
    assert status.text == (
        "Der erste Bericht wurde 2016 vorgelegt. Die Fortschreibung ist für 2019 vorgesehen."
        "\n\nEin Ankauf ist noch nicht erfolgt.")
    assert (status.first_line, status.last_line) == (10, 14)


DAMAGED_LABELS_TEMPLATE = """Handlungsfeld Wohnen und Stadtentwicklung
Leitziel {letter}: Alle wohnen gut.
{action}: Es wird gebaut.
{measure}: Wir bauen Häuser.
Verantwortlich: Fachbereich Umwelt und Stadtplanung
Zielgruppe Familien
"""


@pytest.mark.parametrize(
    ("action", "measure", "action_ref", "measure_ref"),
    [
        ("Handlungsziel Al", "MaRBnahme l", "A1", "1"),
        ("Handlungsziel AI", "MaBBnahme I", "A1", "1"),
        ("Handlungsziel A|", "MaRnahme 2", "A1", "2"),
        ("Handlungsziel B1O", "Mallnahme 1O", "B10", "10"),
    ],
)
def test_damaged_labels_and_numbers_are_read(
    action: str, measure: str, action_ref: str, measure_ref: str
) -> None:
    text = DAMAGED_LABELS_TEMPLATE.format(letter=action_ref[0], action=action, measure=measure)
    record, notes = parse_one(text)
    assert (record.ref(Label.ACTION_GOAL), record.ref(Label.MEASURE)) == (action_ref, measure_ref)
    assert value(record, Label.MEASURE) == "Wir bauen Häuser."
    label_notes = {note.first_line: note.message for note in notes_of_kind(notes, "label")}
    assert f"„Handlungsziel {action_ref}“" in label_notes[3]
    assert f"„Maßnahme {measure_ref}“" in label_notes[4]


# --- broken sources -------------------------------------------------------------------------------

def test_text_before_the_first_header_is_an_error_with_its_line() -> None:
    with pytest.raises(SourceError) as caught:
        parse_all(read("text-before-header.txt"), source="text-before-header.txt")
    assert "Handlungsfeld" in caught.value.message
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == ("text-before-header.txt", 2)


def test_record_without_responsible_is_an_error_naming_it_and_the_record() -> None:
    with pytest.raises(SourceError) as caught:
        parse_all(read("missing-responsible.txt"), source="missing-responsible.txt")
    assert "Verantwortlich" in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.line == 11  # the header of the second record, the broken one


def test_plan_text_without_any_header_is_an_error_at_its_first_line() -> None:
    with pytest.raises(SourceError) as caught:
        parse_all(read("no-header.txt"))
    assert "Handlungsfeld" in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == 1


def test_empty_text_is_an_error_asking_whether_it_is_a_plan() -> None:
    with pytest.raises(SourceError) as caught:
        parse_all("\n\n")
    assert "no 'Handlungsfeld' header" in caught.value.message


# --- the real source ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(source_text: str) -> dict[str, tuple[RawRecord, list[Note]]]:
    """The real source's records by measure notation ("A1.1")."""
    parsed = parse_all(source_text, source="herne-integrationskonzept-wohnen.txt")
    by_notation = {f"{r.ref(Label.ACTION_GOAL)}.{r.ref(Label.MEASURE)}": (r, n) for r, n in parsed}
    assert len(by_notation) == len(parsed)
    return by_notation


REAL_RANGES = {
    "A1.1": (1, 26),
    "A2.1": (31, 65),
    "A3.1": (70, 98),
    "A3.2": (103, 130),
    "B1.1": (135, 170),
    "B2.1": (175, 207),
    "B2.2": (212, 246),
    "B2.3": (251, 275),
    "B3.1": (280, 303),
}


def test_real_source_has_nine_records_in_order(real: dict[str, tuple[RawRecord, list[Note]]]) -> None:
    assert list(real) == list(REAL_RANGES)


@pytest.mark.parametrize(("notation", "lines"), REAL_RANGES.items())
def test_real_record_line_range(
    real: dict[str, tuple[RawRecord, list[Note]]], notation: str, lines: tuple[int, int]
) -> None:
    record, _ = real[notation]
    assert (record.first_line, record.last_line) == lines


def test_real_b1_1_values_despite_displaced_labels(real: dict[str, tuple[RawRecord, list[Note]]]) -> None:
    record, _ = real["B1.1"]
    assert value(record, Label.MEASURE) == (
        "Wohnbauflachen werden aktiv an den Markt gebracht. Darliber hinaus wirbt die Stadt fur eine "
        "aktive Nutzung der Wohnraumférderung.")
    assert value_lines(record, Label.MEASURE) == [149, 150]
    assert value(record, Label.RESPONSIBLE) == "Fachbereich Umwelt und Stadtplanung"
    assert value_lines(record, Label.RESPONSIBLE) == [152]


def test_real_b2_1_action_goal_takes_the_fragment_above_its_label(
    real: dict[str, tuple[RawRecord, list[Note]]],
) -> None:
    record, notes = real["B2.1"]
    assert value(record, Label.ACTION_GOAL).endswith("werden beseitigt.")
    assert value(record, Label.GUIDING_GOAL).endswith("gewadhrleistet.")
    assert [(n.first_line, n.last_line) for n in notes_of_kind(notes, "displaced fragment")] == [(182, 182)]


def test_real_b3_1_zusammenwirken_is_joined(real: dict[str, tuple[RawRecord, list[Note]]]) -> None:
    record, notes = real["B3.1"]
    assert "im Zusammenwirken mit zivilgesellschaftlichen" in value(record, Label.ACTION_GOAL)
    assert [(n.first_line, n.last_line) for n in notes_of_kind(notes, "hyphenation")] == [(288, 289)]


def test_every_nonblank_line_of_the_real_source_is_accounted_for(
    source_text: str, real: dict[str, tuple[RawRecord, list[Note]]]
) -> None:
    nonblank = {number for number, line in enumerate(source_text.split("\n"), start=1) if line.strip()}
    accounted: set[int] = set()
    for record, _ in real.values():
        within = range(record.first_line, record.last_line + 1)
        mine = {record.field_of_action.first}
        for raw in record.fields.values():
            mine.add(raw.label_line)
            mine.update(line.number for paragraph in raw.paragraphs for line in paragraph.lines)
        assert all(number in within for number in mine), f"record at line {record.first_line}"
        accounted |= mine
    assert sorted(nonblank - accounted) == []
