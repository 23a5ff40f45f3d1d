"""The project's URLs and the toy's page (tests use them with `pytest.mark.urls`)."""

from django.urls import include, path

from guanjia.urls import urlpatterns as project

from . import views

box = ([path("", views.BoxView.as_view(), name="box")], "contactbox")
urlpatterns = [*project, path("console/contact-box/", include(box))]
