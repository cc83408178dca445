from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("verzoeken/", views.role_requests, name="role_requests"),
]
