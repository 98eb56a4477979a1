"""From raw records to measure records: values OCR-repaired, lines joined into paragraphs, numbers checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from plangraph.errors import Location, SourceError
from plangraph.ingest.ocr import Repair, WordRepairer, repair_line, unknown_words
from plangraph.ingest.segment import Label, Note, Paragraph, RawField, RawRecord


@dataclass(frozen=True)
class Text:
    """A value from the source: repaired text and the lines it came from (1-based, inclusive)."""

    text: str
    first_line: int
    last_line: int


@dataclass(frozen=True)
class MeasureRecord:
    """One page of the plan, repaired: a measure with its goals as that page states them."""

    field_of_action: Text
    guiding_goal: str
    guiding_goal_text: Text
    action_goal: str
    action_goal_text: Text
    number: str
    description: Text
    responsible: Text
    target_groups: Text
    status: Text | None
    remarks: Text | None
    first_line: int
    last_line: int

    @property
    def notation(self) -> str:
        return f"{self.action_goal}.{self.number}"


@dataclass
class RepairLog:
    """Everything the repair of a source did: word repairs, segmentation notes, words left unknown."""

    repairs: list[Repair] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)


def repair_record(raw: RawRecord, repairer: WordRepairer, log: RepairLog, source: str) -> MeasureRecord:
    def value(label: Label) -> Text | None:
        raw_field = raw.fields.get(label)
        if raw_field is None or not raw_field.paragraphs:
            return None
        return repair_field(raw_field, repairer, log)

    def required(label: Label) -> Text:
        text = value(label)
        if text is None:  # segmentation already checked; this keeps the types honest
            raise SourceError(f"no value for {label.value}", Location(file=source, line=raw.first_line))
        return text

    guiding, action = raw.ref(Label.GUIDING_GOAL), raw.ref(Label.ACTION_GOAL)
    if not action.startswith(guiding):
        raise SourceError(
            f"Handlungsziel {action} does not belong to Leitziel {guiding}",
            Location(file=source, line=raw.fields[Label.ACTION_GOAL].label_line),
        )
    field_text = repair_paragraphs([raw.field_of_action], repairer, log)
    return MeasureRecord(
        field_of_action=field_text,
        guiding_goal=guiding,
        guiding_goal_text=required(Label.GUIDING_GOAL),
        action_goal=action,
        action_goal_text=required(Label.ACTION_GOAL),
        number=raw.ref(Label.MEASURE),
        description=required(Label.MEASURE),
        responsible=required(Label.RESPONSIBLE),
        target_groups=required(Label.TARGET_GROUP),
        status=value(Label.STATUS),
        remarks=value(Label.REMARKS),
        first_line=raw.first_line,
        last_line=raw.last_line,
    )


def repair_field(raw_field: RawField, repairer: WordRepairer, log: RepairLog) -> Text:
    return repair_paragraphs(raw_field.paragraphs, repairer, log)


def repair_paragraphs(paragraphs: list[Paragraph], repairer: WordRepairer, log: RepairLog) -> Text:
    """Repair every line, then join: lines of a paragraph with a space, paragraphs with a blank line
    when the earlier one ends a sentence, else with a space (a page break inside a sentence)."""
    out: list[str] = []
    initial = True
    for paragraph in paragraphs:
        lines: list[str] = []
        for line in paragraph.lines:
            if not line.text.strip():  # emptied by dehyphenation; it still counts for the line range
                continue
            text, repairs, initial = repair_line(line.text.strip(), line.number, repairer, initial)
            log.repairs.extend(repairs)
            log.unknown.extend((line.number, word) for word in unknown_words(text, repairer))
            lines.append(text)
        joined = " ".join(lines)
        if out and out[-1].rstrip().endswith((".", "!", "?", ":")):
            out.append("\n\n" + joined)
        elif out:
            out.append(" " + joined)
        else:
            out.append(joined)
    # a moved fragment can stand above the value it completes: the range spans all its lines
    return Text("".join(out).strip(), min(p.first for p in paragraphs), max(p.last for p in paragraphs))
