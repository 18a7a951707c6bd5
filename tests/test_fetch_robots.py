"""robots.txt rules as RFC 9309 reads them (the cases urllib.robotparser gets wrong included)."""

from __future__ import annotations

import pytest

from referat.ingest.fetch.http import USER_AGENT
from referat.ingest.fetch.robots import RobotsRules


def allowed(robots: str, url: str, agent: str = USER_AGENT) -> bool:
    return RobotsRules.parse(robots, agent).allowed(url)


@pytest.mark.parametrize(
    "robots, url, expected",
    [
        # longest match wins, whatever the order
        ("User-agent: *\nDisallow: /\nAllow: /dagsorden", "/dagsorden/x", True),
        ("User-agent: *\nAllow: /dagsorden\nDisallow: /dagsorden/lukket", "/dagsorden/lukket/1", False),
        # a tie goes to Allow
        ("User-agent: *\nDisallow: /bilag\nAllow: /bilag", "/bilag/a.pdf", True),
        # wildcards
        ("User-agent: *\nDisallow: /*.pdf$", "https://k.dk/bilag/a.pdf", False),
        ("User-agent: *\nDisallow: /*.pdf$", "https://k.dk/bilag/a.pdf?download=1", True),
        ("User-agent: *\nDisallow: /*?print=", "https://k.dk/side?print=1", False),
        ("User-agent: *\nDisallow: /*?print=", "https://k.dk/side", True),
        ("User-agent: *\nDisallow: /søg", "https://k.dk/s%C3%B8g?q=budget", False),
        ("User-agent: *\nDisallow: /s%c3%b8g", "https://k.dk/søg", False),
        # an empty Disallow allows everything; no rules at all too
        ("User-agent: *\nDisallow:", "/x", True),
        ("", "/x", True),
        ("Disallow: /", "/x", True),  # rules before any user-agent line belong to no group
        # robots.txt itself may always be read
        ("User-agent: *\nDisallow: /", "/robots.txt", True),
        ("User-agent: *\nDisallow: /", "/", False),
    ],
)
def test_rules(robots, url, expected):
    assert allowed(robots, url) is expected


def test_own_group_replaces_the_star_group():
    robots = "User-agent: *\nDisallow: /\n\nUser-agent: Referat\nDisallow: /lukket/\n"
    assert allowed(robots, "/dagsorden/x")
    assert not allowed(robots, "/lukket/x")
    assert not allowed(robots, "/dagsorden/x", agent="OtherBot/2.0")


def test_groups_with_several_agents_and_repeated_groups_merge():
    robots = (
        "User-agent: googlebot\nUser-agent: referat\nDisallow: /a\n"
        "User-agent: bingbot\nDisallow: /b\n"
        "User-agent: referat\nDisallow: /c  # comment\n"
    )
    assert not allowed(robots, "/a") and allowed(robots, "/b") and not allowed(robots, "/c")


def test_crawl_delay_is_read_for_the_agent():
    robots = "User-agent: *\nCrawl-delay: 10\n\nUser-agent: referat\nCrawl-delay: 0.5\nDisallow:\n"
    assert RobotsRules.parse(robots, USER_AGENT).crawl_delay == 0.5
    assert RobotsRules.parse(robots, "other").crawl_delay == 10
    assert RobotsRules.parse("User-agent: *\nCrawl-delay: soon\n", USER_AGENT).crawl_delay is None
