"""FHIR and CSV interoperability (issue 9): not built yet; the app exists so the layout shows the whole system."""
