app_name = "circulation"
urlpatterns: list = []
