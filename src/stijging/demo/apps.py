from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stijging.demo"
    verbose_name = "Demo"
