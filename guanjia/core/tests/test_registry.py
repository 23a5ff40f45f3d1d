"""Registries: the menu is built from what each app declares and shows only what the role may open."""

import pytest
from django.test import RequestFactory
from django.urls import resolve

from guanjia.core import registry
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
    assert "回访抽查" in manager_menu and "回访抽查" not in desk_menu  # servicedesk.spot_check (RC-4)
    assert "导入" in manager_menu and "导入" not in desk_menu
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
    groups = [str(g.label) for g, _items in _menu(staff("office_manager", community), community)["groups"]]
    assert groups == ["", "客服中心", "访问与满意度", "权籍与档案", "设置"]
