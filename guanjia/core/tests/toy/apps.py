from django.apps import AppConfig


class ToyConfig(AppConfig):
    name = "guanjia.core.tests.toy"
    label = "toy"
    default_auto_field = "django.db.models.BigAutoField"
