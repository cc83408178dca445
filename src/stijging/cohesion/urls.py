from django.urls import path

from . import views

app_name = "cohesion"

urlpatterns = [
    path("p/<slug:slug>/neighbourhood/activities/", views.activities, name="activities"),
    path("p/<slug:slug>/neighbourhood/activities/new/", views.activity_create, name="activity_create"),
    path("p/<slug:slug>/neighbourhood/activities/new-series/", views.series_create, name="series_create"),
    path("p/<slug:slug>/neighbourhood/participants/", views.participants, name="participants"),
    path("p/<slug:slug>/neighbourhood/participants/new/", views.participant_create, name="participant_create"),
    path("p/<slug:slug>/neighbourhood/waves/", views.waves, name="waves"),
    path("neighbourhood/activities/<int:pk>/", views.activity, name="activity"),
    path("neighbourhood/activities/<int:pk>/participants/", views.attendance, name="attendance"),
    path("neighbourhood/participants/<int:pk>/", views.participant, name="participant"),
    path("neighbourhood/participants/<int:pk>/hours/", views.hours_add, name="hours_add"),
    path("neighbourhood/hours/<int:pk>/", views.hours_edit, name="hours_edit"),
    path("neighbourhood/participants/<int:pk>/link/", views.participant_link, name="participant_link"),
    path("neighbourhood/waves/<int:pk>/", views.wave, name="wave"),
]
