"""Generate a consistent megacity on PostgreSQL for benchmarks (see governance/dashboards/scale.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from governance.dashboards import scale
from governance.issues import generations


class Command(BaseCommand):
    help = (
        "Generate a consistent city for benchmarks with bulk SQL on PostgreSQL: by default 10,000 compounds, "
        "2,000,000 households, 1,000,000 users and 2,000,000 issues over two years (--small: ~20,000 issues). "
        "No services run: no history rows, no notifications. The same options and --seed give the same city."
    )

    def add_arguments(self, parser):
        d = scale.DEFAULT
        parser.add_argument("--compounds", type=int, help=f"compounds (default {d.compounds:,})")
        parser.add_argument("--subdistricts", type=int, help=f"subdistricts (default {d.subdistricts})")
        parser.add_argument("--households", type=int, help=f"households (default {d.households:,})")
        parser.add_argument("--users", type=int, help=f"users (default {d.users:,})")
        parser.add_argument("--members", type=int, help=f"party members (default {d.members:,})")
        parser.add_argument("--companies", type=int, help=f"property companies (default {d.companies})")
        parser.add_argument("--issues", type=int, help=f"issues (default {d.issues:,})")
        parser.add_argument("--years", type=int, help=f"years of issues up to now (default {d.years})")
        parser.add_argument("--seed", type=int, help="random seed (default 1)")
        parser.add_argument(
            "--small",
            action="store_true",
            help="preset: 100 compounds, 20,000 households, 10,000 users, 20,000 issues",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the project's tables first (keeps migrations' rows: issue categories, the issue policy, service posts)",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL: set DATABASE_URL=postgres://…")
        base = scale.SMALL if options["small"] else scale.DEFAULT
        names = [
            "compounds",
            "subdistricts",
            "households",
            "users",
            "members",
            "companies",
            "issues",
            "years",
            "seed",
        ]
        sizes = scale.with_overrides(base, **{n: options.get(n) for n in names})
        seeder = scale.ScaleSeeder(sizes, scale.Progress(self.stdout))
        errors = seeder.validate()
        if errors:
            raise CommandError("Invalid sizes:\n  " + "\n  ".join(errors))
        with connection.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM compounds_compound)")
            has_data = cur.fetchone()[0]
            cur.execute("SELECT EXISTS (SELECT 1 FROM accounts_user WHERE username ~ '^sc[0-9]+$')")
            has_data = has_data or cur.fetchone()[0]
        if has_data and not options["reset"]:
            raise CommandError(
                "The database already holds compounds (or generated users); seed_scale writes into an empty project. "
                "Use --reset to empty the project's tables first (this deletes all their data)."
            )
        started = time.monotonic()
        if options["reset"]:
            t0 = time.monotonic()
            tables = scale.project_tables()
            with connection.cursor() as cur:
                cur.execute(
                    "TRUNCATE "
                    + ", ".join(connection.ops.quote_name(t) for t in tables)
                    + " RESTART IDENTITY CASCADE"
                )
            self.stdout.write(f"reset          emptied {len(tables)} tables in {time.monotonic() - t0:.1f}s")
        self.stdout.write("seed_scale: " + ", ".join(f"{k}={v:,}" for k, v in scale.asdict(sizes).items()))
        times = seeder.run()
        t0 = time.monotonic()
        with connection.cursor() as cur:
            for table in scale.BIG_TABLES:
                # VACUUM cannot run inside a transaction (e.g. a test's atomic block): ANALYZE then.
                cur.execute(("ANALYZE " if connection.in_atomic_block else "VACUUM ANALYZE ") + table)
        times["vacuum"] = time.monotonic() - t0
        self.stdout.write(f"{'vacuum':<14} {times['vacuum']:.1f}s")
        # COPY wrote around the signals: no page part kept before may be read again.
        generations.everything_changed()
        total = time.monotonic() - started
        with connection.cursor() as cur:
            cur.execute(
                "SELECT compound_id, count(*) FROM issues_issue WHERE NOT private GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            )
            busiest = cur.fetchone()
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_scale done in {total:.0f}s: {seeder.issues_written:,} issues"
                + (f"; busiest compound #{busiest[0]} has {busiest[1]:,} public issues" if busiest else "")
            )
        )
