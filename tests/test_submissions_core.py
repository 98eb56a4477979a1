"""The write path in process (plangraph.submissions), on a memory store holding the published dataset: what the
HTTP tests cannot easily reach, such as a rebuild of the published dataset after a correction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from plangraph import resources
from plangraph.errors import InputError
from plangraph.iris import Minter
from plangraph.publish import ensure_published
from plangraph.store.memory import MemoryStore
from plangraph.submissions import Rejected, Submissions, kind_of

BASE = "https://w3id.org/plangraph/herne/"
MEASURE = URIRef(f"{BASE}wohnen-und-stadtentwicklung/massnahme/B2-3")
PREFIXES = """@prefix pg: <https://w3id.org/plangraph/def#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture
def published(dataset_file: Path) -> MemoryStore:
    store = MemoryStore(workers=1)
    ensure_published(store, dataset_file)
    return store


def entry(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def correction(new: str) -> Graph:
    return entry(f"""<{MEASURE}#korrektur> a pg:TextCorrection ; pg:correctionOf <{MEASURE}> ;
        pg:correctedProperty dcterms:description ; prov:value {Literal(new, lang='de').n3()} .""")


def descriptions(store: MemoryStore) -> list[str]:
    rows = store.select(f"SELECT ?d WHERE {{ <{MEASURE}> <{DCTERMS.description}> ?d }}")
    return sorted(str(row["d"]) for row in rows)


def test_a_correction_survives_the_published_dataset_being_loaded_again(published: MemoryStore, dataset_file: Path,
                                                                        tmp_path: Path) -> None:
    submissions = Submissions(published, Minter(BASE), resources.shapes_graph())
    [old] = descriptions(published)
    submissions.submit(correction("Erste Berichtigung."), "Redaktion")
    submissions.submit(correction("Zweite Berichtigung."), "Redaktion")
    assert descriptions(published) == ["Zweite Berichtigung."]

    # a rebuild: the same dataset with another digest, so that the published graphs are loaded again
    rebuilt = tmp_path / "herne.trig"
    rebuilt.write_bytes(dataset_file.read_bytes() + b"\n# rebuilt\n")
    assert ensure_published(published, rebuilt).changed
    assert sorted(descriptions(published)) == sorted([old, "Zweite Berichtigung."])
    assert submissions.reapply_corrections() == 1
    assert descriptions(published) == ["Zweite Berichtigung."]

    # the chain of versions: the second correction replaced the first's text and is a revision of it
    rows = published.select("""PREFIX pg: <https://w3id.org/plangraph/def#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?c ?old ?previous WHERE { ?c pg:replacedText ?old OPTIONAL { ?c prov:wasRevisionOf ?previous } }
        ORDER BY ?old""")
    assert [str(r["old"]) for r in rows] == sorted([old, "Erste Berichtigung."])
    assert any(r.get("previous") is not None for r in rows)


def test_kinds_are_told_apart_and_mixed_entries_refused() -> None:
    assert kind_of(correction("x"))[0] == "correction"
    with pytest.raises(InputError, match="one kind per submission"):
        kind_of(entry(f"""<{MEASURE}#k> a pg:TextCorrection . <{MEASURE}#s> a pg:StatusReport ."""))
    with pytest.raises(InputError, match="nothing to submit"):
        kind_of(entry(f"<{MEASURE}> dcterms:title 'x' ."))
    with pytest.raises(InputError, match="blank node"):
        kind_of(entry("[] a pg:StatusReport ."))


def test_a_rejected_entry_writes_nothing(published: MemoryStore) -> None:
    submissions = Submissions(published, Minter(BASE), resources.shapes_graph())
    version = published.version
    with pytest.raises(Rejected) as rejected:
        submissions.submit(entry(f"""<{MEASURE}#status-2025-01-01> a pg:StatusReport ; pg:statusOf <{MEASURE}> ;
            dcterms:date "2025-01-01"^^xsd:date ."""), "Redaktion", now=datetime(2025, 1, 2, tzinfo=UTC))
    assert not rejected.value.report.conforms
    assert published.version == version
