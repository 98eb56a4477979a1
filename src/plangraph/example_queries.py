"""The ready example queries (src/plangraph/examples/*.rq): each file a query whose first comment lines
give its title in German and English ("# title@de: ...")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

EXAMPLES_DIR = Path(__file__).parent / "examples"
_TITLE = re.compile(r"^#\s*title@(\w+):\s*(.+)$")


@dataclass(frozen=True)
class Example:
    slug: str
    titles: dict[str, str]
    text: str

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("de") or self.slug


def parse_example(slug: str, text: str) -> Example:
    titles = {}
    for line in text.splitlines():
        match = _TITLE.match(line.strip())
        if match:
            titles[match.group(1)] = match.group(2).strip()
    body = "\n".join(line for line in text.splitlines() if not _TITLE.match(line.strip())).strip() + "\n"
    return Example(slug, titles, body)


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    return tuple(parse_example(path.stem, path.read_text(encoding="utf-8"))
                 for path in sorted(EXAMPLES_DIR.glob("*.rq")))


def example(slug: str) -> Example | None:
    return next((e for e in examples() if e.slug == slug), None)
