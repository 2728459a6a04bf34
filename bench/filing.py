"""Where a filing's time goes, measured in-process (the filing scenario's floor).

    bench/filing                     # the full city (linli_bench_full; bench/run generates it)
    bench/filing --dataset small     # the --small city
    bench/filing -n 500              # requests per measurement (default 300)

The load test (``bench/run``) gives the filing scenario's throughput against the logged-in
ceiling's. This explains that ratio from inside one process, with the benchmark's own settings,
actor and form (``run.prepare``): the median time of

1. the logged-in ceiling's request (session, user, the name back);
2. the least a durable filing must write: one issue row (every index of the issue table), its
   "filed" event and the commit, with nothing read, checked, routed or notified;
3. a whole filing: the resident's POST through the middleware, the form, the service (checks,
   routing, the issue, its events, the notifications) and the redirect.

and the ratios they allow: a filing costs at least (1) + (2), so no synchronous filing can reach
more than (1) ÷ ((1) + (2)) of the ceiling's throughput on this machine, whatever it skips; the
whole filing reaches about (1) ÷ (3). Everything it writes is deleted afterwards.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402 - bench/run.py: datasets, production settings, the scenarios


def _median_ms(fn, n: int) -> float:
    for _ in range(max(20, n // 10)):  # warm: connections, caches, the kept parts
        fn()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["small", "full"], default="full")
    parser.add_argument("-n", type=int, default=300, help="requests per measurement (default 300)")
    args = parser.parse_args()

    sys.path.insert(0, str(bench.ROOT))
    os.chdir(bench.ROOT)
    os.environ.update(bench.server_env(args.dataset))
    os.environ["ALLOWED_HOSTS"] += ",testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    with redirect_stdout(StringIO()) as printed:
        bench.prepare()  # sets Django up; prints the scenarios as JSON
    scenarios = {s["kind"] + ":" + s["name"]: s for s in json.loads(printed.getvalue())["scenarios"]}
    ceiling = scenarios["ceiling:ceiling: logged-in view"]
    filing = next(s for key, s in scenarios.items() if key.startswith("file:"))

    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from governance.issues.models import Issue, IssueEvent

    client = Client(enforce_csrf_checks=True)
    origin = {"HTTP_ORIGIN": "https://testserver", "HTTP_REFERER": "https://testserver" + filing["path"]}

    def logged_in():
        response = client.get(ceiling["path"], secure=True, HTTP_COOKIE=ceiling["cookie"])
        assert response.status_code == 200, response.status_code

    def file():
        response = client.generic(
            "POST", filing["path"], filing["body"], content_type=filing["headers"]["Content-Type"], secure=True,
            HTTP_COOKIE=filing["cookie"], **origin,
        )
        assert response.status_code == 302, (response.status_code, response.content[:500])

    template = Issue.objects.filter(state="dispatched").order_by("-pk").first()
    written = []

    def write():
        with transaction.atomic():
            issue = copy.copy(template)  # a complete row, as a filing builds one
            issue.pk = None
            issue._state.adding = True
            issue.description, issue.created_at = "floor " + bench.BENCH_MARK, timezone.now()
            issue.save()
            IssueEvent.objects.bulk_create([IssueEvent(issue=issue, action="file", at=issue.created_at, to_state="submitted", data={})])
        written.append(issue.pk)

    try:
        rows = [
            ("logged-in ceiling (session, user, name)", _median_ms(logged_in, args.n)),
            ("durable write only (issue + event + commit)", _median_ms(write, args.n)),
            ("whole filing (POST to redirect)", _median_ms(file, args.n)),
        ]
        counted = []
        with connection.execute_wrapper(lambda execute, sql, *rest: counted.append(sql) or execute(sql, *rest)):
            file()
    finally:
        IssueEvent.objects.filter(issue_id__in=written).delete()
        Issue.objects.filter(pk__in=written).delete()
        with redirect_stdout(StringIO()):
            bench.cleanup()

    ceiling_ms, write_ms, file_ms = (ms for _, ms in rows)
    print(f"dataset {args.dataset}: median of {args.n} requests each, in one process (production settings)")
    for name, ms in rows:
        print(f"  {name:<46} {ms:7.2f} ms")
    print(f"  the whole filing ran {len(counted)} SQL statements, then the commit")
    print(f"best a synchronous filing could reach: {ceiling_ms / (ceiling_ms + write_ms):.0%} of the logged-in ceiling")
    print(f"the whole filing reaches about:        {ceiling_ms / file_ms:.0%} (target {bench.FILE_TARGET:.0%})")


if __name__ == "__main__":
    main()
