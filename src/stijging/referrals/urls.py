from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("trajectories/<int:pk>/referrals/new/", views.send, name="send"),
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/respond/", views.respond, name="respond"),
    path("referrals/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("referrals/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("referrals/<int:pk>/withdraw/undo/", views.withdrawal_undo, name="withdrawal_undo"),
    path("referrals/<int:pk>/assign/", views.assign, name="assign"),
    path("referrals/persons/<int:pk>/", views.partner_person, name="person"),
]
