from django.apps import AppConfig


class ContactBoxConfig(AppConfig):
    name = "guanjia.tests_system.contactbox"
    label = "contactbox"
    default_auto_field = "django.db.models.BigAutoField"
