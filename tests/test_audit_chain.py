"""The audit trail's verifier and hashing on an in-memory chain (no database: fast, and the tests
`make mutate` runs against bot/audit/trail.py): an edit of every hashed field, a broken link, a
forged or misplaced head."""
from datetime import datetime, timedelta, timezone

import pytest

from bot.audit.models import AuditEntry, AuditHead
from bot.audit.trail import GENESIS, canonical, entry_hash, head_signature, sign, verify_entries


def _chain(n: int = 3, key: str = "k"):
    """n entries chained and signed as bot.audit.trail.append does, and their signed head."""
    entries, prev = [], GENESIS
    start = datetime(2027, 1, 25, 2, 0, tzinfo=timezone.utc)
    for i in range(1, n + 1):
        e = AuditEntry(id=i, seq=i, at=start + timedelta(minutes=i), actor=f"dispatcher:d{i}", action="ticket.sign",
                       object_type="ticket", object_id=f"GD2345678{i}", reason=f"理由{i}",
                       data={"from": "dispatched", "to": "signed", "n": i}, prev_hash=prev)
        e.hash = entry_hash(e)
        e.signature = sign(e.hash, key)
        entries.append(e)
        prev = e.hash
    head = AuditHead(id=1, last_seq=n, last_hash=prev, signature=head_signature(n, prev, key))
    return entries, head


def test_in_memory_chain_verifies():
    entries, head = _chain()
    result = verify_entries(entries, head, key="k")
    assert result.ok and result.checked == 3 and "3 entries verified" in result.message()
    assert not verify_entries(entries, head, key="other").ok


@pytest.mark.parametrize("field, value", [
    ("at", datetime(2027, 1, 25, 3, 0, tzinfo=timezone.utc)),
    ("actor", "dispatcher:someone_else"), ("action", "ticket.resolve"), ("object_type", "user"),
    ("object_id", "GD99999999"), ("reason", "改过的理由"), ("reason", None),
    ("data", {"from": "dispatched", "to": "resolved", "n": 2}), ("data", None),
])
def test_an_edit_of_any_hashed_field_is_named(field, value):
    entries, head = _chain()
    setattr(entries[1], field, value)
    result = verify_entries(entries, head, key="k")
    assert not result.ok and result.first_bad_seq == 2 and result.checked == 1
    assert "edited" in result.problem and "seq=2" in result.message()


def test_an_edited_link_or_seq_is_named():
    entries, head = _chain()
    entries[2].prev_hash = "f" * 64
    result = verify_entries(entries, head, key="k")
    assert not result.ok and result.first_bad_seq == 3 and "prev_hash" in result.problem
    entries, head = _chain()
    entries[1].seq = 7
    result = verify_entries(entries, head, key="k")
    assert not result.ok and result.first_bad_seq == 7 and "expected seq 2" in result.problem


def test_hashing_covers_every_field_and_the_link():
    """canonical(): changing any one argument changes the bytes hashed."""
    args = dict(seq=1, at=datetime(2027, 1, 25, tzinfo=timezone.utc), actor="a", action="b", object_type="c",
                object_id="d", reason="e", data={"f": 1}, prev_hash=GENESIS)
    base = canonical(**args)
    for name, other in (("seq", 2), ("at", datetime(2027, 1, 26, tzinfo=timezone.utc)), ("actor", "x"),
                        ("action", "x"), ("object_type", "x"), ("object_id", "x"), ("reason", "x"),
                        ("reason", None), ("data", {"f": 2}), ("data", None), ("prev_hash", "1" * 64)):
        assert canonical(**{**args, name: other}) != base, name
    # naive datetimes are UTC (SQLite hands them back naive): the same hash
    assert canonical(**{**args, "at": datetime(2027, 1, 25)}) == base


def test_a_forged_head_is_detected():
    entries, head = _chain()
    # the tail deleted and the head rewritten to match, signed without the audit key
    head.last_seq, head.last_hash = 2, entries[1].hash
    head.signature = head_signature(2, entries[1].hash, "guessed-key")
    result = verify_entries(entries[:2], head, key="k")
    assert not result.ok and result.problem == "chain head signature invalid" and result.checked == 2
    assert "chain head" in result.message()
    # a correctly signed head that does not point at the last entry
    entries, head = _chain()
    head.last_hash = entries[1].hash
    head.signature = head_signature(3, entries[1].hash, "k")
    result = verify_entries(entries, head, key="k")
    assert not result.ok and "chain head records 3 entries" in result.problem
    # entries without any head
    result = verify_entries(entries, None, key="k")
    assert not result.ok and result.problem == "chain head missing"


def test_the_canonical_form_is_fixed():
    """Stored trails are verified by recomputing this form: any change to it (a key renamed, the
    time format, the separators, ASCII escaping) would make every existing trail look edited."""
    import hashlib
    import hmac

    body = canonical(7, datetime(2027, 1, 25, 2, 0, 0, 123456, tzinfo=timezone.utc), "admin:system",
                     "ticket.recompute", "ticket", "GD7KX3M9QP", "节假日安排更新",
                     {"changed": {"resolve_by": {"to": "2027-02-20T23:59:59+08:00"}}}, GENESIS)
    assert body.decode("utf-8") == (
        '{"action":"ticket.recompute","actor":"admin:system","at":"2027-01-25T02:00:00.123456Z",'
        '"data":{"changed":{"resolve_by":{"to":"2027-02-20T23:59:59+08:00"}}},"object_id":"GD7KX3M9QP",'
        '"object_type":"ticket","prev":"' + "0" * 64 + '","reason":"节假日安排更新","seq":7}')
    assert sign("abc", key="k") == hmac.new(b"k", b"abc", hashlib.sha256).hexdigest()
    assert head_signature(3, "f" * 64, "k") == hmac.new(b"k", ("head:3:" + "f" * 64).encode(), hashlib.sha256).hexdigest()
    # the time is UTC whatever offset it came with
    at_plus8 = datetime(2027, 1, 25, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    assert canonical(7, at_plus8, "admin:system", "ticket.recompute", "ticket", "GD7KX3M9QP", "节假日安排更新",
                     {"changed": {"resolve_by": {"to": "2027-02-20T23:59:59+08:00"}}}, GENESIS) == body
