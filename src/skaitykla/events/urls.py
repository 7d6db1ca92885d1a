from django.urls import URLPattern, URLResolver, path

from skaitykla.events.views import public, staff

app_name = "events"
urlpatterns: list[URLPattern | URLResolver] = [
    # Public
    path("events/", public.event_list, name="list"),
    path("events/<int:event_id>/", public.event_detail, name="detail"),
    path("events/<int:event_id>/register/", public.register, name="register"),
    path("events/registration/<str:token>/", public.registration_page, name="registration"),
    path("events/registration/<str:token>/cancel/", public.cancel, name="cancel"),
    path("events/registration/<str:token>/accept/", public.accept, name="accept"),
    path(
        "events/registration/<str:token>/event.ics",
        public.registration_ics,
        name="registration_ics",
    ),
    path("events/registration/<str:token>/feedback/", public.feedback, name="feedback"),
    path(
        "events/registration/<str:token>/certificate.pdf",
        public.certificate,
        name="certificate",
    ),
    path("events/check-in/<int:session_id>/", public.self_check_in, name="self_check_in"),
    path("events/feeds/library/<str:code>.ics", public.library_ics, name="library_ics"),
    path("events/feeds/library/<str:code>.atom", public.library_atom, name="library_atom"),
    path("events/feeds/topic/<slug:slug>.ics", public.topic_ics, name="topic_ics"),
    path("events/feeds/topic/<slug:slug>.atom", public.topic_atom, name="topic_atom"),
    # Staff
    path("staff/events/", staff.event_list, name="staff_list"),
    path("staff/events/new/", staff.event_create, name="staff_create"),
    path("staff/events/<int:event_id>/", staff.event_detail, name="staff_event"),
    path("staff/events/<int:event_id>/sessions/", staff.session_add, name="staff_session_add"),
    path("staff/events/<int:event_id>/copy/", staff.event_copy, name="staff_copy"),
    path("staff/events/<int:event_id>/book/", staff.event_book, name="staff_book"),
    path("staff/events/<int:event_id>/publish/", staff.event_publish, name="staff_publish"),
    path("staff/events/<int:event_id>/message/", staff.event_message, name="staff_message"),
    path("staff/events/<int:event_id>/feedback/", staff.event_feedback, name="staff_feedback"),
    path(
        "staff/events/registrations/<int:registration_id>/cancel/",
        staff.registration_cancel,
        name="staff_registration_cancel",
    ),
    path("staff/events/sessions/<int:session_id>/", staff.session_detail, name="staff_session"),
    path(
        "staff/events/sessions/<int:session_id>/check-in/<int:registration_id>/",
        staff.session_check_in,
        name="staff_check_in",
    ),
    path("staff/events/sessions/<int:session_id>/card/", staff.session_card, name="staff_card"),
    path(
        "staff/events/sessions/<int:session_id>/walk-in/",
        staff.session_walk_in,
        name="staff_walk_in",
    ),
    path(
        "staff/events/sessions/<int:session_id>/complete/",
        staff.session_complete,
        name="staff_complete",
    ),
    path(
        "staff/events/sessions/<int:session_id>/cancel/",
        staff.session_cancel,
        name="staff_session_cancel",
    ),
]
