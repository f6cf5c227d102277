"""The partner API's read routes on SQLite and PostgreSQL: item summaries with verification
status, histories, bundles, the log, anchors and keys; errors as JSON; privacy."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from eth_account import Account
from provenance_api.deps import accepts_gzip
from sqlalchemy import insert, text, update

from provenance.chain.anchorer import Anchorer, AnchorSettings, fund_dev_account, record_deployment
from provenance.chain.contract import deploy
from provenance.chain.endpoints import ChainSpec, connect
from provenance.chain.transactions import FeePolicy
from provenance.ledger.schemas import EventType
from provenance.log.transparency import TransparencyLog
from provenance.proof.bundle import build_bundle
from provenance.proof.verifier import verify_bundle
from provenance.storage.migrate import schema_head
from provenance.storage.tables import chain_alarms, deployments

from .conftest import CONTACT, OWNER, Shop, TestClient, auth


def _get(client: TestClient, shop: Shop, path: str, key: str = "all") -> Any:
    response = client.get(path, headers=auth(shop.keys[key]))
    assert response.status_code == 200, response.text
    return response.json()


def _checks(body: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in body["verification"]["checks"]}


def _anchor(shop: Shop, *, lasting: bool) -> None:
    """Checkpoint the log and anchor it on the embedded EVM; ``lasting`` marks the deployment
    as if it were on a lasting chain (the embedded one is gone when the process ends)."""
    chain = connect(ChainSpec("embedded"))
    account = Account.create()
    fund_dev_account(chain, account.address)
    deployed = deploy(chain, account, FeePolicy())
    deployment = record_deployment(shop.ledger.engine, chain, deployed, deployer=account.address)
    anchorer = Anchorer(
        shop.ledger.engine, chain, account, deployment, AnchorSettings(), sleep=lambda _s: None
    )
    checkpoint, _new = TransparencyLog(shop.ledger.engine).checkpoint(shop.log_key)
    anchorer.anchor(checkpoint)
    if lasting:
        with shop.ledger.engine.begin() as conn:
            conn.execute(update(deployments).values(ephemeral=False))


def test_item_summary(client: TestClient, shop: Shop) -> None:
    body = _get(client, shop, f"/v1/items/{shop.record}")
    assert (body["item"], body["kind"], body["title"]) == (shop.record, "vinyl", "Blue Train")
    assert body["creator"] == "John Coltrane"
    assert body["details"]["catalog_number"] == "BLP 1577"
    assert body["grade"]["sleeve"] == "VG+"  # the correction is applied
    assert (body["transfers"], body["status"], body["flagged"]) == (1, None, False)
    assert body["owner_since"] is not None and body["events"] == 5
    assert body["verification"]["ok"] is True
    assert _checks(body) == {
        "hashes": "passed",
        "chain": "passed",
        "signatures": "passed",
        "keys": "passed",
        "checkpoint": "not_checked",
        "inclusion": "not_checked",
        "anchor": "not_checked",
    }
    assert body["verification"]["newest_event_anchored"] is False
    assert body["verdict"] == "pending" and body["verdict_detail"]["verdict"] == "pending"
    assert "not sealed on a chain yet" in body["verdict_detail"]["advice"]
    film = _get(client, shop, f"/v1/items/{shop.film.lower().replace('-', '')}")
    assert (film["item"], film["status"], film["flagged"]) == (shop.film, "stolen", True)
    assert film["verdict"] == "warning"
    assert film["verdict_detail"]["headline"].startswith("This item was reported STOLEN on 20")
    assert film["verdict_detail"]["advice"] == "Do not buy it; contact the store."
    assert film["grade"]["ad_level"] == "1.5"


def test_item_anchored_on_an_ephemeral_then_a_lasting_chain(client: TestClient, shop: Shop) -> None:
    _anchor(shop, lasting=False)
    body = _get(client, shop, f"/v1/items/{shop.record}")
    assert _checks(body)["checkpoint"] == "passed"
    assert _checks(body)["inclusion"] == "passed"
    assert _checks(body)["anchor"] == "not_checked"  # ephemeral: gone with its process
    assert body["verification"]["newest_event_anchored"] is False
    assert body["verification"]["anchor"]["ephemeral"] is True
    assert body["verdict"] == "pending"
    assert "sealed on a development chain only" in body["verdict_detail"]["advice"]

    # The same anchor recorded as on Ethereum mainnet (the page and API read the store's
    # anchor records; the chain itself is read by audit, chain status and verify --rpc).
    with shop.ledger.engine.begin() as conn:
        conn.execute(update(deployments).values(ephemeral=False, chain_id=1))
    body = _get(client, shop, f"/v1/items/{shop.record}")
    assert body["verdict"] == "verified", body["verdict_detail"]
    assert "sealed on Ethereum mainnet" in body["verdict_detail"]["advice"]
    assert _checks(body)["anchor"] == "passed"
    assert body["verification"]["newest_event_anchored"] is True
    assert (body["verification"]["events_anchored"], body["verification"]["events_pending"]) == (
        5,
        0,
    )
    anchors = _get(client, shop, "/v1/anchors")["anchors"]
    assert [(a["state"], a["ephemeral"], a["tree_size"]) for a in anchors] == [
        ("final", False, TransparencyLog(shop.ledger.engine).size())
    ]

    # A newer event is signed and checked, but not yet covered by the anchored checkpoint.
    shop.ledger.append(
        signer=shop.staff.grader, item=shop.record, event_type=EventType.NOTE, data={"text": "x"}
    )
    body = _get(client, shop, f"/v1/items/{shop.record}")
    assert body["verification"]["ok"] is True
    assert body["verification"]["newest_event_anchored"] is False
    assert body["verification"]["events_pending"] == 1
    assert body["verdict"] == "pending"
    assert "its newest 1 event is not sealed" in body["verdict_detail"]["advice"]
    # A chain alarm (the log disagrees with a contract) fails every item, cached or not.
    with shop.ledger.engine.begin() as conn:
        conn.execute(
            insert(chain_alarms).values(
                chain_id=1, address="0x" + "ab" * 20, kind="shortfall", tree_size=99,
                chain_root="cd" * 32, local_root=None, local_size=20,
                found_at="2026-12-02T00:00:00Z",
            )
        )  # fmt: skip
    body = _get(client, shop, f"/v1/items/{shop.record}")
    assert body["verdict"] == "failed"
    assert "disagrees with what it sealed on chain" in body["verdict_detail"]["reasons"][0]
    bundle = _get(client, shop, f"/v1/items/{shop.record}/bundle")
    assert bundle["anchor"]["ephemeral"] is False


def test_a_tampered_event_fails_verification_even_after_a_cached_answer(
    client: TestClient, shop: Shop
) -> None:
    assert _get(client, shop, f"/v1/items/{shop.record}")["verification"]["ok"] is True
    engine = shop.ledger.engine
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER events_no_update"))
        else:
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_no_update_delete"))
        conn.execute(
            text(
                "UPDATE events SET body = replace(body, 'light scuffs', 'mint!!!!!!!!') "
                "WHERE item = :item AND seq = 1"
            ),
            {"item": shop.record},
        )
    body = _get(client, shop, f"/v1/items/{shop.record}")
    assert body["verification"]["ok"] is False
    assert body["verdict"] == "failed"
    assert body["verdict_detail"]["headline"] == "Do not trust this item's record."
    assert _checks(body)["hashes"] == "failed"
    assert (
        "event 1"
        in next(c for c in body["verification"]["checks"] if c["name"] == "hashes")["detail"]
    )


def test_history(client: TestClient, shop: Shop) -> None:
    body = _get(client, shop, f"/v1/items/{shop.record}/history")
    assert body["item"] == shop.record
    events = body["events"]
    assert [e["type"] for e in events] == ["register", "grade", "correct", "transfer", "note"]
    assert [e["seq"] for e in events] == [0, 1, 2, 3, 4]
    transfer = events[3]
    assert set(transfer["data"]) == {"owner", "claim", "price", "reason"}
    assert len(transfer["signature"]) == 128 and len(transfer["hash"]) == 64
    assert transfer["description"].startswith("to owner ")
    keys = {k["key"] for k in _get(client, shop, "/v1/keys")["keys"]}
    assert {e["signer"] for e in events} <= keys


def test_bundle_verifies(client: TestClient, shop: Shop) -> None:
    bundle = _get(client, shop, f"/v1/items/{shop.record}/bundle")
    expected = build_bundle(shop.ledger.engine, shop.record)
    assert {**bundle, "created_at": None} == {**expected, "created_at": None}
    report = verify_bundle(bundle)
    assert report.ok, report.to_json()
    assert report.check("inclusion").status == "passed"


def test_bundle_is_gzipped_for_clients_that_accept_it(client: TestClient, shop: Shop) -> None:
    path = f"/v1/items/{shop.record}/bundle"
    plain = client.get(path, headers={**auth(shop.keys["all"]), "Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    # A second request is served from the memo: the very same bytes.
    again = client.get(path, headers={**auth(shop.keys["all"]), "Accept-Encoding": "identity"})
    assert again.content == plain.content
    with client.stream(
        "GET", path, headers={**auth(shop.keys["all"]), "Accept-Encoding": "gzip, br;q=0.5"}
    ) as packed:
        raw = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["vary"] == "Accept-Encoding"
    assert len(raw) < len(plain.content) * 0.7
    assert gzip.decompress(raw) == plain.content
    refused = client.get(path, headers={**auth(shop.keys["all"]), "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.content == plain.content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("GZIP, deflate", True),
        ("deflate, x-gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("gzip;q=nonsense", False),
        ("gzip;level=9", False),
        ("br, deflate", False),
        ("", False),
        ("*", False),  # the identity encoding is always acceptable, and never wrong
    ],
)
def test_accept_encoding(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_latest_checkpoint_and_consistency(client: TestClient, shop: Shop) -> None:
    log = TransparencyLog(shop.ledger.engine)
    body = _get(client, shop, "/v1/checkpoints/latest", "log")
    latest = log.latest()
    assert latest is not None
    assert body["checkpoint"] == latest.to_json()
    assert body["log_size"] == log.size() == latest.size + 1
    assert body["log"]["verifier_key"] == log.identity().verifier_key
    proof = _get(client, shop, f"/v1/consistency?old=3&new={latest.size}", "log")
    assert proof["old_size"] == 3 and proof["new_root"] == latest.root
    assert proof["new_checkpoint"] == latest.note and proof["old_checkpoint"] is None


def test_keys_have_roles_but_no_names(client: TestClient, shop: Shop) -> None:
    response = client.get("/v1/keys", headers=auth(shop.keys["log"]))
    body = response.json()
    assert [k["role"] for k in body["keys"]] == ["admin", "registrar", "grader"]
    assert all(k["active"] and k["revoked_at"] is None for k in body["keys"])
    assert body["log"]["origin"] == "provenance.log/test-records"
    # The key names ("rick", "anna") are local metadata.
    assert "rick" not in response.text and "anna" not in response.text


def test_empty_anchor_list(client: TestClient, shop: Shop) -> None:
    assert _get(client, shop, "/v1/anchors?limit=5&offset=0", "log") == {"anchors": []}


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        # Malformed by the schema's own pattern: refused before the handler runs.
        ("/v1/items/XXXX", 422, "invalid_input"),
        ("/v1/items/%00%01%02", 422, "invalid_input"),
        ("/v1/items/7KQ2M-9XDPA-U", 422, "invalid_input"),  # U is not a symbol
        # Well formed, but no item can have this id (a typo in the check symbol): 404.
        ("/v1/items/7KQ2M-9XDPA-H", 404, "not_found"),
        ("/v1/items/" + "A" * 65, 422, "invalid_input"),
        ("/v1/items/00000-00000-0", 404, "not_found"),
        ("/v1/items/00000-00000-0/history", 404, "not_found"),
        ("/v1/items/00000-00000-0/bundle", 404, "not_found"),
        ("/v1/items/XXXX/bundle", 422, "invalid_input"),
        # Sizes within the schema's bounds with no proof behind them: 404.
        ("/v1/consistency?old=5&new=2", 404, "not_found"),
        ("/v1/consistency?old=1&new=99999", 404, "not_found"),
        ("/v1/consistency?old=0&new=2", 422, "invalid_input"),
        ("/v1/consistency?old=x&new=2", 422, "invalid_input"),
        ("/v1/consistency", 422, "invalid_input"),
        ("/v1/anchors?limit=0", 422, "invalid_input"),
        ("/v1/nothing-here", 404, "not_found"),
        ("/", 404, "not_found"),
    ],
)
def test_errors_are_one_line_json(
    client: TestClient, shop: Shop, path: str, status: int, kind: str
) -> None:
    response = client.get(path, headers=auth(shop.keys["all"]))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "kind"} and body["kind"] == kind
    assert "Traceback" not in body["error"] and "\n" not in body["error"]


def test_wrong_method_is_json(client: TestClient, shop: Shop) -> None:
    response = client.delete(f"/v1/items/{shop.record}", headers=auth(shop.keys["all"]))
    assert response.status_code == 405
    assert response.json()["kind"] == "method_not_allowed"


def test_health_and_metrics_need_no_key(client: TestClient, shop: Shop) -> None:
    assert client.get("/healthz").json() == {"ok": True, "schema_version": schema_head()}
    client.get(f"/v1/items/{shop.record}", headers=auth(shop.keys["all"]))
    client.get("/v1/items/7KQ2M-9XDPA-H", headers=auth(shop.keys["all"]))  # a typo: 404
    client.get(f"/v1/items/{shop.record}")
    text_ = client.get("/metrics").text
    route = 'route="/v1/items/{item}"'
    assert f'provenance_api_requests_total{{{route},method="GET",status="200"}} 1' in text_
    assert f'provenance_api_requests_total{{{route},method="GET",status="404"}} 1' in text_
    assert f'provenance_api_requests_total{{{route},method="GET",status="401"}} 1' in text_
    assert f"provenance_api_request_duration_seconds_count{{{route}}} 3" in text_
    assert f'provenance_api_request_duration_seconds_bucket{{{route},le="+Inf"}} 3' in text_
    assert shop.record not in text_  # routes are labelled by template, never by item
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "Provenance partner API"


def test_health_reports_an_unusable_database(client: TestClient, shop: Shop) -> None:
    with shop.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["kind"] == "configuration"


def test_no_response_names_an_owner(client: TestClient, shop: Shop) -> None:
    """Privacy: the buyer's name and contact are in the vault, and in no response of any
    route, for any key, error or not."""
    bundle = build_bundle(shop.ledger.engine, shop.record)
    bodies: list[str] = []
    for item in (shop.record, shop.film):
        for suffix in ("", "/history", "/bundle"):
            bodies.append(
                client.get(f"/v1/items/{item}{suffix}", headers=auth(shop.keys["all"])).text
            )
    for path in (
        "/v1/checkpoints/latest",
        "/v1/consistency?old=1&new=5",
        "/v1/anchors",
        "/v1/keys",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/v1/items/00000-00000-0",
        f"/v1/items/{shop.record}?owner=1",
    ):
        bodies.append(client.get(path, headers=auth(shop.keys["all"])).text)
    for document in (bundle, {"format": "nope"}):
        bodies.append(
            client.post(
                "/v1/verify",
                content=json.dumps(document),
                headers={**auth(shop.keys["all"]), "content-type": "application/json"},
            ).text
        )
    bodies.append(client.get(f"/v1/items/{shop.record}", headers=auth(shop.keys["log"])).text)
    bodies.append(client.get(f"/v1/items/{shop.record}").text)
    assert len(bodies) == 20
    for body in bodies:
        assert OWNER not in body and CONTACT not in body
        assert "Jane" not in body and "example.com" not in body
    # The vault does hold them: the test would be vacuous otherwise.
    with shop.ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT label FROM owners")).scalar() == OWNER
