"""Record segmentation: the OCR text of a plan -> one raw record per measure page, labels matched to values.

What the source really does, and how this module copes:
- every page repeats the field of action, guiding goal and action goal: one record per page, merged later;
- labels are OCR-damaged ("MaRBnahme", "Handlungsziel Al"): label patterns are built from the same
  confusion table OCR repair uses, numbers read "l"/"I" for "1";
- labels separated from their values ("Maßnahme 1:" and "Verantwortlich:" stacked, then both values):
  labels without a value take the following values in order;
- values before their labels (a fragment "beseitigt." above "Handlungsziel B2:"): a paragraph that
  starts in lowercase after a finished sentence is moved to the field whose sentence is unfinished;
- words hyphenated across lines are joined when the next line goes on in lowercase.
Every such decision is returned as a Note for the build report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from plangraph.errors import Location, SourceError
from plangraph.ingest.ocr import ocr_pattern

TERMINAL = (".", "!", "?", ":")
# A truncated compound before one of these is not a hyphenated word: "Stadtbezirks- und Quartiersentwicklung".
CONJUNCTIONS = frozenset({"und", "oder", "bzw.", "sowie", "als", "wie", "bis", "noch", "u."})


class Label(Enum):
    GUIDING_GOAL = "Leitziel"
    ACTION_GOAL = "Handlungsziel"
    MEASURE = "Maßnahme"
    RESPONSIBLE = "Verantwortlich"
    TARGET_GROUP = "Zielgruppe"
    STATUS = "Status"
    REMARKS = "Bemerkungen"


# Fields whose values are sentences: only these can hold an unfinished sentence or an orphan fragment.
SENTENCE_FIELDS = (Label.GUIDING_GOAL, Label.ACTION_GOAL, Label.MEASURE, Label.STATUS, Label.REMARKS)
REQUIRED = (Label.GUIDING_GOAL, Label.ACTION_GOAL, Label.MEASURE, Label.RESPONSIBLE, Label.TARGET_GROUP)

_NUMBER = r"[0-9IlO|]+"
HEADER = re.compile(rf"^\s*{ocr_pattern('Handlungsfeld')}\s+(?P<rest>\S.*?)\s*$")
_LABEL_PATTERNS: dict[Label, re.Pattern[str]] = {
    Label.GUIDING_GOAL: re.compile(rf"^\s*{ocr_pattern('Leitziel')}\s+(?P<ref>[A-Z])\s*:\s*(?P<rest>.*)$"),
    Label.ACTION_GOAL: re.compile(
        rf"^\s*{ocr_pattern('Handlungsziel')}\s+(?P<ref>[A-Z]{_NUMBER})\s*:\s*(?P<rest>.*)$"
    ),
    Label.MEASURE: re.compile(rf"^\s*{ocr_pattern('Maßnahme')}\s+(?P<ref>{_NUMBER})\s*:\s*(?P<rest>.*)$"),
}
for _label in (Label.RESPONSIBLE, Label.TARGET_GROUP, Label.STATUS, Label.REMARKS):
    _LABEL_PATTERNS[_label] = re.compile(rf"^\s*{ocr_pattern(_label.value)}(?:\s*:|(?=\s)|$)\s*(?P<rest>.*)$")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the source file
    text: str


@dataclass
class Paragraph:
    lines: list[Line]

    @property
    def first(self) -> int:
        return self.lines[0].number

    @property
    def last(self) -> int:
        return self.lines[-1].number

    @property
    def text(self) -> str:
        return " ".join(line.text.strip() for line in self.lines if line.text.strip())


@dataclass(frozen=True)
class Note:
    """A segmentation decision, for the build report."""

    first_line: int
    last_line: int
    kind: str
    message: str


@dataclass
class RawField:
    label: Label
    label_line: int
    label_text: str  # the label as the OCR wrote it
    ref: str | None  # the number after Leitziel/Handlungsziel/Maßnahme, digits repaired
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class RawRecord:
    """One page of the plan: the field of action and its labelled fields, values still as OCR wrote them."""

    field_of_action: Paragraph
    first_line: int
    last_line: int
    fields: dict[Label, RawField]

    def ref(self, label: Label) -> str:
        raw = self.fields[label]
        assert raw.ref is not None
        return raw.ref


def read_lines(text: str) -> list[Line]:
    return [Line(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), start=1)]


def split_records(lines: list[Line], source: str = "<source>") -> list[list[Line]]:
    """Split the source at each field-of-action header; text before the first header is an error."""
    records: list[list[Line]] = []
    for line in lines:
        if HEADER.match(line.text):
            records.append([line])
        elif records:
            records[-1].append(line)
        elif line.text.strip():
            raise SourceError(
                "text before the first 'Handlungsfeld' header", Location(file=source, line=line.number)
            )
    if not records:
        raise SourceError("no 'Handlungsfeld' header found: is this a plan text?", Location(file=source))
    return records


def parse_record(lines: list[Line], source: str = "<source>") -> tuple[RawRecord, list[Note]]:
    """Assign every line of one record to a labelled field, resolving displaced labels and fragments."""
    header = HEADER.match(lines[0].text)
    assert header is not None
    notes: list[Note] = []
    fields = _collect_fields(lines[1:], source, notes)
    ordered = sorted(fields.values(), key=lambda f: f.label_line)
    _distribute_stacked_values(ordered, notes)
    _move_orphan_fragments(ordered, notes)
    for raw in ordered:
        for paragraph in raw.paragraphs:
            _dehyphenate(paragraph, notes)
    missing = [label.value for label in REQUIRED if label not in fields or not fields[label].paragraphs]
    if missing:
        raise SourceError(
            f"record has no value for {', '.join(missing)}",
            Location(file=source, line=lines[0].number),
        )
    nonblank = [line.number for line in lines if line.text.strip()]
    record = RawRecord(
        field_of_action=Paragraph([Line(lines[0].number, header.group("rest"))]),
        first_line=lines[0].number,
        last_line=max(nonblank),
        fields=fields,
    )
    return record, notes


def _collect_fields(lines: list[Line], source: str, notes: list[Note]) -> dict[Label, RawField]:
    fields: dict[Label, RawField] = {}
    current: RawField | None = None
    paragraph_open = False
    for line in lines:
        if not line.text.strip():
            paragraph_open = False
            continue
        matched = _match_label(line, fields)
        if matched is not None:
            current, rest = matched
            fields[current.label] = current
            written = current.label_text.strip().rstrip(":").strip()
            expected = f"{current.label.value} {current.ref}" if current.ref else current.label.value
            if written != expected:
                notes.append(Note(line.number, line.number, "label", f"label „{written}“ read as „{expected}“"))
            paragraph_open = bool(rest.strip())
            if paragraph_open:
                current.paragraphs.append(Paragraph([Line(line.number, rest)]))
            continue
        if current is None:
            raise SourceError("text before the first label of the record", Location(file=source, line=line.number))
        if paragraph_open:
            current.paragraphs[-1].lines.append(line)
        else:
            current.paragraphs.append(Paragraph([line]))
            paragraph_open = True
    return fields


def _match_label(line: Line, seen: dict[Label, RawField]) -> tuple[RawField, str] | None:
    for label, pattern in _LABEL_PATTERNS.items():
        if label in seen:
            continue
        match = pattern.match(line.text)
        if match:
            ref = match.groupdict().get("ref")
            rest = match.group("rest") or ""
            label_text = line.text[: len(line.text) - len(rest)] if rest else line.text
            return RawField(label, line.number, label_text, _repair_number(ref) if ref else None), rest
    return None


_DIGITS = str.maketrans("lI|O", "1110")


def _repair_number(ref: str) -> str:
    """Digits OCR reads as letters: l, I and | for 1, O for 0 (a leading letter is a goal's letter)."""
    head, tail = (ref[0], ref[1:]) if ref[0].isalpha() and len(ref) > 1 else ("", ref)
    return head + tail.translate(_DIGITS)


def _distribute_stacked_values(ordered: list[RawField], notes: list[Note]) -> None:
    """Labels with no value directly followed by another label take the values that follow, in order."""
    pending: list[RawField] = []
    for raw in ordered:
        if not raw.paragraphs:
            pending.append(raw)
            continue
        if pending and len(raw.paragraphs) >= len(pending) + 1:
            group = [*pending, raw]
            paragraphs = raw.paragraphs
            extra = len(paragraphs) - len(group)
            # the first label takes any extra paragraphs (the longest value: a description)
            shares = [paragraphs[: extra + 1]] + [[p] for p in paragraphs[extra + 1:]]
            for target, share in zip(group, shares, strict=True):
                target.paragraphs = share
            labels = ", ".join(f"{r.label.value} (line {r.label_line})" for r in group)
            notes.append(Note(group[0].label_line, paragraphs[-1].last, "displaced labels",
                              f"labels {labels} stand apart from their values; values assigned in order"))
        pending = []


def _move_orphan_fragments(ordered: list[RawField], notes: list[Note]) -> None:
    """A lowercase paragraph after a finished sentence belongs to the nearest unfinished sentence field."""
    for raw in ordered:
        kept: list[Paragraph] = raw.paragraphs[:1]
        for paragraph in raw.paragraphs[1:]:
            if not (_starts_lowercase(paragraph) and _ends_sentence(kept[-1])):
                kept.append(paragraph)
                continue
            target = _nearest_unfinished(ordered, paragraph)
            if target is None:
                kept.append(paragraph)
                continue
            target.paragraphs.append(paragraph)
            notes.append(Note(paragraph.first, paragraph.last, "displaced fragment",
                              f"„{paragraph.text}“ (under {raw.label.value}) completes the unfinished "
                              f"{target.label.value} (line {target.label_line})"))
        raw.paragraphs = kept


def _nearest_unfinished(ordered: list[RawField], orphan: Paragraph) -> RawField | None:
    candidates = [
        raw for raw in ordered
        if raw.label in SENTENCE_FIELDS and raw.paragraphs and not _ends_sentence(raw.paragraphs[-1])
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda raw: abs(raw.paragraphs[-1].last - orphan.first))


def _dehyphenate(paragraph: Paragraph, notes: list[Note]) -> None:
    """Join a word split across lines ("Zusammen-" / "wirken") when the next line goes on in lowercase."""
    lines = paragraph.lines
    for i in range(len(lines) - 1):
        here, there = lines[i].text.rstrip(), lines[i + 1].text.lstrip()
        word, _, rest = there.partition(" ")
        if re.search(r"[^\W\d_]-$", here) and there[:1].islower() and word not in CONJUNCTIONS:
            lines[i] = Line(lines[i].number, here[:-1] + word)
            lines[i + 1] = Line(lines[i + 1].number, rest)
            notes.append(Note(lines[i].number, lines[i + 1].number, "hyphenation",
                              f"„{here.split()[-1]}“ + „{word}“ joined as „{here.split()[-1][:-1]}{word}“"))
    paragraph.lines = lines  # a line emptied here keeps its place: it is still part of the value's range


def _starts_lowercase(paragraph: Paragraph) -> bool:
    text = paragraph.text.lstrip()
    return bool(text) and text[0].islower()


def _ends_sentence(paragraph: Paragraph) -> bool:
    return paragraph.text.rstrip().endswith(TERMINAL)
