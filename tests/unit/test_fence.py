"""Two sites, the fence's pure parts: each body of a term carries the term's token where its readers ignore it,
so the bodies of two terms never share an ETag; the PUTs' conditions, the listing, the term kept in the state."""

from __future__ import annotations

import hashlib
import json
import shutil

import icalendar

from elytra_status.infra import schemas
from elytra_status.publish import fence
from elytra_status.publish.aws_cli import upload_plan
from elytra_status.publish.aws_upload import content_type
from elytra_status.publish.upload import stage
from elytra_status.render import generation, status_doc
from elytra_status.render.checks import check_text
from support.documents import NOW, one_run

TERM, OTHER = "0123456789abcdef", "fedcba9876543210"
BELIEVED = {"public/index.html": '"1111"', "public/status.json": '"2222"'}


def the_set(tmp_path):
    config, document, files, days = one_run(tmp_path)
    made = generation.render(config, document, files, days, NOW)
    return config, document, made.objects(config)


def test_every_body_of_a_term_carries_its_token_and_reads_as_before(tmp_path):
    _, document, objects = the_set(tmp_path)
    kinds = {content_type(key).split(";")[0] for key in objects}
    assert kinds == {"application/json", "text/html", "application/atom+xml", "text/calendar"}
    for key, data in objects.items():
        marked = fence.mark(key, data, TERM)
        assert fence.term_in(key, marked) == TERM, key
        assert fence.term_in(key, data) is None, key  # one site: the bytes as rendered
        if content_type(key) == "application/json":
            # Whitespace after the value: status.json and the badge keep exactly their schemas' fields.
            assert json.loads(marked) == json.loads(data), key
        else:
            check_text(key, marked, document["updated_at"])  # still of this run, well-formed, a calendar
    status = fence.mark("status.json", objects["status.json"], TERM)
    assert status_doc.status_age(status, NOW)[0] == document
    badge = json.loads(fence.mark("badge.json", objects["badge.json"], TERM))
    schemas.check("badge.json", badge)
    calendar = icalendar.Calendar.from_ical(fence.mark("maintenance.ics", objects["maintenance.ics"], TERM))
    assert str(calendar["X-ELYTRA-TERM"]) == TERM and str(calendar["VERSION"]) == "2.0"
    page = fence.mark("index.html", objects["index.html"], TERM)
    assert page.endswith(f"</html>\n<!-- term {TERM} -->\n".encode())


def test_the_same_body_in_two_terms_has_two_etags(tmp_path):
    """An ETag is the body's MD5: a key rewritten with the same bytes would keep it, and a stale If-Match win."""
    _, _, objects = the_set(tmp_path)
    for key, data in objects.items():
        etags = {hashlib.md5(body).hexdigest() for body in (data, *(fence.mark(key, data, t) for t in (TERM, OTHER)))}
        assert len(etags) == 3, key


def test_a_term_begins_at_a_takeover_and_lasts_across_renewals(tmp_path):
    site: dict = {}
    first = fence.begin_term(site, took_over=False)  # a holder whose state was lost: a term of its own
    assert len(first) == 16 and int(first, 16) >= 0
    site[fence.ETAGS] = {"public/status.json": '"abc"'}
    assert fence.begin_term(site, took_over=False) == first
    assert site[fence.ETAGS] == {"public/status.json": '"abc"'}
    second = fence.begin_term(site, took_over=True)
    assert second != first
    assert fence.ETAGS not in site  # what the last writer left is listed again


def test_one_site_sends_no_condition_and_two_sites_a_condition_on_every_put(tmp_path):
    config, _, objects = the_set(tmp_path)
    staging = stage(objects)
    try:
        plans = [upload_plan(staging, list(objects), config, "g" * 32, b) for b in (None, BELIEVED)]
    finally:
        shutil.rmtree(staging)
    single, fenced = plans[0], {entry["key"]: entry for entry in plans[1]}
    assert [entry["key"] for entry in single] == ["public/" + key for key in objects]
    assert single[-1]["key"] == "public/status.json"  # last
    for entry in single:
        assert not {"--if-match", "--if-none-match"} & set(entry["put"]), entry["key"]
        assert {"create", "ours"}.isdisjoint(entry)
        put = entry["put"]
        assert put[put.index("--content-type") + 1] == content_type(entry["key"])
        assert put[put.index("--acl") + 1] == "public-read"
        assert put[put.index("--metadata") + 1] == "generator=" + "g" * 32
    for key, entry in fenced.items():
        put = entry["put"]
        if key in BELIEVED:
            assert put[-2:] == ["--if-match", BELIEVED[key]]
            assert entry["create"][-2:] == ["--if-none-match", "*"]  # if it was deleted meanwhile
        else:
            assert put[-2:] == ["--if-none-match", "*"] and "create" not in entry
        body = objects[key.removeprefix("public/")]
        assert entry["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
        assert entry["ours"][:2] == ["s3api", "head-object"] and entry["etag"] in entry["ours"]


LISTING = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>status</Name><Prefix>public/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>100</MaxKeys><IsTruncated>%s</IsTruncated>%s
<Contents><Key>public/status.json</Key><LastModified>2026-11-28T12:00:00.000Z</LastModified>
<ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>public/.sites/lease.json</Key><ETag>&quot;aa&quot;</ETag></Contents>
</ListBucketResult>"""


def test_a_listing_page_gives_each_key_its_etag_and_the_next_page(tmp_path):
    last = LISTING % (b"false", b"")
    found, token = fence.parse_listing(last)
    assert found == {"public/status.json": '"5d41402abc4b2a76b9719d911017c592"', "public/.sites/lease.json": '"aa"'}
    assert token is None
    more = LISTING % (b"true", b"<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm</NextContinuationToken>")
    assert fence.parse_listing(more)[1] == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm"


def test_a_map_grown_past_its_bound_is_dropped_and_listed_again():
    site = {fence.ETAGS: {f"public/incidents/{n}.html": '"x"' for n in range(fence.MAX_KEYS)}}
    kept = fence.Fence(TERM, site, store=None)  # type: ignore[arg-type]
    kept.learn({"public/incidents/0.html": '"y"'})
    assert site[fence.ETAGS]["public/incidents/0.html"] == '"y"'
    kept.learn({"public/incidents/new.html": '"z"'})
    assert fence.ETAGS not in site
