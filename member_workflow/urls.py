"""Public member pages, mounted under /accounts/ inside i18n_patterns."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("check/", views.national_code_check, name="check"),
    path("register/", views.register, name="register"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/change/", views.password_change, name="password_change"),
    path("me/", views.personal_page, name="me"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:membership_id>/<str:action>/", views.invitation_answer, name="invitation_answer"),
    path("status/", views.membership_status, name="status"),
]
