from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditAction, AuditChainHead, AuditEntry
from scarclinic.audit.services import audit_record, audit_verify
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params: list[object]) -> None:
    """Change the table as an attacker with database rights would: past the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for the session: the chain must still tell.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
            cursor.execute(sql, params)


def _entries(n: int) -> list[AuditEntry]:
    return [
        audit_record(
            action=AuditAction.READ, object_type="patients.patient", object_id=i, patient_id=i
        )
        for i in range(n)
    ]


def test_entries_are_numbered_in_order_and_each_holds_the_hash_before_it() -> None:
    entries = _entries(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert audit_verify() == []


def test_the_database_refuses_to_update_an_entry() -> None:
    (entry,) = _entries(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="create")


def test_the_database_refuses_to_delete_an_entry() -> None:
    (entry,) = _entries(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_verify_reports_an_altered_entry() -> None:
    entries = _entries(4)
    _tamper("UPDATE audit_auditentry SET patient_id = 999 WHERE seq = %s", [entries[1].seq])
    problems = audit_verify()
    assert [(p.seq, p.kind) for p in problems] == [(2, "altered")]


def test_verify_reports_a_deleted_entry() -> None:
    _entries(4)
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [3])
    kinds = {(p.seq, p.kind) for p in audit_verify()}
    assert (4, "gap") in kinds and (4, "broken_link") in kinds


def test_verify_reports_a_deleted_last_entry_through_the_chain_head() -> None:
    _entries(3)
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [3])
    assert [p.kind for p in audit_verify()] == ["tail"]


def test_verify_reports_an_inserted_entry_even_with_a_self_consistent_hash() -> None:
    entries = _entries(2)
    # An entry squeezed in between, renumbering the later one, with its own correct hash.
    from scarclinic.audit.chain import entry_digest

    forged = {
        "seq": 2,
        "at": entries[0].at,
        "actor_id": None,
        "actor_username": "",
        "clinic_id": None,
        "action": "read",
        "object_type": "patients.patient",
        "object_id": "77",
        "patient_id": 77,
        "ip_address": None,
        "detail": {},
        "prev_hash": entries[0].entry_hash,
    }
    _tamper("UPDATE audit_auditentry SET seq = 3 WHERE seq = 2", [])
    AuditEntry.objects.create(**forged, entry_hash=entry_digest(**forged))
    AuditChainHead.objects.filter(id=1).update(last_seq=3)
    problems = {(p.seq, p.kind) for p in audit_verify()}
    assert (3, "altered") in problems or (3, "broken_link") in problems


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(min_value=2, max_value=8),
    target=st.integers(min_value=0, max_value=7),
    field=st.sampled_from(["object_id", "action", "patient_id", "actor_username", "detail"]),
)
def test_any_single_field_change_to_any_entry_is_detected(
    count: int, target: int, field: str
) -> None:
    with transaction.atomic():
        entries = _entries(count)
        seq = entries[min(target, count - 1)].seq
        value = {
            "object_id": "x",
            "action": "update",
            "patient_id": 424242,
            "actor_username": "mallory",
            "detail": '{"a": 1}',
        }[field]
        _tamper(f"UPDATE audit_auditentry SET {field} = %s WHERE seq = %s", [value, seq])
        assert any(p.seq == seq for p in audit_verify())
        transaction.set_rollback(True)


def test_the_audit_verify_command_passes_an_intact_chain_and_fails_a_broken_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _entries(3)
    call_command("audit_verify")
    assert "intact: 3 entries" in capsys.readouterr().out
    _tamper("UPDATE audit_auditentry SET object_id = 'x' WHERE seq = 1", [])
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert "entry 1: altered" in capsys.readouterr().out


def test_opening_a_chart_audits_who_read_which_patient_from_which_address(
    cast: Cast, login: Callable[[User], Client]
) -> None:
    client = login(cast.physician)
    client.get(f"/patients/{cast.amina.pk}/", REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.filter(action=AuditAction.READ, patient_id=cast.amina.pk).latest(
        "seq"
    )
    assert entry.actor == cast.physician
    assert entry.ip_address == "10.1.2.3"
    assert entry.clinic_id == cast.clinic_a.pk


def test_a_search_is_audited_with_the_patients_shown_but_not_the_words_typed(
    cast: Cast, login: Callable[[User], Client]
) -> None:
    login(cast.physician).get("/patients/", {"q": "qureshi"})
    entry = AuditEntry.objects.filter(action=AuditAction.LIST).latest("seq")
    assert entry.detail["shown"] == [cast.amina.pk]
    assert "qureshi" not in str(entry.detail).lower()


def test_sign_ins_and_failed_sign_ins_are_audited(cast: Cast, client: Client) -> None:
    client.post("/login/", {"username": "nurse", "password": "wrong"})
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail == {"username": "nurse"}
    client.post("/login/", {"username": "nurse", "password": "correct horse battery"})
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=cast.nurse).exists()


def test_the_director_can_filter_the_audit_log_by_patient(
    cast: Cast, login: Callable[[User], Client]
) -> None:
    login(cast.physician).get(f"/patients/{cast.bilal.pk}/")
    client = login(cast.director)
    page = client.get("/audit/", {"patient_id": cast.bilal.pk, "action": "read"})
    assert page.status_code == 200
    rows = list(page.context["page"])
    assert rows and all(e.patient_id == cast.bilal.pk and e.action == "read" for e in rows)


def test_the_audit_log_shows_only_the_directors_clinics(
    cast: Cast, login: Callable[[User], Client]
) -> None:
    login(cast.outsider).get(f"/patients/{cast.zara.pk}/")
    page = login(cast.director).get("/audit/", {"patient_id": cast.zara.pk})
    assert list(page.context["page"]) == []


def test_a_sign_in_outside_a_request_leaves_no_actor_behind_for_later_entries(cast: Cast) -> None:
    # client.login() signs in without the middleware; the next system entry must not be
    # attributed to that user.
    Client().login(username="nurse", password="correct horse battery")
    entry = audit_record(action=AuditAction.SEED, object_type="demo")
    assert entry.actor is None
