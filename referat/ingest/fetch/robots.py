"""robots.txt as RFC 9309 defines it: the rules a polite crawler must obey.

Why not `urllib.robotparser`: it takes the first matching rule instead of the longest, and reads
`*` and `$` literally. A site that writes `Disallow: /*?print=` or `Disallow: /*.pdf$` (common in
CMS defaults) would then be crawled where it asked not to be. This module is the small part of
RFC 9309 referat needs: groups per user agent, longest match wins, Allow wins a tie, `*` and `$`
wildcards, percent-encoding compared in one normal form, plus the non-standard Crawl-delay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

# Characters left as they are when paths and patterns are put in one percent-encoded form.
_SAFE = "/:@!$&'()*+,;=?~-._"


def _normal(text: str) -> str:
    """One spelling for a path or pattern: %c3%b8, %C3%B8 and ø all become %C3%B8."""
    return quote(unquote(text), safe=_SAFE)


@dataclass(frozen=True)
class _Rule:
    allow: bool
    length: int
    regex: re.Pattern[str]

    @classmethod
    def make(cls, allow: bool, pattern: str) -> _Rule:
        pattern = _normal(pattern)
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        regex = ".*".join(re.escape(part) for part in body.split("*")) + (r"\Z" if anchored else "")
        return cls(allow, len(pattern), re.compile(regex))


@dataclass
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one robots.txt that apply to one crawler (`agent`: its product token)."""

    rules: tuple[_Rule, ...] = ()
    crawl_delay: float | None = None

    @classmethod
    def parse(cls, text: str, agent: str) -> RobotsRules:
        """Rules for `agent` ("referat", or a whole User-Agent string, whose token is used).

        The groups naming the agent are merged; if none does, the "*" groups are; if neither
        exists, everything is allowed. Unknown lines and garbage are ignored, as the RFC asks.
        """
        token = agent.split("/", 1)[0].strip().lower()
        groups: list[_Group] = []
        current: _Group | None = None
        in_agents = False  # the previous meaningful line was a user-agent line
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if current is None or not in_agents:
                    current = _Group()
                    groups.append(current)
                current.agents.append(value.split("/", 1)[0].strip().lower())
                in_agents = True
                continue
            if current is None:
                continue  # rules before any user-agent line belong to no group
            in_agents = False
            if key in ("allow", "disallow") and value:  # an empty Disallow allows everything
                current.rules.append(_Rule.make(key == "allow", value))
            elif key == "crawl-delay":
                try:
                    delay = float(value)
                except ValueError:
                    continue
                if delay >= 0:
                    current.crawl_delay = delay
        chosen = [g for g in groups if token in g.agents] or [g for g in groups if "*" in g.agents]
        delays = [g.crawl_delay for g in chosen if g.crawl_delay is not None]
        return cls(
            rules=tuple(rule for group in chosen for rule in group.rules),
            crawl_delay=max(delays) if delays else None,
        )

    def allowed(self, url: str) -> bool:
        """May `url` (absolute, or a path with query) be fetched? /robots.txt always may."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if path == "/robots.txt":
            return True
        target = _normal(path + (f"?{parts.query}" if parts.query else ""))
        best: _Rule | None = None
        for rule in self.rules:
            if rule.regex.match(target) and (
                best is None or rule.length > best.length or (rule.length == best.length and rule.allow)
            ):
                best = rule
        return best is None or best.allow
