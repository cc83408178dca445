from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("p/<slug:slug>/areas/<int:area_id>/", views.area_streets, name="area"),
    path("p/<slug:slug>/areas/<int:area_id>/streets/<int:street_id>/", views.street_addresses, name="street"),
    path(
        "p/<slug:slug>/areas/<int:area_id>/streets/<int:street_id>/walking-list/",
        views.walking_list,
        name="walking_list",
    ),
    path(
        "p/<slug:slug>/areas/<int:area_id>/streets/<int:street_id>/walking-list.pdf",
        views.walking_list_pdf,
        name="walking_list_pdf",
    ),
    path("households/<int:pk>/outreach/", views.household, name="household"),
    path("households/<int:pk>/outreach/attempts/", views.attempt_create, name="attempt_create"),
    path("households/<int:pk>/outreach/appointments/", views.appointment_create, name="appointment_create"),
    path("appointments/<int:pk>/status/", views.appointment_status, name="appointment_status"),
    path("addresses/<int:address_id>/note/", views.address_note, name="address_note"),
    path("agenda/", views.agenda, name="agenda"),
]
