from django.urls import path, register_converter

from . import views

app_name = "conversations"


class InterviewSectionConverter:
    """The separately saved parts of one member's interview."""

    regex = "domains|ladder|cohesion"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(InterviewSectionConverter, "interview_section")

urlpatterns = [
    path("households/<int:household_id>/conversations/new/", views.conversation_start, name="start"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/housing/", views.housing_section, name="housing"),
    path("conversations/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("conversations/<int:pk>/meldcode/", views.meldcode, name="meldcode"),
    path("interviews/<int:pk>/<interview_section:section>/", views.interview_section, name="interview_section"),
    path("proposals/", views.proposals, name="proposals"),
]
