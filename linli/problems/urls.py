from django.urls import path

from linli.problems import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("board/", views.problem_board, name="board"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("<int:pk>/<str:step>/", views.problem_step, name="step"),
]
