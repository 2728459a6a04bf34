"""What the committees app adds to a compound's history page."""

from .models import Committee, PropertyContract, Seat


def compound_sources(compound):
    return [
        (
            Committee.history.filter(compound_id=compound.pk),
            Committee._meta.verbose_name,
            lambda r: f"{r.get_kind_display()} {r.term_start} – {r.term_end}",
        ),
        (
            Seat.history.filter(committee__compound_id=compound.pk).select_related("user", "committee"),
            Seat._meta.verbose_name,
            lambda r: f"{r.committee.get_kind_display()} · {r.user.name} · {r.get_role_display()}",
        ),
        (
            PropertyContract.history.filter(compound_id=compound.pk).select_related("company"),
            PropertyContract._meta.verbose_name,
            lambda r: f"{r.company.name} {r.starts_on} – {r.ends_on} · {r.get_status_display()}",
        ),
    ]
