"""A test-only app: a small state machine that proves core.transitions and core.console's action
views without any domain app (core imports none). Installed by guanjia.settings_test only."""
