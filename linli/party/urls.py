from django.urls import path

from linli.party import views

app_name = "party"

urlpatterns = [
    path("", views.meeting_list, name="meetings"),
    path("board/", views.board, name="board"),
    path("organizations/<int:pk>/", views.branch_meetings, name="branch_meetings"),
    path("organizations/<int:org>/meetings/new/", views.meeting_form, name="meeting_new"),
    path("organizations/<int:pk>/board-exclusion/", views.board_exclusion, name="board_exclusion"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_form, name="meeting_edit"),
    path("meetings/<int:pk>/decisions/", views.add_decision, name="add_decision"),
    path("meetings/<int:pk>/attachments/", views.add_attachment, name="add_attachment"),
    path("meetings/<int:pk>/<str:step>/", views.meeting_step, name="meeting_step"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("organizations/<int:pk>/committee/", views.committee_seat, name="committee_seat"),
    path("committee/<int:pk>/end/", views.committee_seat_end, name="committee_seat_end"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_form, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/sessions/", views.course_session, name="course_session"),
    path("courses/<int:pk>/enrolments/", views.course_enrol, name="course_enrol"),
    path("courses/<int:pk>/report/", views.course_report, name="course_report"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_form, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/organizations/", views.campaign_cover, name="campaign_cover"),
    path("campaigns/<int:pk>/tasks/", views.campaign_task, name="campaign_task"),
    path("campaigns/<int:pk>/lectures/", views.campaign_lectures, name="campaign_lectures"),
    path("campaigns/<int:pk>/organizations/<int:org>/", views.campaign_organization, name="campaign_organization"),
]
