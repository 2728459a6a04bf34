"""One access helper per kind (STYLE.md §6): the object, or 404 when the caller cannot see it.

Officers and admins see the branches of communities in their scope (``community_q`` on the
branch's community) and everything hanging off them; a member sees their own membership,
check-ins and claimed posts. Writes are further checked by the services.
"""

from django.http import Http404

from governance.http import get_or_404

from . import selectors
from .models import (
    BranchSeat,
    MemberCheckIn,
    PartyBranch,
    PartyGroup,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
)


def _uid(user):
    return user.pk if getattr(user, "is_authenticated", False) else None


def access_branch(user, branch_id) -> PartyBranch:
    return get_or_404(selectors.branches_managed(user), branch_id)


def access_member(user, member_id, *, manage: bool = False) -> PartyMember:
    """Officers in scope; the member themself too unless ``manage`` is asked."""
    member = get_or_404(PartyMember.objects.select_related("user", "branch__community"), member_id)
    if selectors.branches_managed(user).filter(pk=member.branch_id).exists():
        return member
    if not manage and member.user_id == _uid(user):
        return member
    raise Http404


def access_seat(user, seat_id) -> BranchSeat:
    return get_or_404(
        BranchSeat.objects.filter(branch__in=selectors.branches_managed(user)).select_related(
            "branch__community", "member__user"
        ),
        seat_id,
    )


def access_group(user, group_id) -> PartyGroup:
    return get_or_404(
        PartyGroup.objects.filter(branch__in=selectors.branches_managed(user)).select_related("branch__community"),
        group_id,
    )


def access_zone(user, zone_id) -> ResponsibilityZone:
    return get_or_404(
        ResponsibilityZone.objects.filter(branch__in=selectors.branches_managed(user)).select_related(
            "branch__community", "compound", "member__user"
        ),
        zone_id,
    )


def access_checkin(user, checkin_id) -> MemberCheckIn:
    checkin = get_or_404(MemberCheckIn.objects.select_related("member__user", "community", "branch"), checkin_id)
    if checkin.member.user_id == _uid(user) or selectors.branches_managed(user).filter(pk=checkin.branch_id).exists():
        return checkin
    raise Http404


def access_claim(user, claim_id) -> PostClaim:
    claim = get_or_404(PostClaim.objects.select_related("member__user", "member__branch", "post", "community"), claim_id)
    if claim.member.user_id == _uid(user) or selectors.branches_managed(user).filter(pk=claim.member.branch_id).exists():
        return claim
    raise Http404
