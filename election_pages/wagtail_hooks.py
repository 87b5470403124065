"""Wagtail admin: elections (with their positions and lifecycle buttons) and candidates; the
candidates' files in their association's collection, private until the election is public."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.admin.views.generic.models import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.documents import get_document_model
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms_site.common.digits import persian_digits
from election_pages.lifecycle.admin_forms import (
    LOCKED_MESSAGE,
    CandidateAdminForm,
    ElectionAdminForm,
    ElectionTransitionForm,
)
from election_pages.lifecycle.models import Candidate, Election, ElectionState, can_manage_election
from election_pages.lifecycle.selectors import document_is_private, election_available_transitions
from election_pages.lifecycle.services import (
    ElectionTransitionError,
    candidate_files_collect,
    election_guard_failures,
    election_transition_request,
)
from election_pages.notices.selectors import election_notification_progress, elections_notification_summaries
from election_pages.results.models import ElectionResult, TallyRun, TallyRunState
from election_pages.results.selectors import election_tally_run_latest
from election_pages.secrecy.errors import CeremonyError, UnsealError
from election_pages.secrecy.forms import SupervisorsForm, UnsealForm
from election_pages.secrecy.selectors import election_supervision
from election_pages.secrecy.services import CEREMONY_STATES, election_supervisors_set, key_ceremony_run
from election_pages.voting.unsealing import (
    election_unseal,
    election_unseal_start,
    unseal_progress,
    unseal_runs_in_background,
)

# While a tally runs, the admin page reloads itself every this many seconds.
TALLY_REFRESH_SECONDS = 3


class ElectionInspectView(InspectView):
    """The election's state and the transitions allowed from it, as buttons."""

    template_name = "election_pages/admin/election_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        election = self.object
        transitions = election_available_transitions(election=election, user=self.request.user)
        context["election"] = election
        context["transitions"] = [
            {
                "name": t.name,
                "label": t.custom["label"],
                "url": reverse("election_pages_transition", args=[election.pk, t.name]),
                "blocked_by": election_guard_failures(election=election, transition=t.name, requested=True),
            }
            for t in transitions
        ]
        context["tally_run"] = election_tally_run_latest(election=election)
        context["tally_refresh_seconds"] = TALLY_REFRESH_SECONDS
        context["has_result"] = ElectionResult.objects.filter(election=election).exists()
        # Issue 6: each notice, switched on or off, with its progress (queued x of y, sent, failed).
        context["notifications"] = election_notification_progress(election=election)
        # Issue 12: the supervisors and the key ceremony, linked to their own page.
        context["supervision"] = election_supervision(election=election)
        context["supervision_url"] = reverse("election_pages_supervision", args=[election.pk])
        return context


class TallyRunColumn(Column):
    """The last tally run's state in the elections listing (annotated, one query)."""

    def get_value(self, instance):
        state = getattr(instance, "tally_run_state", None)
        return TallyRunState(state).label if state else ""


class ElectionIndexView(IndexView):
    """The elections listing: the last tally run's state and each notice's progress."""

    def get_base_queryset(self):
        latest = TallyRun.objects.filter(election=OuterRef("pk")).order_by("-queued_at", "-pk").values("state")[:1]
        return super().get_base_queryset().annotate(tally_run_state=Subquery(latest))

    def get_table(self, object_list):
        elections = list(object_list)
        summaries = elections_notification_summaries(election_ids=[e.pk for e in elections])
        for election in elections:
            election.notification_summary = " — ".join(
                _("%(label)s: %(processed)s از %(planned)s (ارسال شده %(sent)s، ناموفق %(failed)s)")
                % {
                    "label": row["label"],
                    "processed": row["processed"],
                    "planned": row["run"].planned,
                    "sent": row["sent"],
                    "failed": row["failed"],
                }
                for row in summaries.get(election.pk, [])
            )
        return super().get_table(elections)


class ElectionViewSet(ModelViewSet):
    model = Election
    icon = "date"
    menu_label = _("انتخابات‌ها")
    menu_order = 200
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_view_class = ElectionInspectView
    index_view_class = ElectionIndexView
    inspect_view_fields = [
        "title",
        "association",
        "voting_starts_at",
        "voting_ends_at",
        "state",
        "state_changed_at",
        "state_changed_by",
        "state_change_reason",
        "has_announcement_notice",
        "has_reminder_notice",
        "reminder_hours_before_close",
        "has_results_notice",
    ]
    list_display = [
        "title",
        "association",
        Column("get_state_display", label=_("وضعیت")),
        "voting_starts_at",
        "voting_ends_at",
        TallyRunColumn("tally_run_state", label=_("شمارش آرا")),
        Column("notification_summary", label=_("اطلاع‌رسانی به اعضا")),
    ]
    list_filter = ["state", "association"]
    search_fields = ["title"]
    edit_handler = ObjectList(Election.panels, base_form_class=ElectionAdminForm)


election_viewset = ElectionViewSet("elections")


@hooks.register("register_admin_viewset")
def register_election_viewset():
    return election_viewset


def election_transition_view(request, pk: int, name: str):
    """Confirmation step (GET) and execution (POST) of one lifecycle transition."""
    election = get_object_or_404(Election, pk=pk)
    offered = {t.name: t for t in election_available_transitions(election=election, user=request.user)}
    if name not in offered:
        raise PermissionDenied
    transition = offered[name]
    needs_reason = bool(transition.custom.get("needs_reason"))
    inspect_url = reverse(election_viewset.get_url_name("inspect"), args=[election.pk])
    form = ElectionTransitionForm(request.POST if request.method == "POST" else None, needs_reason=needs_reason)
    if request.method == "POST" and form.is_valid():
        try:
            queued = election_transition_request(
                election_id=election.pk, transition=name, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ElectionTransitionError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if queued:
                messages.success(request, _("شمارش آرا در صف قرار گرفت؛ پیشرفت آن در همین صفحه دیده می‌شود."))
            else:
                messages.success(
                    request, _("وضعیت انتخابات تغییر کرد: %(label)s") % {"label": transition.custom["label"]}
                )
        return redirect(inspect_url)
    return TemplateResponse(
        request,
        "election_pages/admin/election_transition_confirm.html",
        {
            "election": election,
            "transition": transition,
            "label": transition.custom["label"],
            "form": form,
            "cancel_url": inspect_url,
            "blocked_by": election_guard_failures(election=election, transition=name, requested=True),
        },
    )


@sensitive_post_parameters()
@sensitive_variables()
def election_supervision_view(request, pk: int):
    """Issue 12: the election's supervisors (هیئت نظارت), its key ceremony and, after the
    close, the unsealing: k supervisors paste their share phrases into one request."""
    election = get_object_or_404(Election.objects.select_related("association"), pk=pk)
    if not can_manage_election(election, request.user):
        raise PermissionDenied
    here = reverse("election_pages_supervision", args=[election.pk])
    seats = max(election.supervisors.count(), election.supervisor_threshold, 1)
    supervisors_form = SupervisorsForm(
        request.POST if request.POST.get("action") == "supervisors" else None,
        initial={
            "usernames": "\n".join(election.supervisors.values_list("user__username", flat=True)),
            "threshold": election.supervisor_threshold,
        },
    )
    unseal_form = UnsealForm(request.POST if request.POST.get("action") == "unseal" else None, seats=seats)
    if request.method == "POST" and request.POST.get("action") == "supervisors" and supervisors_form.is_valid():
        try:
            election_supervisors_set(
                election_id=election.pk,
                usernames=supervisors_form.cleaned_data["usernames"],
                threshold=supervisors_form.cleaned_data["threshold"],
                actor=request.user,
            )
        except CeremonyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("هیئت نظارت ذخیره شد."))
        return redirect(here)
    if request.method == "POST" and request.POST.get("action") == "ceremony":
        try:
            key_ceremony_run(election_id=election.pk, actor=request.user)
        except CeremonyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("کلید انتخابات ساخته و سهم هر ناظر برای او رمز شد."))
        return redirect(here)
    if request.method == "POST" and request.POST.get("action") == "unseal" and unseal_form.is_valid():
        if unseal_runs_in_background(election_id=election.pk):
            try:
                election_unseal_start(election_id=election.pk, phrases=unseal_form.phrases(), actor=request.user)
            except UnsealError as error:
                messages.error(request, str(error))
            else:
                messages.info(request, _("سهم‌ها درست است؛ گشودن آرا آغاز شد. پیشرفت آن در همین صفحه دیده می‌شود."))
            return redirect(here)
        try:
            election = election_unseal(election_id=election.pk, phrases=unseal_form.phrases(), actor=request.user)
        except UnsealError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("آرا گشوده شد: %(ballots)s برگه، %(spoiled)s برگه باطل. اکنون می‌توانید آرا را بشمارید.")
                % {"ballots": persian_digits(election.unsealed_ballots), "spoiled": persian_digits(election.spoiled_ballots)},
            )
            return redirect(reverse(election_viewset.get_url_name("inspect"), args=[election.pk]))
    return TemplateResponse(
        request,
        "election_pages/admin/election_supervision.html",
        {
            "election": election,
            "supervision": election_supervision(election=election),
            "supervisors_form": supervisors_form,
            "unseal_form": unseal_form,
            "can_change": election.state in CEREMONY_STATES,
            "can_unseal": election.state == ElectionState.CLOSED,
            "progress": unseal_progress(election_id=election.pk) if election.unsealed_at is None else None,
            "inspect_url": reverse(election_viewset.get_url_name("inspect"), args=[election.pk]),
        },
    )


@hooks.register("register_admin_urls")
def register_election_transition_url():
    return [
        path("elections/<int:pk>/transition/<str:name>/", election_transition_view, name="election_pages_transition"),
        path("elections/<int:pk>/supervision/", election_supervision_view, name="election_pages_supervision"),
    ]


class CandidateViewSet(SnippetViewSet):
    model = Candidate
    icon = "user"
    menu_label = _("نامزدها")
    menu_order = 210
    add_to_admin_menu = True
    edit_handler = ObjectList(Candidate.panels, base_form_class=CandidateAdminForm)
    list_display = ["full_name", "election_code", "position", UpdatedAtColumn()]
    list_filter = ["position__election", "live"]
    search_fields = ["first_name", "last_name", "election_code"]


register_snippet(CandidateViewSet)


def _refuse_if_locked(request, candidates):
    if any(c.position.election.is_locked for c in candidates):
        messages.error(request, LOCKED_MESSAGE)
        return redirect(reverse(Candidate.snippet_viewset.get_url_name("list")))
    return None


@hooks.register("before_edit_snippet")
def candidate_before_edit(request, instance):
    if isinstance(instance, Candidate) and request.method == "POST":
        return _refuse_if_locked(request, [instance])
    return None


@hooks.register("before_delete_snippet")
def candidate_before_delete(request, instances):
    candidates = [i for i in instances if isinstance(i, Candidate)]
    return _refuse_if_locked(request, candidates) if candidates else None


@hooks.register("before_publish")
def candidate_before_publish(request, instance):
    if isinstance(instance, Candidate):
        return _refuse_if_locked(request, [instance])
    return None


@hooks.register("before_unpublish")
def candidate_before_unpublish(request, instance):
    if isinstance(instance, Candidate):
        return _refuse_if_locked(request, [instance])
    return None


# --- Issue 13: candidates' files live in their association's collection and stay private
# until the election is public.


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def candidate_files_to_association_collection(request, instance):
    if isinstance(instance, Candidate):
        candidate_files_collect(candidate=instance, actor=request.user)


@hooks.register("before_serve_document")
def candidate_document_private_until_public(document, request):
    """A candidate's résumé or programme (or any file of an association's collection) of an
    election that is not public yet is a 404 for everyone but staff with a permission on
    the document's collection (the association's admins, federation editors)."""
    if not document_is_private(document=document):
        return None
    policy = policy_registry.get_by_type(get_document_model())
    if policy.user_has_any_permission_for_instance(request.user, ["change", "choose"], document):
        return None
    raise Http404
