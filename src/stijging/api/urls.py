from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("referrals/", views.InboxView.as_view(), name="inbox"),
    path("referrals/<int:pk>/", views.ReferralView.as_view(), name="referral"),
    path("referrals/<int:pk>/transitions/", views.TransitionView.as_view(), name="referral_transition"),
]
