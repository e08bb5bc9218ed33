"""Cell products and their chain of identity and custody (issue 6): harvests, blood draws and
donor material received; product units with ISBT 128 DINs; processing and QC against the
clinic's specifications; release by a second person with an electronic signature; labels;
custody and storage; the bedside check and the one administration of a unit; lookback and
recall. See models/, services.py (writes), selectors.py (reads), bedside.py (the check)."""
