from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("audit/", views.audit_log, name="audit_log"),
    path("grounds/", views.legal_ground_list, name="legal_grounds"),
    path("grounds/new/", views.legal_ground_edit, name="legal_ground_create"),
    path("grounds/<int:pk>/", views.legal_ground_edit, name="legal_ground_edit"),
    path("persons/", views.lookup, name="lookup"),
    path("persons/<int:pk>/", views.person, name="person"),
    path("persons/<int:pk>/requests/new/", views.request_create, name="request_create"),
    path("persons/<int:pk>/log/", views.access_log, name="access_log"),
    path("persons/<int:pk>/log.pdf", views.access_log_pdf, name="access_log_pdf"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/extend/", views.request_extend, name="request_extend"),
    path("requests/<int:pk>/close/", views.request_close, name="request_close"),
    path("requests/<int:pk>/export/", views.export_create, name="export_create"),
    path("requests/<int:pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("requests/<int:pk>/export.json", views.export_json, name="export_json"),
    path("requests/<int:pk>/erasure/", views.erasure_decide, name="erasure_decide"),
    path("requests/<int:pk>/restriction/", views.restriction_place, name="restriction_place"),
    path("requests/<int:pk>/restriction/lift/", views.restriction_lift, name="restriction_lift"),
    path("requests/<int:pk>/rectify/", views.rectify, name="rectify"),
    path("retention/", views.retention_page, name="retention"),
]
