from django.urls import URLPattern, URLResolver, path

from skaitykla.reference import views

app_name = "reference"
urlpatterns: list[URLPattern | URLResolver] = [
    path("ask/", views.ask, name="ask"),
    path("ask/embed/", views.ask_embed, name="ask-embed"),
    path("ask/similar/", views.similar, name="similar"),
    path("ask/accessible/", views.accessible, name="accessible"),
    path("ask/consultation/", views.consultation, name="consultation"),
    path("ask/q/<str:token>/", views.status, name="status"),
    path("ask/q/<str:token>/reply/", views.reply, name="reply"),
    path("ask/q/<str:token>/rate/", views.rate, name="rate"),
    path("answers/", views.archive, name="archive"),
    path("answers/feed.atom", views.ArchiveFeed(), name="feed"),
    path("answers/<int:entry_id>/", views.entry, name="entry"),
    path("staff/reference/", views.queue, name="queue"),
    path("staff/reference/desk/", views.desk, name="desk"),
    path("staff/reference/settings/", views.settings_page, name="settings"),
    path("staff/reference/settings/profile/", views.settings_profile, name="settings-profile"),
    path(
        "staff/reference/settings/read-levels/",
        views.settings_read_levels,
        name="settings-read-levels",
    ),
    path("staff/reference/settings/templates/new/", views.template_new, name="template-new"),
    path(
        "staff/reference/settings/templates/<int:template_id>/",
        views.template_edit,
        name="template-edit",
    ),
    path(
        "staff/reference/settings/templates/<int:template_id>/delete/",
        views.template_delete,
        name="template-delete",
    ),
    path("staff/reference/<int:question_id>/", views.question_detail, name="question"),
    path(
        "staff/reference/<int:question_id>/<slug:action>/",
        views.question_action,
        name="question-action",
    ),
]
