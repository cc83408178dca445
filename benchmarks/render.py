"""Render CPU of the two pieces with the most markup (issue 17 item 2): the conversation page of a
household of about six, and an area's housing-signals tables of a few hundred complexes.

In-process, no server: the conversation page through Django's test Client against a demo database
(production settings: DEBUG off, cached template loaders), the tables rendered directly through
the same template tag housing.html calls, from generated rows. Prints median and p95 of N renders,
wall and CPU (process time) per render. Nothing is asserted; the figures go into the note.

    d=/tmp/stijging-render; mkdir -p $d
    export DATABASE_URL=sqlite:///$d/demo.sqlite3
    DEBUG=1 STIJGING_DEMO=1 .venv/bin/stijging migrate && DEBUG=1 STIJGING_DEMO=1 .venv/bin/stijging seed_demo
    SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') .venv/bin/python benchmarks/render.py

Run it before and after a change, one after the other on the same machine: the ratio counts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal


def _figures(label: str, runs: list[tuple[float, float]]) -> str:
    walls = sorted(w * 1000 for w, _ in runs)
    cpus = sorted(c * 1000 for _, c in runs)

    def p95(values: list[float]) -> float:
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]

    return (
        f"| {label} | {len(runs)} | {statistics.median(walls):.1f} | {p95(walls):.1f} "
        f"| {statistics.median(cpus):.1f} | {p95(cpus):.1f} |"
    )


def _measure(
    render: Callable[[], object], runs: int, warmup: int = 5, before: Callable[[], object] = lambda: None
) -> list[tuple[float, float]]:
    for _ in range(warmup):
        before()
        render()
    out = []
    for _ in range(runs):
        before()
        wall, cpu = time.perf_counter(), time.process_time()
        render()
        out.append((time.perf_counter() - wall, time.process_time() - cpu))
    return out


def _profile(request: Callable[[], object], runs: int) -> None:
    """cProfile of `runs` requests, timed in CPU (process time, so waiting for PostgreSQL does not
    count): the functions that cost the most, by their own time and with what they call."""
    import cProfile
    import pstats

    for _ in range(5):
        request()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(runs):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(50)


def conversation_page(runs: int, members: int, profile: int = 0) -> list[tuple[str, list[tuple[float, float]]]]:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from stijging.accounts.middleware import HAS_TOTP
    from stijging.accounts.models import Membership
    from stijging.conversations.models import Conversation

    conversation = (
        Conversation.objects.annotate(members=Count("interviews"))
        .filter(members__gte=members)
        .order_by("members", "pk")
        .first()
    ) or _hold_conversation(members)
    conversation.members = conversation.interviews.count()
    membership = Membership.objects.filter(programme=conversation.programme, role="fieldworker").first()
    if membership is None:
        raise SystemExit("no fieldworker in the conversation's programme")
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[HAS_TOTP] = True  # the benchmark user is not enrolled; MFA itself is not what is measured
    session.save()
    url = reverse("conversations:conversation", args=[conversation.pk])

    def get():
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.status_code

    label = f"conversation page, {conversation.members} members"
    if profile:
        _profile(get, profile)
    return [(f"{label}: request", _measure(get, runs)), (f"{label}: template only", _template_only(client, url, runs))]


def _template_only(client, url: str, runs: int) -> list[tuple[float, float]]:
    """The page's template rendered again from the context the view gave it (no middleware, no
    queries but those the template itself makes): what the template engines cost."""
    from django.template.loader import render_to_string
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()  # records the context a response was rendered with
    try:
        response = client.get(url, secure=True)
    finally:
        teardown_test_environment()
    name = response.templates[0].name
    context = response.context[0].flatten()
    return _measure(lambda: render_to_string(name, context), runs)


def _hold_conversation(members: int):
    """The seeded demo holds no conversations: hold one (through the service, as a project worker of
    the household's programme) with the first household of `members` or more current members."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db.models import Count, Q
    from django.utils import timezone

    from stijging.accounts.models import Membership
    from stijging.conversations.services import conversation_start
    from stijging.registry.models import Household

    households = (
        Household.objects.annotate(current=Count("memberships", filter=Q(memberships__end_date__isnull=True)))
        .filter(current__gte=members)
        .order_by("current", "pk")
    )
    for household in households[:50]:
        persons = [m.person for m in household.memberships.filter(end_date__isnull=True).select_related("person")]
        for membership in Membership.objects.filter(role="fieldworker").select_related("user"):
            try:
                return conversation_start(
                    acting_user=membership.user,
                    household=household,
                    held_on=timezone.localdate(),
                    workers=[membership.user],
                    members_present=persons,
                    informed=True,
                )
            except (ValidationError, PermissionDenied):
                continue
    raise SystemExit(f"no household of {members}+ members could be visited: seed the demo first (see the docstring)")


def housing_tables(runs: int, complexes: int) -> list[tuple[str, list[tuple[float, float]]]]:
    from django.template import engines

    from stijging.monitoring.reports import Cell, Table, TableRow
    from stijging.privacy.disclosure import State

    rng = random.Random(17)

    def cell() -> Cell:
        roll = rng.random()
        if roll < 0.1:
            return Cell(None)
        if roll < 0.15:
            return Cell(None, state=State.HIDDEN)
        if roll < 0.2:
            return Cell(None, blank=True)
        count = rng.randint(5, 400)
        return Cell(count, Decimal(rng.randint(0, 1000)) / 10) if roll < 0.7 else Cell(count)

    def table(key: str, columns: int) -> Table:
        rows = [TableRow(f"Complex {n} <{key}>", tuple(cell() for _ in range(columns))) for n in range(complexes)]
        rows.append(TableRow("Other complexes together", tuple(cell() for _ in range(columns)), kind="rest"))
        rows.append(TableRow("De Ruit (all homes)", tuple(cell() for _ in range(columns)), kind="total"))
        return Table(key, f"Table {key} & co", tuple(f"Column {i}" for i in range(columns)), tuple(rows))

    # The three tables of an area's housing signals (satisfaction and moving, fit, defects).
    tables = [table("satisfaction", 5), table("fit", 3), table("defects", 6)]
    template = engines["django"].from_string(
        "{% load monitoring_tables %}{% for table in tables %}{% figure_table table first_column %}{% endfor %}"
    )
    context = {"tables": tables, "first_column": "Complex"}
    label = f"housing tables, 3 × {complexes} complexes"
    # Drawn anew each time (the fragment cache emptied before each render, where there is one), and
    # as a page shows kept figures: the same tables again.
    from stijging.monitoring.templatetags import monitoring_tables

    cache = getattr(monitoring_tables, "_figure_table", None)
    forget = cache.cache_clear if cache is not None else lambda: None
    return [
        (f"{label}: drawn", _measure(lambda: template.render(context), runs, before=forget)),
        (f"{label}: kept", _measure(lambda: template.render(context), runs)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--members", type=int, default=6, help="the conversation's household: at least this many")
    parser.add_argument("--complexes", type=int, default=300)
    parser.add_argument("--only", choices=["conversation", "housing"], action="append")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="first print a cProfile (CPU) of N conversation page requests",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings
    from django.utils import translation

    # No collectstatic for an in-process run: static URLs unhashed, the rest as in production.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    translation.activate("nl")
    pieces = args.only or ["conversation", "housing"]
    print("| piece | renders | wall median ms | wall p95 ms | CPU median ms | CPU p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    if "conversation" in pieces:
        for label, figures in conversation_page(args.runs, args.members, args.profile):
            print(_figures(label, figures), flush=True)
    if "housing" in pieces:
        for label, figures in housing_tables(args.runs, args.complexes):
            print(_figures(label, figures), flush=True)


if __name__ == "__main__":
    main()
