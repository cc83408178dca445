from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("p/<slug:slug>/", views.programme_home, name="programme"),
]
