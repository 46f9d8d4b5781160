"""Excel export, import and template URLs; included from core/urls.py."""

from django.urls import path

from linli.core import views_spreadsheets as views

urlpatterns = [
    path("people/export.xlsx", views.people_export, name="people_export"),
    path("organizations/export.xlsx", views.organizations_export, name="organizations_export"),
    path("people/import/", views.people_import, name="people_import"),
    path("organizations/import/", views.organizations_import, name="organizations_import"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import_template"),
]
