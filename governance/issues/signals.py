"""What drops the generation stamps (``generations``) when issues or the names around them change.

``Issue.objects.update`` drops them itself (``IssueQuerySet.update``); saves and deletes arrive
here, whichever code made them.
"""

from django.db.models.signals import post_delete, post_save

from . import generations


def _issue_written(sender, instance, **kwargs):
    generations.issues_changed([(instance.compound_id, instance.category_id, instance.reporter_id)])


def _names_written(sender, **kwargs):
    generations.names_changed()


def _name_models():
    from committees.models import Committee, PropertyCompany
    from compounds.models import Building, Community, Compound, Department, Household, Subdistrict
    from governance.party.models import PartyBranch

    from .models import Category

    return (Category, Compound, Building, Household, Community, Subdistrict, Department, PartyBranch, PropertyCompany, Committee)


def register() -> None:
    from .models import Issue

    post_save.connect(_issue_written, sender=Issue, dispatch_uid="generations-issue-save")
    post_delete.connect(_issue_written, sender=Issue, dispatch_uid="generations-issue-delete")
    for model in _name_models():
        post_save.connect(_names_written, sender=model, dispatch_uid=f"generations-names-save-{model.__name__}")
        post_delete.connect(_names_written, sender=model, dispatch_uid=f"generations-names-delete-{model.__name__}")
