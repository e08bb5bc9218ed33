"""Scar assessment and photos (issue 4): not built yet; the app exists so the layout shows the whole system."""
