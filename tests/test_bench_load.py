"""bench/load.py runs end to end: `--quick` (10 clients, 5 s per phase, two short kills) writes the Markdown report
with its sections, tables and the Targets. The figures are not asserted: they depend on the machine."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("sparql: example", "sparql: lookup", "page", "search", "catalog", "dump", "refused (400/404)", "submission",
         "all (slow queries aside)")
TARGETS = ("zero errors", "p99 under 1 s", "within 3×", "every acknowledged submission survives SIGKILL",
           "the store opens and serves")


def section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]


def rows(part: str) -> dict[str, list[str]]:
    """The table rows of a section by their first cell (header and rule lines aside)."""
    found = {}
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and not set(cells[0]) <= {"-", ":"}:
            found[cells[0]] = cells
    return found


def test_quick_run_writes_every_section_and_the_targets(tmp_path: Path) -> None:
    out = tmp_path / "load.md"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--quick", "--out", str(out), "--workdir",
         str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    text = out.read_text("utf-8")

    assert text.startswith("# Load and fault benchmark")
    assert re.search(r"Machine: \d+ cores", text)
    assert "The client runs on the same" in text and "make serve" in text and "10 closed-loop clients" in text

    targets = rows(section(text, "Targets"))
    verdicts = [cells for name, cells in targets.items() if name != "target"]
    assert len(verdicts) == len(TARGETS)
    for name, cells in zip(TARGETS, verdicts, strict=True):
        assert name in cells[0], cells
        assert re.fullmatch(r"\*\*(not )?met\*\*", cells[2]), cells

    for heading in ("(a) Mixed load", "(b) The same load", "(b') The same load"):
        table = rows(section(text, heading))
        header = table["kind"]
        assert header[:8] == ["kind", "requests", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"]
        for kind in KINDS:
            assert kind in table, (heading, kind)
            assert len(table[kind]) == len(header)
    slow = rows(section(text, "(b) The same load"))
    assert "slow query" in slow and "slow query" in rows(section(text, "(b') The same load"))
    for figure in ("fast SPARQL (example queries and lookups) p99 ms", "throughput requests/s",
                   "one client alone, fast SPARQL p99 ms"):
        assert figure in slow, figure

    faults = rows(section(text, "(c) Faults"))
    assert faults["fault"][1] == "acknowledged / found after restart / lost"
    for name in ("SIGKILL during the mixed load", "SIGKILL during a submission"):
        assert re.fullmatch(r"\d+ / \d+ / \d+", faults[name][1]), faults[name]
        assert len(faults[name]) == len(faults["fault"])
    assert "tests/test_faults.py" in text
    assert re.search(r"\d+ tracebacks", section(text, "Server log"))
