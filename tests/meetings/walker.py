"""Joint-meeting records in community B for the URL walker (tests/compounds/test_url_walker.py):
B's officer convenes a meeting in B1 through the services, puts an item on its agenda and records
a decision (an action item owned by B1's property company). Built once per scene."""

from datetime import timedelta

from django.utils import timezone

from governance.meetings import services


def meetings_of(scene) -> dict:
    if "meeting_records" in scene.cache:
        return scene.cache["meeting_records"]
    officer = scene.insider
    start = timezone.now() + timedelta(days=7)
    meeting = services.meeting_schedule(
        actor=officer, compound=scene.world.b1, title="安居小区联席会议", starts_at=start,
        ends_at=start + timedelta(minutes=90), place="社区会议室",
    )
    item = services.agenda_add(actor=officer, meeting=meeting, title="楼道堆物清理")
    action = services.decision_record(
        actor=officer, item=item, decision="一周内清理完毕", owner_organisation="property_company",
        deadline=timezone.localdate() + timedelta(days=7),
    )
    records = {"meeting": meeting, "item": item, "action": action}
    scene.cache["meeting_records"] = records
    return records
