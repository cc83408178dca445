from django.urls import path

from . import views

app_name = "trajectories"

urlpatterns = [
    path("persons/<int:pk>/trajectories/new/", views.open_for_person, name="open"),
    path("proposals/<int:pk>/trajectory/", views.open_from_proposal, name="open_from_proposal"),
    path("trajectories/<int:pk>/", views.trajectory_detail, name="trajectory"),
    path("trajectories/<int:pk>/status/", views.transition, name="transition"),
    path("trajectories/<int:pk>/goals/new/", views.goal_add, name="goal_add"),
    path("trajectories/<int:pk>/actions/new/", views.action_add, name="action_add"),
    path("trajectories/<int:pk>/notes/new/", views.note_add, name="note_add"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("persons/<int:pk>/measurements/", views.measurement, name="measurement"),
    path("persons/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/hand-over/", views.hand_over, name="hand_over"),
]
