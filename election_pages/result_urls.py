"""URLs of the public results, receipts board and downloads (under i18n_patterns)."""

from django.urls import path

from . import result_views

urlpatterns = [
    path("results/<int:election_id>/", result_views.election_results, name="election_results"),
    path("results/<int:election_id>/receipts/", result_views.election_receipts, name="election_receipts"),
    path(
        "results/<int:election_id>/receipts.txt",
        result_views.election_receipts_download,
        name="election_receipts_download",
    ),
    path(
        "results/<int:election_id>/minutes.pdf", result_views.election_results_minutes, name="election_results_minutes"
    ),
    path(
        "results/<int:election_id>/results.csv", result_views.election_results_csv_download, name="election_results_csv"
    ),
    path(
        "results/<int:election_id>/ballots.<str:fmt>",
        result_views.election_ballots_download,
        name="election_ballots_download",
    ),
]
