"""Treatment plans, scheduling, procedures (issue 7): not built yet; the app exists so the layout shows the whole system."""
