from django.urls import include, path
from django.views.i18n import set_language

from stijging.core import views as core_views
from stijging.core.admin_site import admin_site

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("api/v1/", include("stijging.api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("stijging.accounts.mfa_urls")),
    path("accounts/", include("allauth.urls")),
    path("privacy/", include("stijging.privacy.urls")),
    path("rollen/", include("stijging.accounts.urls")),
    path("beheer/", admin_site.urls),
    path("", include("stijging.registry.urls")),
    path("", include("stijging.conversations.urls")),
    path("", include("stijging.trajectories.urls")),
    path("", include("stijging.referrals.urls")),
    path("", include("stijging.outreach.urls")),
    path("", include("stijging.cohesion.urls")),
    path("", include("stijging.monitoring.urls")),
]

# Django's own 403 and 404 handlers render 403.html and 404.html with the request; the 500 handler
# does not, so the site's navigation needs this one.
handler500 = "stijging.core.views.server_error"
