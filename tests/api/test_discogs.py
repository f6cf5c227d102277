"""The release on Discogs, linked from the partner API's item summary and the buyer's page
when the registration names one (``discogs_release``), on SQLite and PostgreSQL."""

from __future__ import annotations

from provenance.ledger.schemas import EventType

from ..samples import VINYL, VINYL_GRADE
from .conftest import Shop, TestClient, auth

RELEASE = "https://www.discogs.com/release/1425983"


def _released(shop: Shop) -> str:
    item = shop.ledger.register(
        signer=shop.staff.registrar, data={**VINYL, "discogs_release": 1425983}
    ).event.item
    shop.ledger.append(
        signer=shop.staff.grader, item=item, event_type=EventType.GRADE, data=VINYL_GRADE
    )
    return item


def test_the_item_summary_links_the_release(client: TestClient, shop: Shop) -> None:
    item = _released(shop)
    headers = auth(shop.keys["items"])
    body = client.get(f"/v1/items/{item}", headers=headers).json()
    assert body["discogs_url"] == RELEASE
    assert body["details"]["discogs_release"] == 1425983
    plain = client.get(f"/v1/items/{shop.record}", headers=headers).json()
    assert plain["discogs_url"] is None and "discogs_release" not in plain["details"]
    film = client.get(f"/v1/items/{shop.film}", headers=headers).json()
    assert film["discogs_url"] is None


def test_the_buyer_page_links_the_release(client: TestClient, shop: Shop) -> None:
    item = _released(shop)
    page = client.get(f"/v/{item}")
    assert page.status_code == 200
    assert (
        f'<p id="discogs"><a href="{RELEASE}" rel="noopener noreferrer">'
        "This release on Discogs</a></p>"
    ) in page.text
    assert "1425983" not in page.text.replace(RELEASE, "")  # no raw id among the details
    other = client.get(f"/v/{shop.record}")
    assert other.status_code == 200 and 'id="discogs"' not in other.text
    assert "discogs.com" not in other.text
