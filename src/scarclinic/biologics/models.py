"""Cell products and chain of custody (issue 6): not built yet; the app exists so the layout shows the whole system."""
