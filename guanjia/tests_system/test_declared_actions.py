"""Every console page and API view names the permission it needs (issue 9: no default to the widest
read permission), and services build links with reverse(), never a literal path."""

import pathlib
import re

from guanjia.core.api import ScopedMixin
from guanjia.core.console import StaffMixin

from .test_routes import routes


def _declares(view, base, attribute) -> bool:
    return any(attribute in vars(klass) and vars(klass)[attribute] for klass in view.__mro__ if klass is not base)


def _view(entry):
    return getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)


def test_every_staff_view_declares_its_action():
    undeclared = set()
    for _pattern, name, entry in routes():
        view = _view(entry)
        if view is None:
            continue
        if issubclass(view, StaffMixin) and not _declares(view, StaffMixin, "action"):
            undeclared.add(f"{name} ({view.__name__})")
        if issubclass(view, ScopedMixin) and not _declares(view, ScopedMixin, "scope_action"):
            undeclared.add(f"{name} ({view.__name__})")
    assert not undeclared, sorted(undeclared)


# A path in a string, not in a docstring that describes a module's URLs.
LITERAL_PATH = re.compile(r"""(?<!"")["']/(console|m|api)/""")


def test_no_literal_paths_outside_urls_and_templates():
    root = pathlib.Path(__file__).resolve().parents[1]
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if "tests" not in path.parts[-2] and not path.parts[-2].startswith("tests_") and path.name != "settings.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LITERAL_PATH.search(line) and not line.lstrip().startswith("#")
    ]
    assert not found, found
