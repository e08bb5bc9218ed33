"""Outcomes and adverse events (issue 8): not built yet; the app exists so the layout shows the whole system."""
