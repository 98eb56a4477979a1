"""Ingest: the plan's OCR text -> repaired, segmented records -> the plan graph."""
