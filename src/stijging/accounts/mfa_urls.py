from django.urls import path

from . import views

# Under /accounts/ beside allauth's pages (the MFA middleware lets a user without a factor reach them).
urlpatterns = [
    path("2fa/invitation/", views.mfa_invitation_needed, name="mfa_invitation_needed"),
    path("2fa/invitation/<str:token>/", views.mfa_invitation, name="mfa_invitation"),
]
