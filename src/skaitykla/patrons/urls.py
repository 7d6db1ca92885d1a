from django.urls import URLPattern, URLResolver

app_name = "patrons"
urlpatterns: list[URLPattern | URLResolver] = []
