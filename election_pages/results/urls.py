"""URLs of the public results, receipts board and downloads (under i18n_patterns)."""

from django.urls import path

from . import views

urlpatterns = [
    path("results/<int:election_id>/", views.election_results, name="election_results"),
    path("results/<int:election_id>/receipts/", views.election_receipts, name="election_receipts"),
    path(
        "results/<int:election_id>/receipts.txt",
        views.election_receipts_download,
        name="election_receipts_download",
    ),
    path("results/<int:election_id>/minutes.pdf", views.election_results_minutes, name="election_results_minutes"),
    path("results/<int:election_id>/results.csv", views.election_results_csv_download, name="election_results_csv"),
    path(
        "results/<int:election_id>/ballots.<str:fmt>",
        views.election_ballots_download,
        name="election_ballots_download",
    ),
]
