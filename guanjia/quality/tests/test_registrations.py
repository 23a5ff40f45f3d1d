"""How quality plugs in (DESIGN "Registries"): the service desk registers RC-4 and RC-5 through
quality's registries without importing quality at module level, core imports no domain app, every
verb quality logs (and the ones logged before the move) reads as a sentence, and the menu and the
dashboard panel show what the role may open."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.activity import VERBS, entry_text
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.roles import PERMISSIONS
from guanjia.engagement.tests.factories import survey_office
from guanjia.quality import registry
from guanjia.quality import services as quality
from guanjia.quality.registrations import EARLIER_VERBS
from guanjia.quality.views.panel import panel_context

from .factories import NOW, Office, issue, unsatisfied

ROOT = Path(__file__).resolve().parents[2]


def _module_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:  # only the module's own statements: imports inside functions are lazy
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("app", ["servicedesk", "engagement", "estates", "portal"])
def test_the_apps_quality_serves_never_import_it_at_module_level(app):
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts
        and any(m == "guanjia.quality" or m.startswith("guanjia.quality.") for m in _module_level_imports(path))
    ]
    assert not offenders, offenders


def test_core_imports_no_domain_app():
    pattern = re.compile(r"from guanjia\.(estates|servicedesk|engagement|portal|quality)")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if "tests" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


def test_the_service_desk_registered_rc4_and_rc5():
    kind, source = registry.kind_of("RC-4.callbacks"), registry.source_of("RC-5.callback")
    assert (kind.rule, kind.model, kind.period) == ("RC-4", "servicedesk.Callback", "month")
    assert (source.rule, source.fix_rule, source.issue_permission) == ("RC-5", "RC-5.fix", "servicedesk.check")


def test_every_registered_kind_names_a_row_template_and_known_permissions():
    for kind in registry.spot_check_kinds():
        get_template(kind.row_template)
        assert kind.permission in PERMISSIONS, kind.key
    for source in registry.notice_sources():
        assert {source.issue_permission, source.close_permission} <= set(PERMISSIONS), source.key


def test_every_verb_quality_writes_reads_as_a_sentence():
    written = set()
    for path in (ROOT / "quality").rglob("*.py"):
        if not {"tests", "migrations"} & set(path.parts):
            written |= set(re.findall(r'"(quality\.[a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert "quality.notice.issued" in written
    assert not sorted(written - set(VERBS))


@pytest.mark.django_db
def test_entries_logged_before_the_move_still_read_as_sentences():
    for verb, sentence in EARLIER_VERBS.items():
        assert entry_text(ActivityLog(verb=verb)) == str(sentence), verb
    assert entry_text(ActivityLog(verb="servicedesk.rectification.issued")) == "下达整改通知书"


@pytest.mark.django_db
def test_the_menu_shows_what_the_role_may_open(client):
    office = Office()
    client.force_login(office.manager)
    page = client.get(reverse("core:dashboard")).content.decode()
    for name in ("quality:actions", "quality:notices", "quality:spot_checks"):
        assert reverse(name) in page, name
    client.force_login(office.desk)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert reverse("quality:notices") in page and reverse("quality:spot_checks") not in page


@pytest.mark.django_db
def test_the_dashboard_panel_counts_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    office = survey_office(households=3)
    with clock.frozen(NOW):
        for _n in range(3):
            issue(office)
        late = issue(office)
        Deadline.objects.filter(subject_id=str(late.pk), rule="RC-5.fix").update(due_at=NOW)
        type(late).objects.filter(pk=late.pk).update(due_at=NOW)
        unsatisfied(office)  # owed its notice
        quality.action_create(
            community=office.community,
            actor=office.supervisor,
            problem="绿化差",
            measure="补种",
            owner=office.supervisor,
            due_on=dt.date(2026, 12, 1),
        )
    request = RequestFactory().get("/")
    request.user, request.community = office.manager, office.community
    with clock.frozen(NOW.replace(hour=11)), django_assert_max_num_queries(7):  # as many for 4 notices as 400
        panel_context(request)
    client.force_login(office.supervisor)
    with clock.frozen(NOW.replace(hour=11)):
        page = client.get(reverse("core:dashboard")).content.decode()
    panel = page.split('id="quality-panel"', 1)[1].split("</section>", 1)[0]
    assert 'id="quality-mine"><span class="kpi-value">1<' in panel
    assert 'id="quality-notices"><span class="kpi-value">3<' in panel and "已超时 1 份" in panel
    assert 'id="quality-owed"><span class="kpi-value">1<' in panel
    assert "回访抽查" not in panel  # the CS supervisor does not spot-check (RC-4)
    other = survey_office()
    client.force_login(other.supervisor)
    with clock.frozen(NOW.replace(hour=11)):
        panel = client.get(reverse("core:dashboard")).content.decode().split('id="quality-panel"', 1)[1]
    assert 'id="quality-notices"><span class="kpi-value">0<' in panel and 'id="quality-owed"' not in panel
