"""Layouts of other municipalities through the whole pipeline: an agenda item printed without a
number or a meeting date (a page of one item) is stored, searched, shown in a history and on the
web, and read again by `reparse`."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from referat.archive import Archive
from referat.web.server import create_app

UNDATED_ITEM = """Forslag om nye bænke langs havnepromenaden

Sagsfremstilling

Et medlem har foreslået, at der opstilles ti nye bænke langs havnepromenaden i Eksempelfjord.

Indstilling

Forvaltningen indstiller, at forslaget godkendes.

Bilag

Kort over promenaden

Økonomiudvalgets beslutning: Forslaget godkendes.
"""
NUMBERED_ITEM = """Mødedato: 12.05.2022, kl. 17:30
Mødested: Rådhuset

Ny cykelparkering ved stationen

Indstilling

Teknik- og Miljøforvaltningen indstiller, at cykelparkeringen udvides med 200 pladser.

Beslutning

Teknik- og Miljøudvalgets beslutning i mødet den 12. maj 2022

Indstillingen blev godkendt.
"""


def test_items_without_number_or_date_are_stored_searched_and_shown(tmp_path: Path) -> None:
    undated = tmp_path / "in" / "agenda_item-baenke.txt"
    numbered = tmp_path / "in" / "punkt-7.txt"
    undated.parent.mkdir()
    undated.write_text(UNDATED_ITEM, encoding="utf-8")
    numbered.write_text(NUMBERED_ITEM, encoding="utf-8")
    data = tmp_path / "data"
    with Archive(data) as archive:
        report = archive.ingest([undated.parent])
        assert report.ingested == 2 and not report.failed
        hits = archive.search("bænke")["hits"]
        assert [h["title"] for h in hits] == ["Forslag om nye bænke langs havnepromenaden"]
        hit = hits[0]
        assert hit["id"] == "oekonomiudvalget-udateret-x" and hit["meeting_date"] is None and hit["outcome"] == "approved"
        assert hit["item_number"] is None
        history = archive.history(hit["id"])
        assert history["steps"][0]["meeting_date"] is None
        numbered_hit = archive.search("cykelparkering")["hits"][0]
        assert numbered_hit["item_number"] == 7 and numbered_hit["meeting_date"] == "2022-05-12"
        assert archive.reparse().reparsed == 2
        assert archive.stats()["items"] == 2
    with TestClient(create_app(data_dir=data)) as client:
        page = client.get("/punkt/oekonomiudvalget-udateret-x")
        assert page.status_code == 200 and "Forslag om nye bænke" in page.text and "udateret" in page.text
        assert client.get("/").status_code == 200
        assert client.get("/api/item/oekonomiudvalget-udateret-x").json()["meeting_date"] is None
