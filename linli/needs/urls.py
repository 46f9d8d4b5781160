from django.urls import path

from linli.needs import views

app_name = "needs"

urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_form, name="new"),
    path("wall/", views.wall, name="wall"),
    path("claims/", views.my_claims, name="my_claims"),
    path("claims/<int:pk>/cancel/", views.cancel_claim, name="cancel_claim"),
    path("claims/in-my-areas/", views.claims, name="claims"),
    path("figures/", views.figures, name="figures"),
    path("import/", views.wish_import, name="wish_import"),
    path("import/template.xlsx", views.wish_import_template, name="wish_import_template"),
    path("import/<int:pk>/", views.wish_import_preview, name="wish_import_preview"),
    path("dispatches/", views.dispatch_board, name="dispatch_board"),
    path("dispatches/<int:pk>/accept/", views.accept_dispatch, name="accept_dispatch"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/edit/", views.need_form, name="edit"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/reveal/guardian-phone/", views.reveal_guardian_phone, name="reveal_guardian_phone"),
    path("<int:pk>/handover/<str:what>/", views.handover, name="handover"),
    path("<int:pk>/files/<str:kind>/<int:file_id>/", views.handover_file, name="handover_file"),
    path("claims/<int:pk>/acknowledgement/", views.acknowledgement, name="acknowledgement"),
    path("claims/<int:pk>/acknowledgement.pdf", views.acknowledgement_pdf, name="acknowledgement_pdf"),
    path("verify/handover/<str:token>/", views.acknowledgement_verify, name="acknowledgement_verify"),
    path("<int:pk>/<str:step>/", views.need_step, name="step"),
]
