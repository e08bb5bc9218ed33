"""FHIR and CSV interoperability (issue 9): a patient's record as a FHIR Bundle
(``$everything``, R4 and R5), the clinic as bulk NDJSON (a background task with progress),
and patient import from FHIR or CSV, all or nothing. See docs/fhir.md."""
