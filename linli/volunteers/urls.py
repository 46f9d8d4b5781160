from django.urls import path

from linli.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("people/", views.volunteer_list, name="list"),
    path("people/register/", views.register, name="register"),
    path("people/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("people/<int:pk>/hours/", views.record_hours, name="record_hours"),
    path("people/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("people/<int:pk>/certificate/", views.issue_certificate, name="issue_certificate"),
    path("records/<int:pk>/correct/", views.correct_record, name="correct_record"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("verify/<str:token>/", views.verify_certificate, name="verify"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/members/<int:membership>/remove/", views.team_member_remove, name="team_member_remove"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_form, name="activity_new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_form, name="activity_edit"),
    path("activities/<int:pk>/photos/", views.add_photo, name="add_photo"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/check-<str:step>/", views.staff_attendance, name="staff_attendance"),
    path("activities/<int:pk>/checkin/<str:token>/", views.checkin, name="checkin"),
    path("calendar/<str:code>.ics", views.area_calendar, name="calendar"),
    path("ledger/", views.ledger, name="ledger"),
    path("roster/", views.roster, name="roster"),
    path("roster/swap/", views.swap, name="swap"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("shifts/<int:pk>/assign/", views.shift_assign, name="shift_assign"),
    path("assignments/<int:pk>/attended/", views.duty_attended, name="duty_attended"),
]
