"""The voting journey's URLs, mounted at /voting/ inside i18n_patterns (namespace "voting")."""

from django.urls import path

from . import views

app_name = "voting"

urlpatterns = [
    path("<int:election_id>/", views.voting_login, name="start"),
    path("<int:election_id>/channel/", views.voting_channel, name="channel"),
    path("<int:election_id>/ballot/", views.voting_ballot, name="ballot"),
    path("<int:election_id>/review/", views.voting_review, name="review"),
    path("<int:election_id>/review/email/", views.voting_code_email, name="code_email"),
    path("<int:election_id>/review/resend/", views.voting_code_resend, name="code_resend"),
    path("<int:election_id>/review/status/", views.voting_status, name="status"),
    path("<int:election_id>/review/received/", views.voting_confirm_received, name="confirm_received"),
    path("<int:election_id>/done/", views.voting_done, name="done"),
    path("<int:election_id>/leave/", views.voting_leave, name="leave"),
]
