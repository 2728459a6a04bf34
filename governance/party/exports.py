"""Spreadsheets: a member's quarterly service record for their employer's Party organisation."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import PartyMember
from .selectors import Quarter, member_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def member_record_xlsx(member: PartyMember, quarter: Quarter) -> bytes:
    record = member_record(member, quarter)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Service record")
    bold = Font(bold=True)
    sheet.append([_("Service record of an in-service party member")])
    sheet["A1"].font = bold
    for label, value in (
        (_("Name"), member.user.name),
        (_("Branch"), member.branch.name),
        (_("Community"), member.branch.community.name),
        (_("Employer"), member.employer),
        (_("Employer's Party organisation"), member.employer_party_organisation),
        (_("Quarter"), str(quarter)),
        (_("From"), quarter.start.isoformat()),
        (_("To"), quarter.end.isoformat()),
    ):
        sheet.append([label, value])

    posts = book.create_sheet(_("Posts"))
    posts.append([_("Service post"), _("Community"), _("What I will do"), _("Claimed on"), _("Released on")])
    for claim in record["claims"]:
        posts.append([
            claim.post.name, claim.community.name, claim.note, claim.claimed_on.isoformat(),
            claim.released_on.isoformat() if claim.released_on else "",
        ])
    checkins = book.create_sheet(_("Check-ins"))
    checkins.append([_("Community"), _("Branch"), _("Checked in on"), _("Expires on"), _("Status")])
    for checkin in record["checkins"]:
        checkins.append([
            checkin.community.name, checkin.branch.name, checkin.checked_in_on.isoformat(),
            checkin.expires_on.isoformat(), str(checkin.get_status_display()),
        ])
    for ws in (posts, checkins):
        for cell in ws[1]:
            cell.font = bold
    out = BytesIO()
    book.save(out)
    return out.getvalue()
