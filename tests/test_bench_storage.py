"""bench/storage.py runs end to end: `--quick` (10k triples, 5 runs) writes the Markdown report with its tables and
the Targets section. The figures are not asserted: they depend on the machine."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERY_ROWS = ("Q1 DESCRIBE measure", "Q1c measure (CONSTRUCT)", "Q2 measures of a department",
              "Q3 measures per target group", "Q4 latest indicator per place", "Q5 text search",
              "Q6 subtree of a goal")


def test_quick_run_writes_the_tables_and_the_targets(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "storage.py"), "--quick", "--out", str(out),
         "--workdir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    text = out.read_text("utf-8")

    assert text.startswith("# Storage benchmark")
    assert re.search(r"Machine: \d+ cores", text) and "pyoxigraph" in text and "rdflib" in text

    assert "## 10k:" in text
    header = next(line for line in text.splitlines() if line.startswith("| query |"))
    for column in ("embedded answer", "embedded direct", "pyoxigraph", "rdflib", "plangraph HTTP",
                   "rdflib-endpoint HTTP", "Virtuoso HTTP", "HTTP overhead ms", "plangraph ÷ Virtuoso"):
        assert column in header
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| Q")}
    for name in QUERY_ROWS:
        assert name in rows, name
        assert rows[name].count("|") == header.count("|")
    for table in ("| loading | seconds |", "| memory | MB |", "| other | figure |"):
        assert table in text
    assert "plangraph load (CLI)" in text and "cache" in text and "throughput" in text

    targets = text.split("## Targets", 1)[1].split("\n## ", 1)[0]
    verdicts = [line for line in targets.splitlines() if line.startswith("| ") and not line.startswith("| target")]
    assert len(verdicts) == 8
    for line in verdicts:
        assert re.search(r"\*\*(not )?met\*\*|not measured", line), line
    for target in ("p50 < 5 ms", "throughput", "2× Virtuoso", "cache < 1 ms", "10× faster", "HTTP overhead",
                   "loading 1M triples < 10 s", "< 100 ms"):
        assert target in targets, target
