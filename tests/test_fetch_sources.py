"""Source configs: the example for ballerup.dk and the checks that catch a wrong config early."""

from __future__ import annotations

from pathlib import Path

import pytest

from referat.errors import InputError
from referat.ingest.fetch.sources import load_source, parse_source

BALLERUP = Path(__file__).resolve().parent.parent / "samples" / "sources" / "ballerup.toml"


def test_ballerup_example_classifies_the_site_shape():
    source = load_source(BALLERUP)
    assert source.name == "Ballerup Kommune"
    assert source.start_urls == ("https://ballerup.dk/dagsorden-og-referat",)
    assert source.allowed_hosts == {"ballerup.dk", "www.ballerup.dk"}
    assert source.delay == 2.0 and source.max_pages == 20
    cases = {
        "https://ballerup.dk/dagsorden/kommunalbestyrelsen-28-10-2024": "meeting",
        "https://ballerup.dk/dagsorden/social-og-sundhedsudvalget-05-02-2024/": "meeting",
        "https://ballerup.dk/sites/default/files/2024-10/Referat%20KB.pdf": "document",
        "https://ballerup.dk/media/1234/bilag-1.PDF?download=1": "document",
        "https://ballerup.dk/dagsorden-og-referat?page=2": "listing",
        "https://ballerup.dk/dagsorden-og-referat": None,
        "https://ballerup.dk/om-kommunen": None,
        "https://example.org/dagsorden/kommunalbestyrelsen-28-10-2024": None,
    }
    assert {url: source.classify(url) for url in cases} == cases


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kommune.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_gets_defaults(tmp_path):
    source = load_source(
        write(tmp_path, "name = 'K'\nstart_urls = 'https://Kommune.dk/referater'\ndocument_links = '\\.pdf$'\n")
    )
    assert source.start_urls == ("https://kommune.dk/referater",)
    assert source.allowed_hosts == {"kommune.dk"}
    assert source.delay is None and source.max_pages == 10 and source.max_documents == 5000
    assert source.meeting_links == () and source.follow == ()


@pytest.mark.parametrize(
    "text, problem",
    [
        ("name = 'K'\nstart_urls = ['https://k.dk/']\nmeeting_link = 'x'\n", "unknown key(s) meeting_link"),
        ("name = 'K'\nstart_urls = ['https://k.dk/']\ndocument_links = '(['\n", "invalid regular expression"),
        ("name = 'K'\nstart_urls = ['https://k.dk/']\n", "give 'meeting_links' or 'document_links'"),
        ("name = 'K'\nstart_urls = []\ndocument_links = 'x'\n", "'start_urls' must list at least one"),
        ("name = 'K'\nstart_urls = ['ftp://k.dk/']\ndocument_links = 'x'\n", "only http and https"),
        ("start_urls = ['https://k.dk/']\ndocument_links = 'x'\n", "'name' must be a non-empty string"),
        (
            "name = 'K'\nstart_urls = ['https://k.dk/']\ndocument_links = 'x'\nallowed_hosts = ['other.dk']\n",
            "start URL https://k.dk/ is not on the allowed hosts",
        ),
        ("name = 'K'\nstart_urls = ['https://k.dk/']\ndocument_links = 'x'\ndelay = -1\n", "'delay' must be at least 0"),
        ("name = 'K'\nstart_urls = ['https://k.dk/']\ndocument_links = 'x'\nmax_pages = 1.5\n", "'max_pages' must be an integer"),
        ("name = 'K\n", "not valid TOML"),
    ],
)
def test_bad_configs_name_the_file_and_the_problem(tmp_path, text, problem):
    with pytest.raises(InputError) as info:
        load_source(write(tmp_path, text))
    assert info.value.source.endswith("kommune.toml")
    assert problem in info.value.problem
    assert "\n" not in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(InputError, match="cannot read the source config"):
        load_source(tmp_path / "findes-ikke.toml")


def test_wildcard_hosts():
    source = parse_source(
        {"name": "K", "start_urls": ["https://www.k.dk/"], "document_links": "x", "allowed_hosts": ["*.k.dk"]}
    )
    assert source.allowed_hosts == {"*.k.dk"}
