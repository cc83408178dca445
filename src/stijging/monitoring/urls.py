from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("p/<slug:slug>/", views.programme_home, name="programme"),
    path("p/<slug:slug>/cohesion/", views.cohesion, name="cohesion"),
    path("p/<slug:slug>/turnover/", views.turnover, name="turnover"),
    path("p/<slug:slug>/housing-signals/", views.housing, name="housing"),
    path("p/<slug:slug>/housing-signals.xlsx", views.housing_xlsx, name="housing_xlsx"),
    path("p/<slug:slug>/report.pdf", views.report_pdf, name="report_pdf"),
    path("p/<slug:slug>/report.xlsx", views.report_xlsx, name="report_xlsx"),
]
