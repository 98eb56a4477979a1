"""Content negotiation: parse an Accept header (several types, q-values, wildcards) and pick the best of
what a route offers. Pure functions: no Flask here, so every route and test uses the same rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int  # position in the header: earlier wins a tie

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed parts are skipped, a missing header means */*."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if media == "*":
            media = "*/*"
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q, order))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the client gives a media type: that of the most specific range that matches it."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0
    best = max(matching, key=lambda r: (r.specificity, -r.order))
    return best.q


def choose(header: str | None, offered: list[str]) -> str | None:
    """The offered media type the client likes best (ties: the client's order, then ours); None: 406."""
    ranges = parse_accept(header)
    scored = []
    for position, media_type in enumerate(offered):
        q = quality(ranges, media_type)
        if q > 0:
            exact = [r.order for r in ranges if r.matches(media_type) and r.specificity == 2]
            scored.append((-q, min(exact) if exact else len(ranges), position, media_type))
    return min(scored)[3] if scored else None
