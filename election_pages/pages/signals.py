"""Cache invalidation only (no business rules): anything that can change a public
election view bumps the cache generation after the transaction commits."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, published, unpublished

from election_pages.lifecycle.cache import election_cache_invalidate
from election_pages.lifecycle.models import Candidate, Election, Position
from member_workflow.models import Association, Membership

from .models import ElectionHistoryPage, ElectionIndexPage, ElectionPage

WATCHED_MODELS = (Election, Position, Candidate, Membership, Association)
WATCHED_PAGES = (ElectionPage, ElectionIndexPage, ElectionHistoryPage)


def _invalidate_on_commit(**kwargs):
    transaction.on_commit(election_cache_invalidate)


for _model in WATCHED_MODELS:
    post_save.connect(_invalidate_on_commit, sender=_model, dispatch_uid=f"election_cache_save_{_model.__name__}")
    post_delete.connect(_invalidate_on_commit, sender=_model, dispatch_uid=f"election_cache_delete_{_model.__name__}")


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs):
    if isinstance(instance, WATCHED_PAGES):
        transaction.on_commit(election_cache_invalidate)


@receiver(published)
@receiver(unpublished)
def _snippet_changed(sender, instance, **kwargs):
    if isinstance(instance, Candidate):
        transaction.on_commit(election_cache_invalidate)
