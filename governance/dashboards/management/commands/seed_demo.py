"""Load the demo world (safe to re-run) and print the demo accounts."""

from django.core.management.base import BaseCommand
from django.utils import translation

from committees import demo as committees_demo
from compounds import demo as compounds_demo
from governance.issues import demo as issues_demo
from governance.issues import generations
from governance.meetings import demo as meetings_demo
from governance.party import demo as party_demo
from governance.ratings import demo as ratings_demo


class Command(BaseCommand):
    help = "Load the demo district into the configured database (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        compounds_demo.seed(stdout=self.stdout)
        # The Party organisation first: its secretaries are owners who also sit on the committees.
        party_demo.seed(stdout=self.stdout)
        committees_demo.seed(stdout=self.stdout)
        # A year of issues through the loop's services, filed by the residents above.
        issues_demo.seed(stdout=self.stdout)
        # A year of joint meetings of every compound, their agendas linking the issues above.
        meetings_demo.seed(stdout=self.stdout)
        # Last year's star ratings, finished, and this year's in its survey (over the issues above).
        ratings_demo.seed(stdout=self.stdout)
        # The loaders back-date and bulk-write some rows: nothing kept before is read again.
        generations.everything_changed()
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {compounds_demo.DEMO_PASSWORD}); log in with username or mobile:")
        rows = compounds_demo.accounts_table() + party_demo.accounts_table() + committees_demo.accounts_table() + issues_demo.accounts_table()
        with translation.override("en"):  # one language in the table, as in the README
            for username, name, role in rows:
                self.stdout.write(f"  {username:<14} {name:<20} {role}")
