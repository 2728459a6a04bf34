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
whole filing reaches about (1) ÷ (3). Each is also given as CPU time: this process's and its
PostgreSQL backend's (read from /proc, so only for a server on this machine). Under the load
test every core is busy, so throughput follows CPU time rather than wall time, and the same
ratios are given by CPU. Everything it writes is deleted afterwards.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import resource
import socket
import statistics
import sys
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402 - bench/run.py: datasets, production settings, the scenarios


def _cpu_seconds(backend_pid: int | None) -> tuple[float, float]:
    """CPU time used so far by this process and by its PostgreSQL backend (0 if not readable:
    a server on another machine)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    server = 0.0
    if backend_pid:
        try:
            fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        except (OSError, IndexError, ValueError):
            server = 0.0
    return own.ru_utime + own.ru_stime, server


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _measure(fn, n: int) -> tuple[float, float, float]:
    """The median wall time of ``fn`` and the mean CPU time it costs this process and the
    database server, all in ms (the server's as NaN if the connection changed meanwhile)."""
    for _ in range(max(20, n // 10)):  # warm: connections, caches, the kept parts
        fn()
    times = []
    backend_pid = _backend_pid()
    own_before, server_before = _cpu_seconds(backend_pid)
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    own_after, server_after = _cpu_seconds(backend_pid)
    server = (server_after - server_before) / n * 1000 if _backend_pid() == backend_pid else float("nan")
    return statistics.median(times) * 1000, (own_after - own_before) / n * 1000, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["small", "full"], default="full")
    parser.add_argument("-n", type=int, default=300, help="requests per measurement (default 300)")
    parser.add_argument("--port", type=int, default=8799, help="bench/run's port, checked to be free (default 8799)")
    args = parser.parse_args()

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            # It would empty the cache and delete the filed issues of the run in progress.
            sys.exit(f"a server answers on port {args.port}: is bench/run running? Run this after it.")
    sys.path.insert(0, str(bench.ROOT))
    os.chdir(bench.ROOT)
    os.environ.update(bench.server_env(args.dataset))
    os.environ["ALLOWED_HOSTS"] += ",testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    bench.empty_cache()  # as bench/run does: the datasets' ids overlap
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
    if template is None:
        sys.exit("the dataset has no dispatched issue to copy (was it generated by seed_scale?)")
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
            ("logged-in ceiling (session, user, name)", _measure(logged_in, args.n)),
            ("durable write only (issue + event + commit)", _measure(write, args.n)),
            ("whole filing (POST to redirect)", _measure(file, args.n)),
        ]
        counted = []
        with connection.execute_wrapper(lambda execute, sql, *rest: counted.append(sql) or execute(sql, *rest)):
            file()
    finally:
        IssueEvent.objects.filter(issue_id__in=written).delete()
        Issue.objects.filter(pk__in=written).delete()
        with redirect_stdout(StringIO()):
            bench.cleanup()

    (ceiling_ms, *ceiling_cpu), (write_ms, *write_cpu), (file_ms, *file_cpu) = (m for _, m in rows)
    print(f"dataset {args.dataset}: {args.n} requests each, in one process (production settings)")
    print(f"  {'':<46} {'median wall':>11} {'CPU: Python':>12} {'+ PostgreSQL':>13}")
    for name, (ms, own, server) in rows:
        print(f"  {name:<46} {ms:8.2f} ms {own:9.2f} ms {server:10.2f} ms")
    print(f"  the whole filing ran {len(counted)} SQL statements, then the commit")
    print(f"best a synchronous filing could reach: {ceiling_ms / (ceiling_ms + write_ms):.0%} of the logged-in ceiling")
    print(f"the whole filing reaches about:        {ceiling_ms / file_ms:.0%} (target {bench.FILE_TARGET:.0%})")
    if any(math.isnan(t) for t in (*ceiling_cpu, *write_cpu, *file_cpu)):
        print("by CPU: not given (the database connection changed during a measurement)")
    elif sum(ceiling_cpu) and sum(write_cpu):  # 0: a server on another machine, or too few requests
        # Under load every core is busy (bench/run), so throughput goes as 1 / CPU per request.
        print(
            f"by CPU (what load is limited by): at most {sum(ceiling_cpu) / (sum(ceiling_cpu) + sum(write_cpu)):.0%}; "
            f"the whole filing about {sum(ceiling_cpu) / sum(file_cpu):.0%}"
        )


if __name__ == "__main__":
    main()
