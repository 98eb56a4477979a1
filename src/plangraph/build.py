"""`plangraph build`: source text + curated files -> validated dataset (TriG) + build report, reproducibly.

Nothing here looks at the clock or the environment: two builds of the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from plangraph.dataset import blank_nodes, make_dataset, read_rdf_file, serialize, union
from plangraph.errors import InputError, Location, NotConforming
from plangraph.formats import rdf_format
from plangraph.ingest.lexicon import Lexicon
from plangraph.ingest.pipeline import Ingested, ingest
from plangraph.ingest.plan_graph import OrganisationIndex
from plangraph.iris import Minter
from plangraph.namespaces import PG_ONTOLOGY, bind_prefixes
from plangraph.report import render_build_report
from plangraph.validate import ValidationReport, validate_graph


@dataclass(frozen=True)
class Inputs:
    source: Path
    curated_dir: Path
    vocabulary: Graph | None = None  # published as its own named graph, so queries see its labels


@dataclass
class BuildResult:
    dataset: Dataset
    ingested: Ingested
    validation: ValidationReport
    trig: str
    report: str


def load_curated(directory: Path, minter: Minter) -> Graph:
    """All curated Turtle files in one graph, relative IRIs resolved against the base IRI."""
    graph = bind_prefixes(Graph())
    if not directory.is_dir():
        raise InputError("no such folder of curated files", Location(file=str(directory)))
    for path in sorted(directory.glob("*.ttl")):
        part = read_rdf_file(path, base=minter.base)
        if blank_nodes(part):
            raise InputError(
                "curated files must not use blank nodes (give every node an IRI, e.g. a hash IRI)",
                Location(file=str(path)),
            )
        for triple in union(part):
            graph.add(triple)
    return graph


def build(inputs: Inputs, minter: Minter, lexicon: Lexicon, shapes: Graph) -> BuildResult:
    """Run the whole build in memory. Raises NotConforming (with the report) when the shapes say no."""
    source_text = inputs.source.read_text(encoding="utf-8")
    curated = load_curated(inputs.curated_dir, minter)
    ingested = ingest(source_text, lexicon, minter, OrganisationIndex.from_graph(curated),
                      source=inputs.source.name)
    plan_graph = ingested.graph
    _describe_graphs(plan_graph, curated, minter, inputs, source_text)
    graphs = {minter.graph("plan"): plan_graph, minter.graph("curated"): curated}
    if inputs.vocabulary is not None:
        graphs[URIRef(PG_ONTOLOGY)] = inputs.vocabulary
    dataset = make_dataset(graphs)
    validation = validate_graph(union(dataset), shapes)
    report = render_build_report(
        source_name=inputs.source.name,
        source_sha256=hashlib.sha256(source_text.encode("utf-8")).hexdigest(),
        source_lines=source_text.count("\n") + 1,
        ingested=ingested,
        validation=validation,
        lexicon=lexicon.description(),
        graph_sizes={"plan": len(plan_graph), "curated": len(curated),
                     **({"vocabulary": len(inputs.vocabulary)} if inputs.vocabulary is not None else {})},
        minter=minter,
    )
    result = BuildResult(dataset, ingested, validation, serialize(dataset, rdf_format("trig")), report)
    return result


def write(result: BuildResult, dataset_file: Path, report_file: Path) -> None:
    """Write the report always; the dataset only when it conforms (nothing invalid is published)."""
    _write_text(report_file, result.report)
    if not result.validation.conforms:
        raise NotConforming(
            f"the built dataset does not conform to the shapes ({len(result.validation.violations)} "
            f"violations); see {report_file}"
        )
    _write_text(dataset_file, result.trig)


def _write_text(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then an atomic rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror}", Location(file=str(path))) from error


def _describe_graphs(plan: Graph, curated: Graph, minter: Minter, inputs: Inputs, source_text: str) -> None:
    """Each named graph says what it is and where it comes from (provenance per graph)."""
    plan_name, curated_name = minter.graph("plan"), minter.graph("curated")
    document = minter.source_document()
    digest = hashlib.sha256(source_text.encode("utf-8")).hexdigest()
    for subject, kind in ((plan_name, "plan"), (curated_name, "curated")):
        target = plan if kind == "plan" else curated
        target.add((subject, RDF.type, PROV.Entity))
    plan.add((plan_name, DCTERMS.title, Literal("Plan aus dem Quelltext", lang="de")))
    plan.add((plan_name, DCTERMS.title, Literal("Plan from the source text", lang="en")))
    plan.add((plan_name, DCTERMS.description, Literal(
        "Alles, was der Text des Plans sagt, OCR-bereinigt; erzeugt von `plangraph build` "
        f"aus {inputs.source.name} (SHA-256 {digest}).", lang="de")))
    plan.add((plan_name, PROV.wasDerivedFrom, document))
    plan.add((plan_name, DCTERMS.source, document))
    curated.add((curated_name, DCTERMS.title, Literal("Redaktionelle Ergänzungen", lang="de")))
    curated.add((curated_name, DCTERMS.title, Literal("Editorial additions", lang="en")))
    curated.add((curated_name, DCTERMS.description, Literal(
        "Was die Redaktion über den Text hinaus ergänzt: Organisationen, Orte, Programme, Ereignisse, "
        "Statuskategorien und SDG-Bezüge. Jede Aussage dieses Graphen ist redaktionell.", lang="de")))
    curated.add((curated_name, PROV.wasDerivedFrom, URIRef(document)))
