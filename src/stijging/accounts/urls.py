from django.urls import path

from . import views

# Under /rollen/: the second person's page.
app_name = "accounts"

urlpatterns = [
    path("verzoeken/", views.role_requests, name="role_requests"),
]
