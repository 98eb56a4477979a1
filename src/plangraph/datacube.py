"""The W3C RDF Data Cube's well-formedness: the integrity constraints IC-1 to IC-21, each a SPARQL ASK query as the
Recommendation gives it (https://www.w3.org/TR/vocab-data-cube/#wf-rules, REC of 2014-01-16), run on the cube in its
normalized form (the spec's normalization algorithm, phase 1 and 2, applied to a copy).

An ASK that answers true has found a violation. IC-20 and IC-21 are templates: the spec instantiates them once per
parent-child property of the cube's hierarchical code lists.

One query differs from the REC's text, where that text cannot work in a conforming SPARQL 1.1 engine: IC-17 says
`HAVING (?count != ?numMeasures)`, but HAVING is evaluated before the SELECT clause binds `?count`, so the constraint
would never fire (neither in Oxigraph nor in rdflib); it repeats the aggregate instead, `HAVING (COUNT(?obs2) !=
?numMeasures)`, which is what the spec means (REC_IC17_HAVING keeps the original for the test that shows this).

The queries run in an in-memory Oxigraph store (the engine of the embedded store), not in rdflib: IC-12 compares
dimension values with `=`, and rdflib, keeping to the letter of SPARQL's operator table, raises a type error for two
different xsd:gYear literals, so IC-12 would report every pair of years as duplicates (tests/test_datacube.py keeps
that quirk in view). Oxigraph compares xsd:gYear values, as the spec's query expects.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX qb: <http://purl.org/linked-data/cube#>
"""

# The normalization algorithm (spec section 10.2): phase 1 adds the types and qb:componentProperty links the
# abbreviated form leaves out, phase 2 pushes attributes and dimensions attached to data sets and slices down to
# the observations. The ICs are written for the normalized form.
NORMALIZE_PHASE_1 = """
INSERT { ?o rdf:type qb:Observation . } WHERE { [] qb:observation ?o . };
INSERT { ?o rdf:type qb:Observation . } WHERE { ?o qb:dataSet [] . };
INSERT { ?s rdf:type qb:Slice . } WHERE { [] qb:slice ?s . };
INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:DimensionProperty . } WHERE { ?cs qb:dimension ?p . };
INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:MeasureProperty . } WHERE { ?cs qb:measure ?p . };
INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:AttributeProperty . } WHERE { ?cs qb:attribute ?p . }
"""

NORMALIZE_PHASE_2 = """
# Dataset attachments
INSERT { ?obs ?comp ?value } WHERE {
    ?spec qb:componentProperty ?comp ;
          qb:componentAttachment qb:DataSet .
    ?dataset qb:structure [qb:component ?spec] ;
             ?comp ?value .
    ?obs qb:dataSet ?dataset .
};
# Slice attachments
INSERT { ?obs ?comp ?value } WHERE {
    ?spec qb:componentProperty ?comp ;
          qb:componentAttachment qb:Slice .
    ?dataset qb:structure [qb:component ?spec] ;
             qb:slice ?slice .
    ?slice ?comp ?value ;
           qb:observation ?obs .
};
# Dimension values on slices
INSERT { ?obs ?comp ?value } WHERE {
    ?spec qb:componentProperty ?comp .
    ?comp a qb:DimensionProperty .
    ?dataset qb:structure [qb:component ?spec] ;
             qb:slice ?slice .
    ?slice ?comp ?value ;
           qb:observation ?obs .
}
"""


REC_IC17_HAVING = "HAVING (?count != ?numMeasures)"


@dataclass(frozen=True)
class IntegrityConstraint:
    """One IC: its number, the spec's title and sentence (in English, as the spec words them, and in German), and
    its ASK queries (IC-19 has two, one per kind of code list). A template (IC-20, IC-21) has `$p` in its ASK and
    a SELECT `instances` that binds `?p` to each property to put in its place."""

    number: int
    title: str
    text: dict[str, str]
    asks: tuple[str, ...]
    instances: str = ""


@dataclass(frozen=True)
class CubeViolation:
    """A cube that breaks an IC, named as the spec names it."""

    number: int
    title: str
    text: dict[str, str]

    @property
    def name(self) -> str:
        return f"IC-{self.number} {self.title}"

    def message(self, lang: str) -> str:
        return f"{self.name}: {self.text.get(lang) or self.text['en']}"


def _ic(number: int, title: str, de: str, en: str, *asks: str, instances: str = "") -> IntegrityConstraint:
    return IntegrityConstraint(number, title, {"de": de, "en": en}, asks, instances)


CONSTRAINTS: tuple[IntegrityConstraint, ...] = (
    _ic(1, "Unique DataSet",
        "Jede qb:Observation gehört zu genau einem qb:DataSet.",
        "Every qb:Observation has exactly one associated qb:DataSet.",
        """ASK {
  {
    # Check observation has a data set
    ?obs a qb:Observation .
    FILTER NOT EXISTS { ?obs qb:dataSet ?dataset1 . }
  } UNION {
    # Check has just one data set
    ?obs a qb:Observation ;
       qb:dataSet ?dataset1, ?dataset2 .
    FILTER (?dataset1 != ?dataset2)
  }
}"""),
    _ic(2, "Unique DSD",
        "Jedes qb:DataSet hat genau eine qb:DataStructureDefinition.",
        "Every qb:DataSet has exactly one associated qb:DataStructureDefinition.",
        """ASK {
  {
    # Check dataset has a dsd
    ?dataset a qb:DataSet .
    FILTER NOT EXISTS { ?dataset qb:structure ?dsd . }
  } UNION {
    # Check has just one dsd
    ?dataset a qb:DataSet ;
       qb:structure ?dsd1, ?dsd2 .
    FILTER (?dsd1 != ?dsd2)
  }
}"""),
    _ic(3, "DSD includes measure",
        "Jede qb:DataStructureDefinition enthält mindestens ein Merkmal (qb:MeasureProperty).",
        "Every qb:DataStructureDefinition must include at least one declared measure.",
        """ASK {
  ?dsd a qb:DataStructureDefinition .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty [a qb:MeasureProperty]] }
}"""),
    _ic(4, "Dimensions have range",
        "Jede Dimension einer qb:DataStructureDefinition hat einen rdfs:range.",
        "Every dimension declared in a qb:DataStructureDefinition must have a declared rdfs:range.",
        """ASK {
  ?dim a qb:DimensionProperty .
  FILTER NOT EXISTS { ?dim rdfs:range [] }
}"""),
    _ic(5, "Concept dimensions have code lists",
        "Jede Dimension mit dem rdfs:range skos:Concept hat eine qb:codeList.",
        "Every dimension with range skos:Concept must have a qb:codeList.",
        """ASK {
  ?dim a qb:DimensionProperty ;
       rdfs:range skos:Concept .
  FILTER NOT EXISTS { ?dim qb:codeList [] }
}"""),
    _ic(6, "Only attributes may be optional",
        "Nur Attribute dürfen mit qb:componentRequired false als optional gekennzeichnet sein.",
        "The only components of a qb:DataStructureDefinition that may be marked as optional, using "
        "qb:componentRequired are attributes.",
        """ASK {
  ?dsd qb:component ?componentSpec .
  ?componentSpec qb:componentRequired "false"^^xsd:boolean ;
                 qb:componentProperty ?component .
  FILTER NOT EXISTS { ?component a qb:AttributeProperty }
}"""),
    _ic(7, "Slice Keys must be declared",
        "Jeder qb:SliceKey gehört zu einer qb:DataStructureDefinition.",
        "Every qb:SliceKey must be associated with a qb:DataStructureDefinition.",
        """ASK {
    ?sliceKey a qb:SliceKey .
    FILTER NOT EXISTS { [a qb:DataStructureDefinition] qb:sliceKey ?sliceKey }
}"""),
    _ic(8, "Slice Keys consistent with DSD",
        "Jede qb:componentProperty eines qb:SliceKey ist auch eine Komponente seiner qb:DataStructureDefinition.",
        "Every qb:componentProperty on a qb:SliceKey must also be declared as a qb:component of the associated "
        "qb:DataStructureDefinition.",
        """ASK {
  ?slicekey a qb:SliceKey;
      qb:componentProperty ?prop .
  ?dsd qb:sliceKey ?slicekey .
  FILTER NOT EXISTS { ?dsd qb:component [qb:componentProperty ?prop] }
}"""),
    _ic(9, "Unique slice structure",
        "Jede qb:Slice hat genau eine qb:sliceStructure.",
        "Each qb:Slice must have exactly one associated qb:sliceStructure.",
        """ASK {
  {
    # Slice has a key
    ?slice a qb:Slice .
    FILTER NOT EXISTS { ?slice qb:sliceStructure ?key }
  } UNION {
    # Slice has just one key
    ?slice a qb:Slice ;
           qb:sliceStructure ?key1, ?key2;
    FILTER (?key1 != ?key2)
  }
}"""),
    _ic(10, "Slice dimensions complete",
        "Jede qb:Slice hat einen Wert für jede Dimension ihrer qb:sliceStructure.",
        "Every qb:Slice must have a value for every dimension declared in its qb:sliceStructure.",
        """ASK {
  ?slice qb:sliceStructure [qb:componentProperty ?dim] .
  FILTER NOT EXISTS { ?slice ?dim [] }
}"""),
    _ic(11, "All dimensions required",
        "Jede qb:Observation hat einen Wert für jede Dimension ihrer qb:DataStructureDefinition.",
        "Every qb:Observation has a value for each dimension declared in its associated "
        "qb:DataStructureDefinition.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty;
    FILTER NOT EXISTS { ?obs ?dim [] }
}"""),
    _ic(12, "No duplicate observations",
        "Keine zwei qb:Observations eines qb:DataSet haben in allen Dimensionen dieselben Werte.",
        "No two qb:Observations in the same qb:DataSet may have the same value for all dimensions.",
        """ASK {
  FILTER( ?allEqual )
  {
    # For each pair of observations test if all the dimension values are the same
    SELECT (MIN(?equal) AS ?allEqual) WHERE {
        ?obs1 qb:dataSet ?dataset .
        ?obs2 qb:dataSet ?dataset .
        FILTER (?obs1 != ?obs2)
        ?dataset qb:structure/qb:component/qb:componentProperty ?dim .
        ?dim a qb:DimensionProperty .
        ?obs1 ?dim ?value1 .
        ?obs2 ?dim ?value2 .
        BIND( ?value1 = ?value2 AS ?equal)
    } GROUP BY ?obs1 ?obs2
  }
}"""),
    _ic(13, "Required attributes",
        "Jede qb:Observation hat einen Wert für jedes als erforderlich gekennzeichnete Attribut.",
        "Every qb:Observation has a value for each declared attribute that is marked as required.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component ?component .
    ?component qb:componentRequired "true"^^xsd:boolean ;
               qb:componentProperty ?attr .
    FILTER NOT EXISTS { ?obs ?attr [] }
}"""),
    _ic(14, "All measures present",
        "In einem qb:DataSet ohne Merkmalsdimension hat jede qb:Observation einen Wert für jedes Merkmal.",
        "In a qb:DataSet which does not use a Measure dimension then each individual qb:Observation must have a "
        "value for every declared measure.",
        """ASK {
    # Observation in a non-measureType cube
    ?obs qb:dataSet/qb:structure ?dsd .
    FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }

    # verify every measure is present
    ?dsd qb:component/qb:componentProperty ?measure .
    ?measure a qb:MeasureProperty;
    FILTER NOT EXISTS { ?obs ?measure [] }
}"""),
    _ic(15, "Measure dimension consistent",
        "In einem qb:DataSet mit Merkmalsdimension hat jede qb:Observation einen Wert für das Merkmal ihres "
        "qb:measureType.",
        "In a qb:DataSet which uses a Measure dimension then each qb:Observation must have a value for the "
        "measure corresponding to its given qb:measureType.",
        """ASK {
    # Observation in a measureType-cube
    ?obs qb:dataSet/qb:structure ?dsd ;
         qb:measureType ?measure .
    ?dsd qb:component/qb:componentProperty qb:measureType .
    # Must have value for its measureType
    FILTER NOT EXISTS { ?obs ?measure [] }
}"""),
    _ic(16, "Single measure on measure dimension observation",
        "In einem qb:DataSet mit Merkmalsdimension hat jede qb:Observation einen Wert für nur ein Merkmal.",
        "In a qb:DataSet which uses a Measure dimension then each qb:Observation must only have a value for one "
        "measure (by IC-15 this will be the measure corresponding to its qb:measureType).",
        """ASK {
    # Observation with measureType
    ?obs qb:dataSet/qb:structure ?dsd ;
         qb:measureType ?measure ;
         ?omeasure [] .
    # Any measure on the observation
    ?dsd qb:component/qb:componentProperty qb:measureType ;
         qb:component/qb:componentProperty ?omeasure .
    ?omeasure a qb:MeasureProperty .
    # Must be the same as the measureType
    FILTER (?omeasure != ?measure)
}"""),
    _ic(17, "All measures present in measures dimension cube",
        "In einem qb:DataSet mit Merkmalsdimension gibt es zu jeder Beobachtung Beobachtungen mit denselben übrigen "
        "Dimensionswerten für jedes Merkmal.",
        "In a qb:DataSet which uses a Measure dimension then if there is a Observation for some combination of "
        "non-measure dimensions then there must be other Observations with the same non-measure dimension values "
        "for each of the declared measures.",
        """ASK {
  {
      # Count number of other measures found at each point
      SELECT ?numMeasures (COUNT(?obs2) AS ?count) WHERE {
          {
              # Find the DSDs and check how many measures they have
              SELECT ?dsd (COUNT(?m) AS ?numMeasures) WHERE {
                  ?dsd qb:component/qb:componentProperty ?m.
                  ?m a qb:MeasureProperty .
              } GROUP BY ?dsd
          }

          # Observation in measureType cube
          ?obs1 qb:dataSet/qb:structure ?dsd;
                qb:dataSet ?dataset ;
                qb:measureType ?m1 .

          # Other observation at same dimension value
          ?obs2 qb:dataSet ?dataset ;
                qb:measureType ?m2 .
          FILTER NOT EXISTS {
              ?dsd qb:component/qb:componentProperty ?dim .
              FILTER (?dim != qb:measureType)
              ?dim a qb:DimensionProperty .
              ?obs1 ?dim ?v1 .
              ?obs2 ?dim ?v2.
              FILTER (?v1 != ?v2)
          }

      } GROUP BY ?obs1 ?numMeasures
        HAVING (COUNT(?obs2) != ?numMeasures)
  }
}"""),
    _ic(18, "Consistent data set links",
        "Hat ein qb:DataSet D eine qb:slice S und S eine qb:observation O, dann gehört O zu D.",
        "If a qb:DataSet D has a qb:slice S, and S has an qb:observation O, then the qb:dataSet corresponding to O "
        "must be D.",
        """ASK {
    ?dataset qb:slice       ?slice .
    ?slice   qb:observation ?obs .
    FILTER NOT EXISTS { ?obs qb:dataSet ?dataset . }
}"""),
    _ic(19, "Codes from code list",
        "Hat eine Dimension eine qb:codeList, dann ist ihr Wert in jeder qb:Observation ein Code dieser Liste.",
        "If a dimension property has a qb:codeList, then the value of the dimension property on every "
        "qb:Observation must be in the code list.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a skos:ConceptScheme .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list }
}""",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a skos:Collection .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?v a skos:Concept . ?list skos:member+ ?v }
}"""),
    _ic(20, "Codes from hierarchy",
        "Hat eine Dimension eine qb:HierarchicalCodeList, dann ist ihr Wert in jeder qb:Observation von einer "
        "Wurzel der Hierarchie über die qb:parentChildProperty erreichbar.",
        "If a dimension property has a qb:HierarchicalCodeList with a non-blank qb:parentChildProperty then the "
        "value of that dimension property on every qb:Observation must be reachable from a root of the hierarchy "
        "using zero or more hops along the qb:parentChildProperty links.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
        qb:codeList ?list .
    ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?list qb:hierarchyRoot/<$p>* ?v }
}""",
        instances="""SELECT ?p WHERE {
    ?hierarchy a qb:HierarchicalCodeList ;
                 qb:parentChildProperty ?p .
    FILTER ( isIRI(?p) )
}"""),
    _ic(21, "Codes from hierarchy (inverse)",
        "Hat eine Dimension eine qb:HierarchicalCodeList mit inverser qb:parentChildProperty, dann ist ihr Wert in "
        "jeder qb:Observation von einer Wurzel der Hierarchie über die inversen Verknüpfungen erreichbar.",
        "If a dimension property has a qb:HierarchicalCodeList with an inverse qb:parentChildProperty then the "
        "value of that dimension property on every qb:Observation must be reachable from a root of the hierarchy "
        "using zero or more hops along the inverse qb:parentChildProperty links.",
        """ASK {
    ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
    ?dim a qb:DimensionProperty ;
         qb:codeList ?list .
    ?list a qb:HierarchicalCodeList .
    ?obs ?dim ?v .
    FILTER NOT EXISTS { ?list qb:hierarchyRoot/(^<$p>)* ?v }
}""",
        instances="""SELECT ?p WHERE {
    ?hierarchy a qb:HierarchicalCodeList;
                 qb:parentChildProperty ?pcp .
    FILTER( isBlank(?pcp) )
    ?pcp  owl:inverseOf ?p .
    FILTER( isIRI(?p) )
}"""),
)


def normalized(graph: Graph) -> ox.Store:
    """A copy of the cube, in the spec's normalized form, in a new in-memory store (the graph is left as it is)."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    store.update(PREFIXES + NORMALIZE_PHASE_1)
    store.update(PREFIXES + NORMALIZE_PHASE_2)
    return store


def check_cube(graph: Graph) -> list[CubeViolation]:
    """The ICs the cube breaks, in the spec's order ([] for a well-formed cube). `graph` holds the cube: its data
    sets, structures, component properties, observations and any code lists it uses."""
    cube = normalized(graph)
    return [CubeViolation(ic.number, ic.title, ic.text) for ic in CONSTRAINTS if _broken(cube, ic)]


def _broken(cube: ox.Store, ic: IntegrityConstraint) -> bool:
    if not ic.instances:
        return any(_ask(cube, ask) for ask in ic.asks)
    found = cube.query(PREFIXES + ic.instances)
    assert isinstance(found, ox.QuerySolutions)
    properties = sorted({row["p"].value for row in found if isinstance(row["p"], ox.NamedNode)})
    return any(_ask(cube, ask.replace("$p", p)) for p in properties for ask in ic.asks)


def _ask(cube: ox.Store, query: str) -> bool:
    answer = cube.query(PREFIXES + query)
    assert isinstance(answer, ox.QueryBoolean)
    return bool(answer)
