from django.urls import path

from linli.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.establishment_list, name="establishments"),
    path("establishments/new/", views.establishment_new, name="establishment_new"),
    path("establishments/<int:pk>/", views.establishment_detail, name="establishment_detail"),
    path("establishments/<int:pk>/edit/", views.establishment_edit, name="establishment_edit"),
    path("establishments/<int:pk>/reveal/<str:field>/", views.establishment_reveal, name="establishment_reveal"),
    path("establishments/template.xlsx", views.establishment_template, name="establishment_template"),
    path("establishments/export.xlsx", views.establishment_export, name="establishment_export"),
    path("establishments/import/", views.establishment_import, name="establishment_import"),
    path("establishments/import/<str:token>/", views.establishment_import_preview,
         name="establishment_import_preview"),
    path("establishments/import/<str:token>/confirm/", views.establishment_import_confirm,
         name="establishment_import_confirm"),
    path("hazards/", views.hazard_list, name="hazards"),
    path("hazards/ledger.xlsx", views.hazard_ledger_xlsx, name="hazard_ledger"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/hazard-ledger.xlsx", views.campaign_ledger_xlsx, name="campaign_ledger"),
    path("campaigns/<int:pk>/targets/", views.campaign_add_targets, name="campaign_add_targets"),
    path("campaigns/<int:pk>/lists.xlsx", views.campaign_lists_xlsx, name="campaign_lists"),
    path("campaigns/<int:pk>/reinspections/", views.campaign_schedule_reinspections,
         name="campaign_schedule_reinspections"),
    path("reinspections/<int:pk>/", views.reinspection_record, name="reinspection_record"),
    path("seizures/<int:pk>/pdf/", views.seizure_pdf, name="seizure_pdf"),
    path("new/", views.inspection_start, name="inspection_start"),
    path("new/<int:establishment_pk>/<int:version_pk>/", views.inspection_new, name="inspection_new"),
    path("<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("<int:pk>/notice/", views.notice_new, name="notice_new"),
    path("<int:pk>/seizure/", views.seizure_new, name="seizure_new"),
    path("photos/<int:pk>/", views.answer_photo, name="answer_photo"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("verify/notice/<str:token>/", views.notice_verify, name="notice_verify"),
]
