"""SPEC R1 "a transition with a Celery task and progress shown in the admin": each press of
«شمارش آرا» is a recorded tally run (queued → running → done | failed) that the admin shows,
refreshing itself while it runs; a double click queues one run; a refused count is shown."""

import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from election_pages.lifecycle.models import Election, ElectionState
from election_pages.lifecycle.services import election_transition
from election_pages.results.models import TallyRun, TallyRunState
from election_pages.results.services import election_tally_request, election_tally_run
from election_pages.voting.models import AnonymousBallot
from tests.factories import StaffFactory
from tests.integration.test_tally import _vote
from tests.secrecy_helpers import unseal
from tests.voting_helpers import open_election_with_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed():
    election, board, inspector, (a, b, *_), (x, y) = open_election_with_ballot()
    _vote(election, {str(board.pk): [str(a.pk), str(b.pk)], str(inspector.pk): [str(x.pk)]})
    _vote(election, {str(board.pk): [str(a.pk)], str(inspector.pk): [str(y.pk)]})
    staff = StaffFactory()
    election_transition(election_id=election.pk, transition="force_close", actor=staff, reason="آزمون")
    unseal(election)
    return election, staff


def _inspect(client, election) -> str:
    return client.get(reverse("elections:inspect", args=[election.pk])).content.decode()


def _press_tally(client, election):
    return client.post(f"/admin/elections/{election.pk}/transition/tally/", {"reason": ""})


def test_r1_pressing_tally_queues_one_run_shown_in_the_admin(client, closed, django_capture_on_commit_callbacks):
    election, staff = closed
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert _press_tally(client, election).status_code == 302
        assert _press_tally(client, election).status_code == 302  # double click
    assert TallyRun.objects.filter(election=election).count() == 1
    assert len(queued) == 1  # one Celery task, not two
    run = TallyRun.objects.get(election=election)
    assert run.state == TallyRunState.QUEUED and run.requested_by == staff
    html = _inspect(client, election)
    assert 'data-role="tally-run" data-state="queued"' in html and "در صف شمارش" in html
    assert "data-reload-after=" in html  # refreshes itself while the count is pending (static/js/admin_extras.js)
    listing = client.get(reverse("elections:index")).content.decode()
    assert "در صف شمارش" in listing


def test_r1_progress_is_visible_while_counting(closed):
    """The counting runs outside the storing transaction: the step and the positions
    counted are committed as they happen, so another connection (the admin) sees them."""
    election, staff = closed
    run = election_tally_request(election_id=election.pk, actor=staff)
    seen = []

    from election_pages.results import services as results

    real_counts = results.election_vote_counts

    def spy(**kwargs):
        seen.append(TallyRun.objects.values_list("state", "step").get(pk=run.pk))
        return real_counts(**kwargs)

    with mock.patch.object(results, "election_vote_counts", side_effect=spy):
        election_tally_run(run_id=run.pk)
    assert seen == [(TallyRunState.RUNNING, "count")]
    run.refresh_from_db()
    assert run.state == TallyRunState.DONE
    assert (run.positions_done, run.positions_total) == (2, 2)
    assert run.started_at <= run.finished_at


def test_r1_running_run_shows_step_and_progress(client, closed):
    election, staff = closed
    run = election_tally_request(election_id=election.pk, actor=staff)
    run.start()
    run.save()
    TallyRun.objects.filter(pk=run.pk).update(step="positions", positions_done=1, positions_total=2)
    client.force_login(staff)
    html = _inspect(client, election)
    assert 'data-state="running"' in html and "در حال شمارش" in html
    assert "واگذاری کرسی‌های هر سمت" in html
    assert "سمت‌های شمرده شده: ۱ از ۲" in html
    assert "data-reload-after=" in html


def test_r1_done_run_shows_times_and_result_links(client, closed, celery_eager, django_capture_on_commit_callbacks):
    election, staff = closed
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        _press_tally(client, election)
    election = Election.objects.get(pk=election.pk)
    assert election.state == ElectionState.TALLIED
    run = TallyRun.objects.get(election=election)
    assert run.state == TallyRunState.DONE and run.finished_at is not None
    html = _inspect(client, election)
    assert 'data-state="done"' in html and "شمارش پایان یافت" in html
    assert "data-reload-after=" not in html
    assert f"/results/{election.pk}/minutes.pdf" in html
    assert "شمارش پایان یافت" in client.get(reverse("elections:index")).content.decode()
    # Pressing again (a stale tab) queues nothing and keeps the stored result.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert election_tally_request(election_id=election.pk, actor=staff).pk == run.pk
    assert not queued and TallyRun.objects.filter(election=election).count() == 1


def test_r1_mismatch_failure_is_reported_in_persian_in_the_admin(
    client, closed, celery_eager, django_capture_on_commit_callbacks
):
    election, staff = closed
    AnonymousBallot.objects.filter(election=election).first().delete()  # one unsealed ballot lost
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        _press_tally(client, election)
    run = TallyRun.objects.get(election=election)
    assert run.state == TallyRunState.FAILED and run.finished_at is not None
    assert Election.objects.get(pk=election.pk).state == ElectionState.CLOSED  # nothing stored
    html = _inspect(client, election)
    assert 'data-state="failed"' in html and "شمارش ناموفق" in html
    assert 'data-role="tally-run-failure"' in html
    assert "برگه‌های رای گشوده (۱)" in html and "مشارکت‌های ثبت شده (۲)" in html
    assert "data-reload-after=" not in html
    from cms_site.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="election.tally_failed", target_id=str(election.pk)).count() == 1
    assert "شمارش ناموفق" in client.get(reverse("elections:index")).content.decode()
    # After a failure, pressing again queues a fresh run.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _press_tally(client, election)
    assert TallyRun.objects.filter(election=election).count() == 2 and len(queued) == 1


def test_r1_run_is_idempotent_and_a_stale_run_does_not_block(closed, settings):
    election, staff = closed
    run = election_tally_request(election_id=election.pk, actor=staff)
    TallyRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - datetime.timedelta(hours=1))
    settings.TALLY_RUN_STALE_SECONDS = 60
    fresh = election_tally_request(election_id=election.pk, actor=staff)
    assert fresh.pk != run.pk  # the lost run no longer blocks the button
    done = election_tally_run(run_id=fresh.pk)
    tallied_at = Election.objects.get(pk=election.pk).result.tallied_at
    assert election_tally_run(run_id=fresh.pk).finished_at == done.finished_at  # a redelivered task: no-op
    assert election_tally_run(run_id=run.pk).state == TallyRunState.DONE  # the old one finds it tallied
    assert Election.objects.get(pk=election.pk).result.tallied_at == tallied_at


def test_r1_tally_cannot_be_requested_for_an_open_election(client):
    from election_pages.lifecycle.services import ElectionTransitionError

    election, *_ = open_election_with_ballot()
    with pytest.raises(ElectionTransitionError):
        election_tally_request(election_id=election.pk, actor=StaffFactory())
    assert not TallyRun.objects.exists()


def test_r1_tally_button_is_not_shown_as_blocked_by_the_result_it_produces(client, closed):
    """«شمارش آرا» stores the result itself: the inspect and confirm pages do not list the
    missing result as a reason the button cannot be pressed."""
    election, staff = closed
    client.force_login(staff)
    missing = "نتیجه شمارش هنوز ذخیره نشده است"
    assert missing not in _inspect(client, election)
    confirm = client.get(f"/admin/elections/{election.pk}/transition/tally/").content.decode()
    assert missing not in confirm
