from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("grounds/", views.legal_ground_list, name="legal_grounds"),
    path("grounds/new/", views.legal_ground_edit, name="legal_ground_create"),
    path("grounds/<int:pk>/", views.legal_ground_edit, name="legal_ground_edit"),
]
