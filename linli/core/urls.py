from django.contrib.auth import views as auth_views
from django.urls import include, path

from linli.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("areas/", views.area_tree, name="area_tree"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_form, name="person_new"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_form, name="person_edit"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("people/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("organizations/", views.organizations, name="organizations"),
    path("organizations/new/", views.organization_form, name="organization_new"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_form, name="organization_edit"),
    path("organizations/<int:pk>/reveal/<str:field>/", views.organization_reveal, name="organization_reveal"),
    path("party-organizations/", views.party_organizations, name="party_organizations"),
    path("party-organizations/new/", views.party_organization_form, name="party_organization_new"),
    path("party-organizations/<int:pk>/", views.party_organization_detail, name="party_organization_detail"),
    path("party-organizations/<int:pk>/edit/", views.party_organization_form, name="party_organization_edit"),
    path("audit/", views.audit_log, name="audit"),
    path("", include("linli.core.urls_spreadsheets")),
]
