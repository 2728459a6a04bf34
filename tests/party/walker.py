"""Party records in community B for the URL walker (tests/compounds/test_url_walker.py): built
once per scene through the services, as community B's officer and B's member would."""

from datetime import date

from governance.party import services
from governance.party.models import ServicePost

from .. import factories


def party_of(scene) -> dict:
    if "party_records" in scene.cache:
        return scene.cache["party_records"]
    world, officer = scene.world, scene.insider
    branch = services.branch_create(
        actor=officer, community=world.b, name="安居小区党支部", kind="compound", founded_on=date(2021, 7, 1), compounds=[world.b1]
    )
    user = factories.UserFactory(username="walker_member", display_name="周明")
    member = services.member_add(actor=officer, branch=branch, user=user, kind="in_service", employer="安居医院")
    seat = services.branch_seat_add(actor=officer, branch=branch, member=member, role="secretary", term_start=date(2026, 1, 1))
    group = services.group_save(actor=officer, branch=branch, name="一组", buildings=[world.b_home.building])
    zone = services.zone_save(
        actor=officer, branch=branch, compound=world.b1, member=member, name="1 号楼责任区", buildings=[world.b_home.building]
    )
    checkin = services.checkin_register(
        actor=user, member=member, community=world.b, posts=[ServicePost.objects.get(code="patrol")]
    )
    records = {
        "branch": branch, "member": member, "seat": seat, "group": group, "zone": zone, "checkin": checkin,
        "claim": member.post_claims.get(),
    }
    scene.cache["party_records"] = records
    return records
