"""Create an Open311 client application and print its API key (once: only its hash is kept)."""

from django.core.management.base import BaseCommand, CommandError

from governance.issues.clients import open311_client_create


class Command(BaseCommand):
    help = "Create an Open311 client application and print its API key once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The application's name.")
        parser.add_argument("--email", default="", help="Contact e-mail of the application's maintainer.")

    def handle(self, *args, name, email, **options):
        if not name.strip():
            raise CommandError("Give the application a name.")
        client, raw = open311_client_create(actor=None, name=name, contact_email=email)
        self.stdout.write(f"Open311 client #{client.pk} {client.name}")
        self.stdout.write(f"API key (shown once, store it now): {raw}")
