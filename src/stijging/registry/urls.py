from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("p/<slug:slug>/areas/<int:area_id>/import/", views.area_import, name="area_import"),
    path("p/<slug:slug>/areas/<int:area_id>/import-people/", views.people_import, name="people_import"),
    path("search/", views.search, name="search"),
    path("addresses/<int:address_id>/households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/move/", views.household_move, name="household_move"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
