from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from scarclinic.audit.models import AuditChainHead, AuditEntry
from scarclinic.audit.services import audit_record, audit_verify


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    AuditChainHead.objects.get_or_create(id=1)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(15):
                audit_record(
                    action="read", object_type="patients.patient", object_id=f"{worker}-{n}"
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.count() == 90
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 91))
    assert audit_verify() == []
