"""One importer (DESIGN §15): upload → background preview with progress → row errors → bad rows
→ all-or-nothing or valid-only commit, atomic and logged.

An app declares what it imports once, as an `ImportKind` (core.importing.kinds), in its
`AppConfig.ready()`; the pipeline, the batch and its pages are here. The modules:

- `kinds`: the kind registry, and what a kind's check hands back (`Checked`);
- `models`: `ImportBatch` (one uploaded file) and `ImportRowError` (row, column, reason);
- `xlsx`: the file read once, as a stream of rows;
- `store`: the checked rows kept compactly between the preview and the commit;
- `bulk`: prepared INSERTs run over whole runs of rows (executemany), ids reserved first;
- `services`: `import_upload`, `import_check`, `import_queue`, `import_commit`;
- `badrows`: the rows held back, as uploaded, with 行号 and 原因 (`import_bad_rows`);
- `tasks`, `views`, `urls`: the background jobs and the console pages (templates core/import_*.html).

This package imports no domain app; nothing is imported here so that `core.models` can load
`importing.models` without a cycle.
"""
