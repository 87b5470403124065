"""Issue 13, failure 8 (SPEC A1, A2, P5): documents and images live in per-association
collections; an association's admin sees only their own association's files in Wagtail's
choosers; the candidates' documents of an election that is not public yet are a 404 for
everyone but staff with a permission on that collection."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission

from cms_site.demo.elections import _demo_photo_bytes
from election_pages.lifecycle.models import ElectionState
from election_pages.lifecycle.services import candidate_files_collect
from election_pages.wagtail_hooks import candidate_files_to_association_collection
from member_workflow.models import Association
from member_workflow.services.admins import association_admin_grant
from member_workflow.services.associations import association_collection_ensure
from tests.factories import (
    AssociationFactory,
    CandidateFactory,
    ElectionFactory,
    MemberFactory,
    PositionFactory,
    StaffFactory,
    election_page_for,
)

pytestmark = pytest.mark.django_db

Document = get_document_model()
Image = get_image_model()


def _document(title: str, collection=None):
    document = Document(title=title, collection=collection or Collection.get_first_root_node())
    document.file.save(f"{title}.pdf", ContentFile(b"%PDF-1.4 " + title.encode()), save=False)
    document.save()
    return document


def _image(title: str, collection=None):
    image = Image(
        title=title,
        file=ImageFile(ContentFile(_demo_photo_bytes(1)), name=f"{title}.jpg"),
        collection=collection or Collection.get_first_root_node(),
    )
    image.save()
    return image


@pytest.fixture
def two_associations():
    a, b = AssociationFactory(slug="files-a"), AssociationFactory(slug="files-b")
    admin_a, admin_b = MemberFactory(), MemberFactory()
    association_admin_grant(association=a, member=admin_a, actor=None)
    association_admin_grant(association=b, member=admin_b, actor=None)
    a.refresh_from_db()
    b.refresh_from_db()
    return {"a": a, "b": b, "admin_a": admin_a, "admin_b": admin_b}


def test_i13_each_association_gets_its_own_collection_and_file_group(two_associations):
    a, admin_a = two_associations["a"], two_associations["admin_a"]
    assert a.collection is not None and a.collection.get_parent() == Collection.get_first_root_node()
    assert a.collection != two_associations["b"].collection
    group = Group.objects.get(name="Association files: files-a")
    assert admin_a.groups.filter(pk=group.pk).exists()
    codenames = set(
        GroupCollectionPermission.objects.filter(group=group).values_list("permission__codename", flat=True)
    )
    assert {"choose_document", "add_document", "choose_image", "add_image"} <= codenames
    assert set(GroupCollectionPermission.objects.filter(group=group).values_list("collection", flat=True)) == {
        a.collection_id
    }
    # Idempotent: again, nothing new.
    assert association_collection_ensure(association_id=a.pk) == a.collection
    assert Collection.objects.filter(association__isnull=False).count() == 2


def test_i13_choosers_list_only_the_admins_own_associations_files(client, two_associations):
    t = two_associations
    mine_doc, theirs_doc = _document("mine-doc", t["a"].collection), _document("theirs-doc", t["b"].collection)
    mine_img, theirs_img = _image("mine-img", t["a"].collection), _image("theirs-img", t["b"].collection)
    root_doc = _document("federation-doc")
    client.force_login(t["admin_a"])
    documents = client.get("/admin/documents/chooser/").content.decode()
    assert mine_doc.title in documents and theirs_doc.title not in documents and root_doc.title not in documents
    images = client.get("/admin/images/chooser/").content.decode()
    assert mine_img.title in images and theirs_img.title not in images
    listing = client.get("/admin/documents/").content.decode()
    assert mine_doc.title in listing and theirs_doc.title not in listing
    # Not even by id.
    assert client.get(f"/admin/documents/edit/{theirs_doc.pk}/").status_code in (302, 403, 404)
    assert client.get(f"/admin/images/{theirs_img.pk}/").status_code in (302, 403, 404)
    # Federation staff see every association's files.
    client.force_login(StaffFactory())
    documents = client.get("/admin/documents/chooser/").content.decode()
    assert mine_doc.title in documents and theirs_doc.title in documents


def test_i13_candidate_files_move_into_the_organising_associations_collection(two_associations):
    election = ElectionFactory(association=two_associations["a"])
    photo, resume, programme = _image("photo"), _document("resume"), _document("programme")
    candidate = CandidateFactory(position=PositionFactory(election=election), live=False)
    candidate.photo, candidate.resume, candidate.programme = photo, resume, programme
    # The admin's candidate form calls this hook after create and edit (drafts included).
    assert candidate_files_to_association_collection in hooks.get_hooks("after_edit_snippet")
    assert candidate_files_to_association_collection in hooks.get_hooks("after_create_snippet")
    assert candidate_files_collect(candidate=candidate) == 3
    for file in (photo, resume, programme):
        file.refresh_from_db()
        assert file.collection_id == two_associations["a"].collection_id
    assert candidate_files_collect(candidate=candidate) == 0  # already there


def test_i13_candidate_form_in_the_admin_collects_its_files(client, two_associations):
    election = ElectionFactory(association=two_associations["b"])
    position = PositionFactory(election=election)
    resume = _document("form-resume")
    client.force_login(StaffFactory())
    response = client.post(
        "/admin/snippets/election_pages/candidate/add/",
        {
            "position": position.pk,
            "first_name": "سارا",
            "last_name": "کریمی",
            "election_code": "301",
            "university": "",
            "field_of_study": "",
            "academic_rank": "",
            "photo": "",
            "resume": resume.pk,
            "programme": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resume.refresh_from_db()
    assert resume.collection_id == two_associations["b"].collection_id


@pytest.fixture
def draft_candidate_files(two_associations, portal):
    election = ElectionFactory(association=two_associations["a"], state=ElectionState.DRAFT)
    resume, programme = _document("draft-resume"), _document("draft-programme")
    candidate = CandidateFactory(position=PositionFactory(election=election), resume=resume, programme=programme)
    candidate_files_collect(candidate=candidate)
    return {**two_associations, "election": election, "resume": resume, "programme": programme}


def test_i13_draft_elections_candidate_documents_are_not_public(client, draft_candidate_files):
    t = draft_candidate_files
    for document in (t["resume"], t["programme"]):
        assert client.get(document.url).status_code == 404
        for outsider in (MemberFactory(), t["admin_b"]):
            client.force_login(outsider)
            assert client.get(document.url).status_code == 404
        for insider in (t["admin_a"], StaffFactory()):
            client.force_login(insider)
            assert client.get(document.url).status_code == 200
        client.logout()


def test_i13_documents_stay_private_until_the_election_page_is_live_and_public(client, draft_candidate_files):
    t = draft_candidate_files
    election = t["election"]
    page = election_page_for(election, publish=False)
    assert client.get(t["resume"].url).status_code == 404  # page not live, election draft
    page.save_revision().publish()
    assert client.get(t["resume"].url).status_code == 404  # page live, election still draft
    election.__class__.objects.filter(pk=election.pk).update(state=ElectionState.ANNOUNCED)
    response = client.get(t["resume"].url)
    assert response.status_code == 200 and response["Content-Security-Policy"] == "default-src 'none'"
    page.refresh_from_db()
    page.unpublish()
    assert client.get(t["resume"].url).status_code == 404


def test_i13_files_of_an_association_collection_are_private_until_used_publicly(client, two_associations):
    loose = _document("uploaded-not-used", two_associations["a"].collection)
    assert client.get(loose.url).status_code == 404
    assert client.get(_document("federation-guide").url).status_code == 200  # the root collection: public


def test_i13_migration_moves_existing_candidate_files_into_their_associations_collections():
    """The data migration, run on a database from before: associations without a collection,
    candidates' files in the root collection."""
    migration = importlib.import_module("election_pages.migrations.0011_association_collections")
    a, b = AssociationFactory(slug="old-a"), AssociationFactory(slug="old-b")
    admin = MemberFactory()
    a.admins.add(admin)
    files = {}
    for association in (a, b):
        election = ElectionFactory(association=association)
        files[association.pk] = (_image(f"p-{association.slug}"), _document(f"r-{association.slug}"))
        CandidateFactory(
            position=PositionFactory(election=election), photo=files[association.pk][0], resume=files[association.pk][1]
        )
    unused = _document("unused")
    migration.association_collections_create(apps, None)
    migration.association_collections_create(apps, None)  # twice: nothing more
    for association in (a, b):
        association.refresh_from_db()
        assert association.collection is not None
        for file in files[association.pk]:
            file.refresh_from_db()
            assert file.collection_id == association.collection_id
    unused.refresh_from_db()
    assert unused.collection == Collection.get_first_root_node()
    assert Association.objects.filter(collection__isnull=False).count() == Association.objects.count()
    assert admin.groups.filter(name="Association files: old-a").exists()
    assert all(not problem for problem in Collection.find_problems())
    # The tree is sound for treebeard: the service can add another child after the migration.
    later = AssociationFactory(slug="later")
    assert association_collection_ensure(association_id=later.pk).get_parent() == Collection.get_first_root_node()
