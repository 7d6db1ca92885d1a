from django.urls import URLPattern, URLResolver, path

from skaitykla.patrons.views import portal, staff

app_name = "patrons"
urlpatterns: list[URLPattern | URLResolver] = [
    # Staff desk
    path("staff/readers/", staff.reader_search, name="staff_search"),
    path("staff/readers/new/", staff.reader_create, name="staff_create"),
    path("staff/readers/pending/", staff.pending_list, name="staff_pending"),
    path("staff/readers/<int:reader_id>/", staff.reader_detail, name="staff_reader"),
    path("staff/readers/<int:reader_id>/edit/", staff.reader_edit, name="staff_edit"),
    path("staff/readers/<int:reader_id>/verify/", staff.reader_verify, name="staff_verify"),
    path("staff/readers/<int:reader_id>/card/", staff.reader_card, name="staff_card"),
    path("staff/readers/<int:reader_id>/card/renew/", staff.card_renew, name="staff_card_renew"),
    path("staff/readers/<int:reader_id>/pin/", staff.reader_pin, name="staff_pin"),
    path("staff/readers/<int:reader_id>/block/", staff.reader_block, name="staff_block"),
    path(
        "staff/readers/<int:reader_id>/blocks/<int:block_id>/lift/",
        staff.block_lift,
        name="staff_block_lift",
    ),
    path(
        "staff/readers/<int:reader_id>/room-permission/",
        staff.reader_room_permission,
        name="staff_room_permission",
    ),
    path("staff/readers/<int:reader_id>/erase/", staff.reader_erase, name="staff_erase"),
    path("staff/readers/<int:reader_id>/export.json", staff.reader_export, name="staff_export"),
    path("staff/rooms/entry/", staff.room_entry, name="staff_room_entry"),
    path("staff/readers/settings/", staff.reader_settings, name="staff_settings"),
    path("staff/readers/categories/new/", staff.category_edit, name="staff_category_new"),
    path(
        "staff/readers/categories/<int:category_id>/",
        staff.category_edit,
        name="staff_category",
    ),
    # Public: online pre-registration and the reader's account
    path("register/", portal.preregister, name="preregister"),
    path("register/done/", portal.preregister_done, name="preregister_done"),
    path("reader/login/", portal.reader_login, name="reader_login"),
    path("reader/logout/", portal.reader_logout, name="reader_logout"),
    path("reader/contact/", portal.contact_edit, name="contact"),
    path("reader/pin/", portal.change_pin, name="change_pin"),
    path("reader/privacy/", portal.privacy_choices, name="privacy"),
    path("reader/data/", portal.my_data, name="my_data"),
    path("reader/data.json", portal.my_data_json, name="my_data_json"),
    path("reader/erasure/", portal.erasure, name="erasure"),
]
