"""What drops the generation stamps (``generations``) when issues, their timelines, the people
beside them or the names around them change.

``Issue.objects.update`` drops them itself (``IssueQuerySet.update``); saves and deletes arrive
here, whichever code made them.
"""

from django.db.models.signals import post_delete, post_save

from . import generations


def _issue_written(sender, instance, **kwargs):
    row = tuple(getattr(instance, f) for f in generations.ISSUE_FIELDS)
    rows = [row]
    loaded = getattr(instance, "loaded_handlers", None)
    if loaded is not None:  # who it was with when it was read: a queue it left
        rows.append(row[: -len(loaded)] + loaded)
    generations.issues_changed(rows)


def _timeline_written(sender, instance, **kwargs):
    generations.timeline_changed(instance.issue_id)


def _names_written(sender, **kwargs):
    generations.names_changed()


def _people_written(sender, instance=None, update_fields=None, **kwargs):
    # A login writes last_login alone: nothing an issue page shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    generations.people_changed()


def _roles_written(sender, **kwargs):
    generations.roles_changed()


def _role_models():
    from committees.models import PropertyStaff
    from compounds.models import RoleAssignment
    from governance.party.models import PartyMember

    return (RoleAssignment, PropertyStaff, PartyMember)


def _people_models():
    from governance.accounts.models import User
    from governance.party.models import PartyMember, ResponsibilityZone

    return (User, PartyMember, ResponsibilityZone)


def _name_models():
    # Also what ties organisations and people to places: the subjects a figures page lists.
    from committees.models import Committee, PropertyCompany, PropertyContract
    from compounds.models import Building, Community, Compound, Department, Household, Subdistrict
    from governance.party.models import BranchCoverage, PartyBranch

    from .models import Category

    return (
        Category, Compound, Building, Household, Community, Subdistrict, Department, PartyBranch, BranchCoverage,
        PropertyCompany, PropertyContract, Committee,
    )


def register() -> None:
    from .models import Issue, IssueEvent, IssuePhoto

    post_save.connect(_issue_written, sender=Issue, dispatch_uid="generations-issue-save")
    post_delete.connect(_issue_written, sender=Issue, dispatch_uid="generations-issue-delete")
    # Events are bulk-created only when an issue is filed, in the transaction that saves the issue
    # (whose drop after the commit covers them).
    for model in (IssueEvent, IssuePhoto):
        post_save.connect(_timeline_written, sender=model, dispatch_uid=f"generations-timeline-save-{model.__name__}")
        post_delete.connect(_timeline_written, sender=model, dispatch_uid=f"generations-timeline-delete-{model.__name__}")
    for model in _people_models():
        post_save.connect(_people_written, sender=model, dispatch_uid=f"generations-people-save-{model.__name__}")
        post_delete.connect(_people_written, sender=model, dispatch_uid=f"generations-people-delete-{model.__name__}")
    for model in _role_models():
        post_save.connect(_roles_written, sender=model, dispatch_uid=f"generations-roles-save-{model.__name__}")
        post_delete.connect(_roles_written, sender=model, dispatch_uid=f"generations-roles-delete-{model.__name__}")
    for model in _name_models():
        post_save.connect(_names_written, sender=model, dispatch_uid=f"generations-names-save-{model.__name__}")
        post_delete.connect(_names_written, sender=model, dispatch_uid=f"generations-names-delete-{model.__name__}")
