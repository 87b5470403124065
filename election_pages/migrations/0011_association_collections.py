"""Issue 13: every association gets its own Wagtail collection and file group (the rule of
`member_workflow.services.associations.association_collection_ensure`), and the photos,
résumés and programmes of existing candidates move into the collection of the association
that organises their election (Candidate → Position → Election → Association).

Written with the historical models: the collection is appended as the root's last child by
hand (treebeard's methods are not on historical models). Files whose owner cannot be
inferred (not used by any candidate) stay where they are.
"""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4
COLLECTION_PERMISSIONS = [
    ("wagtaildocs", codename)
    for codename in ("add_document", "change_document", "delete_document", "choose_document")
] + [("wagtailimages", codename) for codename in ("add_image", "change_image", "delete_image", "choose_image")]


def _step(number: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEPLEN, "0")


def _number(step: str) -> int:
    return int(step, len(ALPHABET))


def _collection_for(apps, association, root):
    Collection = apps.get_model("wagtailcore", "Collection")
    if association.collection_id:
        return Collection.objects.get(pk=association.collection_id)
    last = Collection.objects.filter(path__startswith=root.path, depth=root.depth + 1).order_by("-path").first()
    number = _number(last.path[-STEPLEN:]) + 1 if last else 1
    collection = Collection.objects.create(
        name=association.name, path=root.path + _step(number), depth=root.depth + 1, numchild=0
    )
    Collection.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)
    root.numchild += 1
    association.collection_id = collection.pk
    association.save(update_fields=["collection"])
    return collection


def _group_for(apps, association, collection):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    group, _ = Group.objects.get_or_create(name=f"Association files: {association.slug}")
    for app_label, codename in COLLECTION_PERMISSIONS:
        # On a fresh database the permissions come after migrate; the service adds them then.
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)
    group.user_set.add(*association.admins.all())


def association_collections_create(apps, schema_editor):
    Association = apps.get_model("member_workflow", "Association")
    Collection = apps.get_model("wagtailcore", "Collection")
    Candidate = apps.get_model("election_pages", "Candidate")
    Document = apps.get_model("wagtaildocs", "Document")
    Image = apps.get_model("wagtailimages", "Image")
    if not Association.objects.exists():
        return
    root = Collection.objects.filter(depth=1).order_by("path").first()
    if root is None:
        root = Collection.objects.create(name="Root", path=_step(1), depth=1, numchild=0)
    collections = {}
    for association in Association.objects.order_by("pk"):
        collections[association.pk] = _collection_for(apps, association, root)
        _group_for(apps, association, collections[association.pk])
    rows = Candidate.objects.values_list("position__election__association_id", "photo_id", "resume_id", "programme_id")
    for association_id, photo_id, resume_id, programme_id in rows:
        collection = collections[association_id]
        if photo_id:
            Image.objects.filter(pk=photo_id).update(collection=collection)
        Document.objects.filter(pk__in=[pk for pk in (resume_id, programme_id) if pk]).update(collection=collection)


class Migration(migrations.Migration):
    dependencies = [
        ("election_pages", "0010_ballot_session_inbound_code_failures"),
        ("member_workflow", "0009_association_collection"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(association_collections_create, migrations.RunPython.noop)]
