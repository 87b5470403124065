"""The supervisor's page (issue 12): register a personal public key; see the elections one
supervises, each with its key's fingerprint and one's own sealed share to copy into the
supervisor tool. Any logged-in person (member or staff) can register a key; an admin then
names them as an election's supervisor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from member_workflow.throttling import RateLimited, rate_limit_hit

from . import crypto
from .errors import CeremonyError
from .forms import SupervisorKeyForm
from .selectors import supervised_elections, supervisor_key_for
from .services import supervisor_key_register


@never_cache
@login_required
def supervisor_page(request):
    form = SupervisorKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit_hit(scope="supervisor_key", request=request, national_code=request.user.username)
            supervisor_key_register(user=request.user, public_key=form.cleaned_data["public_key"])
        except RateLimited as exc:
            return render(request, "member_workflow/rate_limited.html", {"retry_at": exc.retry_at}, status=429)
        except CeremonyError as error:
            form.add_error("public_key", str(error))
        else:
            messages.success(request, _("کلید عمومی شما ثبت شد."))
            return redirect("supervisor")
    seats = [
        {"seat": seat, "sealed_share": crypto.b64(bytes(seat.sealed_share)) if seat.sealed_share else ""}
        for seat in supervised_elections(user=request.user)
    ]
    return render(
        request,
        "election_pages/secrecy/supervisor.html",
        {"form": form, "key": supervisor_key_for(user=request.user), "seats": seats},
    )
