"""A toy app, CM-1 "the contact box is opened daily at a fixed time" (issue 9's proof): it plugs a
policy, a recurring duty, a permission, a menu entry, a dashboard panel and a KPI indicator into
the registries from its own registrations, without a line in core or another app. The tests
register it in a fixture (test_plugin.py) and take it out again."""
