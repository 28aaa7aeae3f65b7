"""History: monthly GeoParquet archives of the GPS fixes, and re-checks of past trips on Dask.

- :mod:`.layout`: the archive on disk (paths, schema, buckets, digests, manifest).
- :mod:`.export`: ``history export`` / ``history verify`` (database → archive, archive ↔ database).
- :mod:`.recheck`: the per-trip check (:func:`routing.checks.check_track`, the function ``route check`` runs)
  over a table of many trips' fixes, and the tasks a re-check is cut into.
- :mod:`.cluster`: ``history check``: the tasks on a Dask cluster, the episodes table and the summary.

docs/history.md tells the operator's side.
"""
