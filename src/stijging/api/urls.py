from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from . import addresses_views, case_views, figures_views, views

app_name = "api"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # referrals: a partner organisation's system
    path("referrals/", views.InboxView.as_view(), name="inbox"),
    path("referrals/<int:pk>/", views.ReferralView.as_view(), name="referral"),
    path("referrals/<int:pk>/transitions/", views.TransitionView.as_view(), name="referral_transition"),
    # case: the municipality's case system
    path("case/households/", case_views.HouseholdListView.as_view(), name="households"),
    path("case/households/<int:pk>/", case_views.HouseholdView.as_view(), name="household"),
    path("case/persons/<int:pk>/", case_views.PersonView.as_view(), name="person"),
    path("case/trajectories/", case_views.TrajectoryListView.as_view(), name="trajectories"),
    path("case/referrals/", case_views.CaseReferralListView.as_view(), name="case_referrals"),
    # figures and addresses of a programme
    path("programmes/<slug:slug>/figures/", figures_views.FiguresView.as_view(), name="figures"),
    path(
        "programmes/<slug:slug>/areas/<int:area_id>/addresses/",
        addresses_views.AddressImportView.as_view(),
        name="address_import",
    ),
]
