"""URL configuration. Persian lives at the root, English under /en/."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms_site.common import views as common_views
from election_pages.pages import views as election_views
from member_workflow import views as member_views
from otp_delivery import urls as otp_urls

# Django's 400 view re-runs the CSRF check, which re-reads a body just refused (a 500).
handler400 = "cms_site.common.views.bad_request"

urlpatterns = [
    path("healthz", common_views.healthz, name="healthz"),
    path("i18n/setlang/", common_views.set_language, name="set_language"),
    path("captcha/", include("captcha.urls")),
    # M5 at Wagtail's login too; listed before Wagtail's own pattern for the same path.
    path("admin/login/", member_views.AdminLoginView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sms/inbound/", member_views.sms_inbound, name="sms_inbound"),
    # Read-only JSON for associations' own sites (issue 4).
    path("api/v1/elections/", election_views.api_elections, name="api_elections"),
    path(
        "api/v1/elections/<int:election_id>/candidates/",
        election_views.api_election_candidates,
        name="api_election_candidates",
    ),
    path("", include((otp_urls.report_urlpatterns, "otp_delivery_reports"))),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("accounts/", include("member_workflow.urls")),
    path("voting/", include("election_pages.voting.urls")),
    path("supervisor/", include("election_pages.secrecy.urls")),
    path("", include("election_pages.results.urls")),
    path("", include(otp_urls)),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
