"""The database itself enforces the cell-product interlocks, on SQLite and PostgreSQL, so that
no API call, admin action, form or script can get round the services:

- an administration row is refused unless the unit is released or issued, not expired, thawed
  if it was stored frozen and not longer ago than its stability allows, meant for this patient
  (autologous, or issued for them), of the patient's clinic, and the patient has a signed
  consent in force for the procedure (cell therapy, or PRP for PRP), after a passing bedside
  check of this unit and patient; an administration is never changed (one per unit: the one-to-one key);
- a unit is created in quarantine, and its status moves only along the status machine
  (models.products.TRANSITIONS); "released" out of quarantine needs a release signature
  made after the last time it was put in quarantine, an exceptional release needs the
  medical director's co-signature, and "administered" needs its administration row.

The candidacy rules (contraindications, deferrals) are Python rules and are checked by the
service (biologics.services.administration_record).
"""

from typing import Any

from django.db import migrations

MESSAGE = "biologics interlock: "

SQLITE_ADMINISTRATION = f"""
CREATE TRIGGER biologics_administration_interlock
BEFORE INSERT ON biologics_productadministration
FOR EACH ROW BEGIN
  SELECT RAISE(ABORT, '{MESSAGE}the unit is not released or issued')
   WHERE (SELECT status FROM biologics_productunit WHERE id = NEW.product_id)
         NOT IN ('released', 'issued');
  SELECT RAISE(ABORT, '{MESSAGE}the unit has expired')
   WHERE (SELECT julianday(expires_at) FROM biologics_productunit WHERE id = NEW.product_id)
         <= julianday(NEW.administered_at);
  SELECT RAISE(ABORT, '{MESSAGE}the unit was thawed longer ago than its stability allows')
   WHERE (SELECT thawed_at IS NOT NULL
                 AND julianday(thawed_at) + stability_after_thaw_hours / 24.0
                     < julianday(NEW.administered_at)
            FROM biologics_productunit WHERE id = NEW.product_id);
  SELECT RAISE(ABORT, '{MESSAGE}the frozen unit has not been thawed')
   WHERE (SELECT storage_condition IN ('frozen', 'ln2_vapour') AND thawed_at IS NULL
            FROM biologics_productunit WHERE id = NEW.product_id);
  SELECT RAISE(ABORT, '{MESSAGE}the unit is meant for another patient')
   WHERE (SELECT intended_recipient_id IS NOT NULL AND intended_recipient_id <> NEW.patient_id
            FROM biologics_productunit WHERE id = NEW.product_id);
  SELECT RAISE(ABORT, '{MESSAGE}the unit belongs to another clinic than the patient')
   WHERE (SELECT clinic_id FROM biologics_productunit WHERE id = NEW.product_id)
         <> (SELECT clinic_id FROM patients_patient WHERE id = NEW.patient_id);
  SELECT RAISE(ABORT, '{MESSAGE}the consent does not match the product')
   WHERE NEW.consent_procedure <> (SELECT CASE product_type WHEN 'prp' THEN 'prp'
                                          ELSE 'cell_therapy' END
                                     FROM biologics_productunit WHERE id = NEW.product_id);
  SELECT RAISE(ABORT, '{MESSAGE}no signed consent in force for the procedure')
   WHERE NOT EXISTS (SELECT 1 FROM patients_signedconsent
                      WHERE patient_id = NEW.patient_id
                        AND procedure_type = NEW.consent_procedure
                        AND withdrawn_at IS NULL);
  SELECT RAISE(ABORT, '{MESSAGE}no passing bedside check of this unit and patient')
   WHERE NOT EXISTS (SELECT 1 FROM biologics_bedsidecheck
                      WHERE id = NEW.bedside_check_id AND outcome = 'passed'
                        AND product_id = NEW.product_id AND patient_id = NEW.patient_id);
END;
"""

SQLITE_ADMINISTRATION_FROZEN = f"""
CREATE TRIGGER biologics_administration_no_update
BEFORE UPDATE ON biologics_productadministration
FOR EACH ROW BEGIN
  SELECT RAISE(ABORT, '{MESSAGE}an administration record is never changed');
END;
"""

SQLITE_UNIT_CREATED = f"""
CREATE TRIGGER biologics_unit_starts_in_quarantine
BEFORE INSERT ON biologics_productunit
FOR EACH ROW WHEN NEW.status <> 'quarantine' OR NEW.exceptional_release BEGIN
  SELECT RAISE(ABORT, '{MESSAGE}a unit starts in quarantine');
END;
"""

# The allowed (from, to) pairs; kept equal to models.products.TRANSITIONS by a test.
ALLOWED = [
    ("quarantine", "released"),
    ("quarantine", "rejected"),
    ("quarantine", "recalled"),
    ("quarantine", "discarded"),
    ("released", "issued"),
    ("released", "administered"),
    ("released", "quarantine"),
    ("released", "recalled"),
    ("released", "discarded"),
    ("issued", "administered"),
    ("issued", "released"),
    ("issued", "quarantine"),
    ("issued", "recalled"),
    ("issued", "discarded"),
    ("rejected", "discarded"),
    ("recalled", "discarded"),
]
_PAIRS = " OR ".join(f"(OLD.status = '{a}' AND NEW.status = '{b}')" for a, b in ALLOWED)
_RELEASE_SIGNED = """EXISTS (
    SELECT 1 FROM biologics_electronicsignature s
     WHERE s.product_id = NEW.id AND s.action IN ('release', 'exceptional_release')
       AND NOT EXISTS (SELECT 1 FROM biologics_custodyevent c
                        WHERE c.product_id = NEW.id AND c.kind = 'quarantined'
                          AND c.at > s.signed_at))"""
_COSIGNED = """EXISTS (
    SELECT 1 FROM biologics_electronicsignature s
     WHERE s.product_id = NEW.id AND s.action = 'director_cosignature')"""
_ADMINISTERED = (
    "EXISTS (SELECT 1 FROM biologics_productadministration a WHERE a.product_id = NEW.id)"
)

SQLITE_UNIT_STATUS = f"""
CREATE TRIGGER biologics_unit_status_machine
BEFORE UPDATE ON biologics_productunit
FOR EACH ROW BEGIN
  SELECT RAISE(ABORT, '{MESSAGE}this status change is not allowed')
   WHERE OLD.status <> NEW.status AND NOT ({_PAIRS});
  SELECT RAISE(ABORT, '{MESSAGE}release needs a release signature')
   WHERE OLD.status = 'quarantine' AND NEW.status = 'released' AND NOT {_RELEASE_SIGNED};
  SELECT RAISE(ABORT, '{MESSAGE}an exceptional release needs the medical director''s signature')
   WHERE NEW.exceptional_release AND NOT OLD.exceptional_release AND NOT {_COSIGNED};
  SELECT RAISE(ABORT, '{MESSAGE}administered needs an administration record')
   WHERE NEW.status = 'administered' AND OLD.status <> 'administered' AND NOT {_ADMINISTERED};
END;
"""

SQLITE = [
    SQLITE_ADMINISTRATION,
    SQLITE_ADMINISTRATION_FROZEN,
    SQLITE_UNIT_CREATED,
    SQLITE_UNIT_STATUS,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS biologics_administration_interlock;",
    "DROP TRIGGER IF EXISTS biologics_administration_no_update;",
    "DROP TRIGGER IF EXISTS biologics_unit_starts_in_quarantine;",
    "DROP TRIGGER IF EXISTS biologics_unit_status_machine;",
]


def _pg_raise(text: str) -> str:
    return f"RAISE EXCEPTION '{MESSAGE}{text}' USING ERRCODE = 'check_violation';"


POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION biologics_administration_interlock() RETURNS trigger AS $$
DECLARE
  u RECORD;
BEGIN
  SELECT * INTO u FROM biologics_productunit WHERE id = NEW.product_id FOR UPDATE;
  IF u.status NOT IN ('released', 'issued') THEN
    {_pg_raise("the unit is not released or issued")}
  END IF;
  IF u.expires_at <= NEW.administered_at THEN
    {_pg_raise("the unit has expired")}
  END IF;
  IF u.thawed_at IS NOT NULL
     AND u.thawed_at + make_interval(hours => u.stability_after_thaw_hours)
         < NEW.administered_at THEN
    {_pg_raise("the unit was thawed longer ago than its stability allows")}
  END IF;
  IF u.storage_condition IN ('frozen', 'ln2_vapour') AND u.thawed_at IS NULL THEN
    {_pg_raise("the frozen unit has not been thawed")}
  END IF;
  IF u.intended_recipient_id IS NOT NULL AND u.intended_recipient_id <> NEW.patient_id THEN
    {_pg_raise("the unit is meant for another patient")}
  END IF;
  IF u.clinic_id <> (SELECT clinic_id FROM patients_patient WHERE id = NEW.patient_id) THEN
    {_pg_raise("the unit belongs to another clinic than the patient")}
  END IF;
  -- In parentheses: PL/pgSQL reads an IF condition up to the first THEN outside them.
  IF NEW.consent_procedure <> (CASE WHEN u.product_type = 'prp' THEN 'prp'
                                    ELSE 'cell_therapy' END) THEN
    {_pg_raise("the consent does not match the product")}
  END IF;
  IF NOT EXISTS (SELECT 1 FROM patients_signedconsent
                  WHERE patient_id = NEW.patient_id AND procedure_type = NEW.consent_procedure
                    AND withdrawn_at IS NULL) THEN
    {_pg_raise("no signed consent in force for the procedure")}
  END IF;
  IF NOT EXISTS (SELECT 1 FROM biologics_bedsidecheck
                  WHERE id = NEW.bedside_check_id AND outcome = 'passed'
                    AND product_id = NEW.product_id AND patient_id = NEW.patient_id) THEN
    {_pg_raise("no passing bedside check of this unit and patient")}
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER biologics_administration_interlock BEFORE INSERT "
    "ON biologics_productadministration FOR EACH ROW "
    "EXECUTE FUNCTION biologics_administration_interlock();",
    f"""
CREATE OR REPLACE FUNCTION biologics_administration_no_update() RETURNS trigger AS $$
BEGIN {_pg_raise("an administration record is never changed")} END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER biologics_administration_no_update BEFORE UPDATE "
    "ON biologics_productadministration FOR EACH ROW "
    "EXECUTE FUNCTION biologics_administration_no_update();",
    f"""
CREATE OR REPLACE FUNCTION biologics_unit_starts_in_quarantine() RETURNS trigger AS $$
BEGIN
  IF NEW.status <> 'quarantine' OR NEW.exceptional_release THEN
    {_pg_raise("a unit starts in quarantine")}
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER biologics_unit_starts_in_quarantine BEFORE INSERT "
    "ON biologics_productunit FOR EACH ROW "
    "EXECUTE FUNCTION biologics_unit_starts_in_quarantine();",
    f"""
CREATE OR REPLACE FUNCTION biologics_unit_status_machine() RETURNS trigger AS $$
BEGIN
  IF OLD.status <> NEW.status AND NOT ({_PAIRS}) THEN
    {_pg_raise("this status change is not allowed")}
  END IF;
  IF OLD.status = 'quarantine' AND NEW.status = 'released' AND NOT {_RELEASE_SIGNED} THEN
    {_pg_raise("release needs a release signature")}
  END IF;
  IF NEW.exceptional_release AND NOT OLD.exceptional_release AND NOT {_COSIGNED} THEN
    {_pg_raise("an exceptional release needs the medical director''s signature")}
  END IF;
  IF NEW.status = 'administered' AND OLD.status <> 'administered'
     AND NOT {_ADMINISTERED} THEN
    {_pg_raise("administered needs an administration record")}
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER biologics_unit_status_machine BEFORE UPDATE "
    "ON biologics_productunit FOR EACH ROW "
    "EXECUTE FUNCTION biologics_unit_status_machine();",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS biologics_administration_interlock ON biologics_productadministration;",
    "DROP TRIGGER IF EXISTS biologics_administration_no_update ON biologics_productadministration;",
    "DROP TRIGGER IF EXISTS biologics_unit_starts_in_quarantine ON biologics_productunit;",
    "DROP TRIGGER IF EXISTS biologics_unit_status_machine ON biologics_productunit;",
    "DROP FUNCTION IF EXISTS biologics_administration_interlock();",
    "DROP FUNCTION IF EXISTS biologics_administration_no_update();",
    "DROP FUNCTION IF EXISTS biologics_unit_starts_in_quarantine();",
    "DROP FUNCTION IF EXISTS biologics_unit_status_machine();",
]

BY_VENDOR = {"sqlite": (SQLITE, SQLITE_REVERSE), "postgresql": (POSTGRES, POSTGRES_REVERSE)}


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("biologics", "0001_initial"), ("patients", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
