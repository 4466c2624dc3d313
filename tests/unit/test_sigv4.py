"""The hand-written SigV4 signs every request the run sends exactly as botocore's S3 signer does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials

from elytra_status.infra import sigv4
from elytra_status.infra.signed_s3 import object_url

KEYS = sigv4.Keys("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "fra1")
FENCED_PUT = {
    "Content-Type": "application/json",
    "Cache-Control": "public, max-age=60",
    "x-amz-acl": "public-read",
    "x-amz-meta-elytra-generator": "0f3c9a1b2c3d",
}
CASES = {
    "lease read": ("GET", "http://127.0.0.1:9000", "elytra-status", ".sites/lease.json", {}, b"", {}),
    "lease renewal (If-Match)": (
        "PUT",
        "http://127.0.0.1:9000/",
        "elytra-status",
        "status/.sites/lease.json",
        {"If-Match": '"9b2cf535f27731c974343645a3985328"', "Content-Type": "application/json"},
        b'{"version": 1, "holder": "fra1"}',
        {},
    ),
    "first lease (If-None-Match)": (
        "PUT",
        "https://fra1.digitaloceanspaces.com",
        "elytra-status",
        ".sites/lease.json",
        {"If-None-Match": "*"},
        b"{}",
        {},
    ),
    "status.json confirmed, fenced": (
        "PUT",
        "https://fra1.digitaloceanspaces.com:8443",
        "elytra-status",
        "status.json",
        {**FENCED_PUT, "If-Match": '"abc"'},
        b'{"schema_version": 1}',
        {},
    ),
    "listing with a prefix of folders": (
        "GET",
        "http://localhost:8333",
        "b",
        "",
        {},
        b"",
        {"list-type": "2", "prefix": "status/.sites/health-", "max-keys": "1000"},
    ),
    "odd key and spaced values": (
        "PUT",
        "http://[::1]:9000",
        "b",
        "a folder/ü~x+y=z&.json",
        {"Content-Type": "text/html;  charset=utf-8", "X-Amz-Meta-Note": "  two   spaces "},
        b"<p>",
        {},
    ),
    "user agent and connection not signed": (
        "GET",
        "https://s3.example.com:443",
        "b",
        "k",
        {"User-Agent": "elytra-status/1", "Connection": "keep-alive"},
        b"",
        {},
    ),
}


def botocore_signed(method, url, headers, body, sign_payload=True):
    """botocore's S3 signer over the same request: its headers, and the moment it signed at."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    if not sign_payload:
        request.context["client_config"] = BotoConfig(s3={"payload_signing_enabled": False})
    S3SigV4Auth(Credentials(KEYS.access_key, KEYS.secret_key), "s3", KEYS.region).add_auth(request)
    at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return dict(request.headers.items()), at


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("sign_payload", [True, False], ids=["payload sha256", "UNSIGNED-PAYLOAD"])
def test_the_authorization_header_is_botocores_to_the_byte(case, sign_payload):
    method, endpoint, bucket, key, headers, body, query = CASES[case]
    url = object_url(endpoint, bucket, key, query)
    theirs, at = botocore_signed(method, url, headers, body, sign_payload)
    ours = sigv4.sign(method, url, headers, body, KEYS, at, sign_payload=sign_payload)
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours == theirs  # every header sent, the date and the payload hash included
    assert "SignedHeaders=" in ours["Authorization"]
    for name in headers:
        signed = name.lower() not in sigv4.NOT_SIGNED
        assert (name.lower() in ours["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")) == signed


def test_the_signature_covers_the_condition_and_the_body():
    method, endpoint, bucket, key, headers, body, query = CASES["status.json confirmed, fenced"]
    url = object_url(endpoint, bucket, key, query)
    at = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)
    base = sigv4.sign(method, url, headers, body, KEYS, at)["Authorization"]
    assert sigv4.sign(method, url, {**headers, "If-Match": '"abd"'}, body, KEYS, at)["Authorization"] != base
    assert sigv4.sign(method, url, headers, body + b" ", KEYS, at)["Authorization"] != base
    assert "if-match" in base and "x-amz-acl" in base and "x-amz-meta-elytra-generator" in base


def test_the_query_is_strictly_encoded_in_the_url_it_signs():
    url = object_url("http://h:1/", "b", "", {"prefix": "a/b c", "list-type": "2"})
    assert url == "http://h:1/b/?list-type=2&prefix=a%2Fb%20c"
