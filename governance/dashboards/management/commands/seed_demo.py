"""Load the demo world (safe to re-run) and print the demo accounts."""

from django.core.management.base import BaseCommand

from compounds import demo as compounds_demo


class Command(BaseCommand):
    help = "Load the demo district into the configured database (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        compounds_demo.seed(stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {compounds_demo.DEMO_PASSWORD}); log in with username or mobile:")
        for username, name, role in compounds_demo.accounts_table():
            self.stdout.write(f"  {username:<14} {name:<20} {role}")
