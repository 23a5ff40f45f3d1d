"""Registries: the menu is built from what each app declares and shows only what the role may open."""

import pytest
from django.test import RequestFactory
from django.urls import resolve, reverse

from guanjia.core import registry
from guanjia.core.roles import IN_PERSON, roles_for
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db


def _menu(user, community, path="/console/"):
    request = RequestFactory().get(path)
    request.user, request.community = user, community
    request.resolver_match = resolve(path)
    return registry.menu_for(request)


def _labels(menu) -> list[str]:
    return [str(i["label"]) for i in menu["first"]] + [str(i["label"]) for _g, items in menu["groups"] for i in items]


def test_menu_shows_only_what_the_role_may_open():
    community = CommunityFactory()
    manager_menu = _labels(_menu(staff("office_manager", community), community))
    desk_menu = _labels(_menu(staff("front_desk", community), community))
    assert "导入" in manager_menu and "导入" not in desk_menu  # estates.import
    assert "导出" in manager_menu and "导出" not in desk_menu  # estates.export
    assert "前台受理" in desk_menu


def test_a_technician_sees_his_jobs_first():
    community = CommunityFactory()
    menu = _menu(staff("technician", community), community)
    assert [str(i["label"]) for i in menu["first"]] == ["我的工单"]
    assert "前台受理" in _labels(menu)  # the rest is still there, below


def test_the_current_page_is_marked_active():
    community = CommunityFactory()
    menu = _menu(staff("office_manager", community), community, path="/console/approvals/chains/")
    active = [str(i["label"]) for _g, items in menu["groups"] for i in items if i["active"]]
    assert active == ["审批流程"]


def test_groups_come_in_their_declared_order():
    community = CommunityFactory()
    groups = [g for g, _items in _menu(staff("office_manager", community), community)["groups"]]
    assert [(g.order, g.key) for g in groups] == sorted((g.order, g.key) for g in groups)
    labels = [str(g.label) for g in groups]
    assert labels[0] == "" and labels[-1] == "设置"  # home first, settings last, each app's group between
    assert labels.index("客服中心") < labels.index("访问与满意度") < labels.index("权籍与档案")


def _view_action(entry) -> str:
    view = resolve(reverse(entry.url_name)).func
    action = getattr(getattr(view, "view_class", view), "action", None)
    assert action, f"{entry.url_name}: the page declares no action, so the menu cannot know who may open it"
    return action


def test_every_menu_entry_is_shown_only_to_roles_its_page_lets_in():
    """An entry on a weaker permission than its page would lead some roles to a 403 (a page may be
    open to more roles than its entry is shown to: the menu leaves out what a role has no use of)."""
    for entry in registry._menu:  # noqa: SLF001 - every entry, whatever the role
        page = _view_action(entry)
        assert roles_for(entry.permission) <= roles_for(page), (entry.url_name, entry.permission, page)
        assert entry.permission not in IN_PERSON or page in IN_PERSON, entry.url_name


@pytest.mark.parametrize("role", ["technician", "front_desk", "cashier", "archivist", "office_manager"])
def test_each_link_in_a_roles_menu_opens(client, role):
    community = CommunityFactory()
    user = staff(role, community)
    menu = _menu(user, community)
    shown = [item["url"] for item in menu["first"]] + [item["url"] for _g, items in menu["groups"] for item in items]
    client.force_login(user)
    for url in shown:
        assert client.get(url, follow=True).status_code == 200, (role, url)  # 工作日历 opens on this year's page


def test_the_monthly_lists_are_on_the_menu_of_those_who_may_open_them():
    """PR-4/AR-2: the lists page needs estates.export; the archivist signs there, the desk has no use of it."""
    community = CommunityFactory()
    assert "月度清单" in _labels(_menu(staff("archivist", community), community))
    assert "月度清单" not in _labels(_menu(staff("front_desk", community), community))


def test_a_technicians_jobs_lead_his_menu_and_are_not_repeated_below():
    community = CommunityFactory()
    menu = _menu(staff("technician", community), community)
    below = [str(i["label"]) for _g, items in menu["groups"] for i in items]
    assert "我的工单" not in below
    manager_menu = _menu(staff("office_manager", community), community)
    assert manager_menu["first"] == []  # only the roles it is declared for
    assert "我的工单" in _labels(manager_menu)
