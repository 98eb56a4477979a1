"""Text search: umlaut- and case-insensitive matching, ranking, facets (core, on the built dataset)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from plangraph import resources
from plangraph.dataset import load_dataset, union
from plangraph.search import SearchIndex, fold

H = "https://w3id.org/plangraph/herne/"
MEASURE = H + "wohnen-und-stadtentwicklung/massnahme/"


@pytest.fixture(scope="module")
def index(dataset_file: Path) -> SearchIndex:
    return SearchIndex(union(load_dataset(dataset_file)), resources.ontology_graph())


@pytest.mark.parametrize(("text", "folded"), [
    ("Flüchtling", "fluchtling"), ("FLUECHTLING", "fluchtling"), ("Maßnahme", "massnahme"),
    ("Förderzugänge", "forderzugange"), ("Öffentlichkeit", "offentlichkeit"),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("query", ["fluchtling", "Flüchtling", "FLUECHTLING", "flüchtlingsunterkünften"])
def test_umlaut_and_case_insensitive(index: SearchIndex, query: str) -> None:
    found = {str(h.iri) for h in index.search(query).hits}
    assert MEASURE + "B2-1" in found


def test_every_term_must_match(index: SearchIndex) -> None:
    hits = index.search("monitoring 2016").hits
    assert [str(h.iri) for h in hits] == [MEASURE + "A1-1"]
    assert index.search("monitoring zuwanderung").hits == []


def test_label_hits_rank_before_text_hits(index: SearchIndex) -> None:
    hits = index.search("B2.2").hits
    assert str(hits[0].iri) == MEASURE + "B2-2"


def test_empty_and_short_queries_find_nothing(index: SearchIndex) -> None:
    assert index.search("").hits == []
    assert index.search("a").hits == []


def test_snippet_shows_the_passage(index: SearchIndex) -> None:
    hit = next(h for h in index.search("Mietobergrenze").hits if str(h.iri) == MEASURE + "B2-3")
    assert "Mietobergrenze" in hit.snippet


def test_facets_count_matching_measures(index: SearchIndex) -> None:
    result = index.search("wohnraum")
    departments = {f.label: f.count for f in result.facets["department"]}
    assert departments["Fachbereich Soziales"] == 2
    statuses = {f.label for f in result.facets["status"]}
    assert "in Umsetzung" in statuses  # labelled from the vocabulary, not shown as an IRI


def test_facet_narrows_to_measures(index: SearchIndex) -> None:
    social = URIRef(H + "org/fachbereich-soziales")
    result = index.search("wohnraum", {"department": [social]})
    assert {str(h.iri) for h in result.hits} == {MEASURE + "B2-2", MEASURE + "B2-3"}
    assert next(f for f in result.facets["department"] if f.value == social).selected


def test_group_facet_includes_narrower_groups(index: SearchIndex) -> None:
    broader = URIRef(H + "zielgruppe/menschen-mit-fluchterfahrung")
    result = index.search("Kurs", {"group": [broader]})
    assert MEASURE + "B2-1" in {str(h.iri) for h in result.hits}  # its group is the narrower one


def test_empty_facet_choices_do_not_narrow(index: SearchIndex) -> None:
    plain = [h.iri for h in index.search("fluchtling").hits]
    with_empty = [h.iri for h in index.search("fluchtling", {"department": [], "group": [], "status": []}).hits]
    assert plain == with_empty
    assert any("programm/" in str(iri) for iri in plain)  # not only measures
