from django.contrib import admin
from django.urls import include, path

from linli.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("needs/", include("linli.needs.urls")),
    path("party/", include("linli.party.urls")),
    path("problems/", include("linli.problems.urls")),
    path("volunteers/", include("linli.volunteers.urls")),
    path("inspections/", include("linli.inspections.urls")),
    path("", include("linli.core.urls")),
]
