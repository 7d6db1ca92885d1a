from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "skaitykla.api"
    label = "api"
    verbose_name = "API"
