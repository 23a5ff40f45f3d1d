"""Tests across the apps: every route, every view's declared permission, system text, languages and
the console shell. Core's own tests (guanjia/core/tests) use no domain app; these do."""
