"""Issue-loop records in community B for the URL walker (tests/compounds/test_url_walker.py):
built once per scene through the services, as B's residents and officer would."""

from django.utils import timezone

from governance.issues import services
from governance.issues.models import Category

from .. import factories


def issues_of(scene) -> dict:
    if "issue_records" in scene.cache:
        return scene.cache["issue_records"]
    from tests.committees.factories import verified_owner

    world, officer = scene.world, scene.insider
    reporter = verified_owner(world.b_home, officer, username="walker_reporter", display_name="安居居民")
    issue = services.issue_file(
        actor=reporter,
        compound=world.b1,
        category=Category.objects.get(code="sanitation"),
        description="垃圾桶满了没人清理。",
        building=world.b_home.building,
        photos=[__import__("tests.issues.factories", fromlist=["photo"]).photo()],
    )
    department = factories.DepartmentFactory(name="安居城管", subdistrict=world.s2, district=None)
    extension = None
    records = {
        "issue": issue,
        "photo": issue.photos.first(),
        "event": issue.events.first(),
        "department": department,
        "extension": extension,
        "now": timezone.now(),
    }
    scene.cache["issue_records"] = records
    return records


def extension_of(scene):
    """A request for more time on a second B1 issue: B's officer dispatches it to the community,
    claims it and asks for two more days."""
    if "issue_extension" in scene.cache:
        return scene.cache["issue_extension"]
    from datetime import timedelta

    from governance.accounts.models import User

    issues_of(scene)
    issue = services.issue_file(
        actor=User.objects.get(username="walker_reporter"),
        compound=scene.world.b1,
        category=Category.objects.get(code="sanitation"),
        description="楼道灯坏了。",
        building=scene.world.b_home.building,
    )
    # Whatever routing chose (B1 may have a branch by now), B's officer hands it to the community.
    services.issue_dispatch(actor=scene.insider, issue=issue, to="community")
    services.issue_acknowledge(actor=scene.insider, issue=issue)
    extension = services.extension_request(
        actor=scene.insider, issue=issue, new_due=issue.resolution_due + timedelta(days=2), reason="等配件"
    )
    scene.cache["issue_extension"] = extension
    return extension
