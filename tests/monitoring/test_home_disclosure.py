"""The programme home's counts cannot be worked out from one another (issue 14): every count the page
shows, every sum between them a reader knows, and an exhaustive attacker (tests/privacy/attacker.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from stijging.monitoring import kpis
from stijging.monitoring.reports import home_figures
from stijging.registry.models import Area
from stijging.registry.selectors import AreaCounts, Counts

from ..privacy.attacker import HIDDEN, SHOWN, SMALL, UNPUBLISHED, derivable

D = datetime.date
KIND = {"shown": SHOWN, "small": SMALL, "hidden": HIDDEN}


def _figures(*, special_allowed=True, areas=((40, 30, 10), (3, 3, 0), (52, 45, 7))):
    rows = [
        AreaCounts(addresses=a, households=h, empty_addresses=e, area=Area(pk=i + 1, name=f"Area {i + 1}"))
        for i, (a, h, e) in enumerate(areas)
    ]
    in_scope = sum(r.households for r in rows)
    summary = {
        "areas": rows,
        "total": Counts(
            addresses=sum(r.addresses for r in rows),
            households=in_scope,
            empty_addresses=sum(r.empty_addresses for r in rows),
        ),
    }
    domain = kpis.DomainChange(
        code="wonen",
        name="Wonen",
        compared=20,
        improved=3,
        equal=9,
        worse=8,
        mean_change=Decimal("0.1"),
        improved_share=None,
        equal_share=None,
        worse_share=None,
    )
    health = kpis.DomainChange(
        code="gezondheid",
        name="Gezondheid",
        compared=12,
        improved=6,
        equal=6,
        worse=0,
        mean_change=Decimal("0.4"),
        improved_share=None,
        equal_share=None,
        worse_share=None,
    )
    return dict(
        participation=kpis.Participation(
            in_scope=in_scope,
            reached=in_scope * 2 // 3,
            rate=None,
            target=70,
            residential_addresses=95,
            addresses_without_household=17,
        ),
        visits=kpis.Visits(persons_visited=90, persons_with_help_question=40, help_question_share=None),
        uptake=kpis.Uptake(persons_visited=90, in_trajectory=44, rate=None, target=50),
        rise=kpis.SocialRise(
            followed=40, rose=12, equal=20, declined=3, at_top=1, not_applicable=2, no_rung=2, domains=(domain, health)
        ),
        handling=(
            kpis.PartnerHandling(
                1, "GGD", sent=12, answered=9, median_working_days=Decimal("2.0"), within=8, missed=3, overdue_now=3
            ),
            kpis.PartnerHandling(
                2,
                "GGZ",
                sent=8,
                answered=8,
                median_working_days=Decimal("1.0"),
                within=8,
                missed=0,
                overdue_now=0,
                special=True,
            ),
        ),
        summary=summary,
        sees_persons=False,
        special_allowed=special_allowed,
    )


def _attack(args) -> list:
    truth, published, sums, thresholds = _knowledge(args, home_figures(**args))
    return derivable(truth, published, sums, threshold=thresholds)


def _knowledge(args, home) -> tuple[dict, dict, list, dict]:
    """What a reader of the cards and tables knows: the true counts (to check against), what is
    published of each, the sums between them, and each count's threshold."""
    p, v, u, r = args["participation"], args["visits"], args["uptake"], args["rise"]
    truth = {
        "in_scope": p.in_scope,
        "reached": p.reached,
        "visited": v.persons_visited,
        "with_question": v.persons_with_help_question,
        "in_trajectory": u.in_trajectory,
        "rose": r.rose,
        "equal": r.equal,
        "declined": r.declined,
        "compared": r.compared,
        "at_top": r.at_top,
        "not_applicable": r.not_applicable,
        "no_rung": r.no_rung,
        "followed": r.followed,
        "households_total": args["summary"]["total"].households,
        "empty_total": args["summary"]["total"].empty_addresses,
    }
    sums = [
        ("compared", ["rose", "equal", "declined"]),
        ("followed", ["compared", "at_top", "not_applicable", "no_rung"]),
        ("households_total", [("households", a.area.pk) for a in args["summary"]["areas"]]),
        ("empty_total", [("empty", a.area.pk) for a in args["summary"]["areas"]]),
        ("in_scope", ["households_total"]),
    ]
    for a in args["summary"]["areas"]:
        truth[("households", a.area.pk)] = a.households
        truth[("empty", a.area.pk)] = a.empty_addresses
    for part, whole in (("reached", "in_scope"), ("with_question", "visited"), ("in_trajectory", "visited")):
        truth[("rest", part)] = truth[whole] - truth[part]
        sums.append((whole, [part, ("rest", part)]))
    for d in r.domains:
        if ("domain", d.code, "compared") not in home.cells:
            continue
        for part in ("compared", "improved", "equal", "worse"):
            truth[("domain", d.code, part)] = getattr(d, part)
        sums.append((("domain", d.code, "compared"), [("domain", d.code, q) for q in ("improved", "equal", "worse")]))
    for h in args["handling"]:
        if ("partner", h.organisation_id, "sent") not in home.cells:
            continue
        k = h.organisation_id
        for part in ("sent", "answered", "overdue_now", "within", "missed"):
            truth[("partner", k, part)] = getattr(h, part)
        truth[("partner", k, "decided")] = h.within + h.missed
        sums.append((("partner", k, "decided"), [("partner", k, "within"), ("partner", k, "missed")]))
        for part, whole in (("answered", "sent"), ("overdue_now", "missed")):
            truth[("rest", k, part)] = getattr(h, whole) - getattr(h, part)
            sums.append((("partner", k, whole), [("partner", k, part), ("rest", k, part)]))
    for h in args.get("ordinary", ()):
        if ("ordinary", h.organisation_id, "sent") not in home.cells:
            continue
        k = h.organisation_id
        truth[("ordinary", k, "sent")], truth[("ordinary", k, "answered")] = h.sent, h.answered
        truth[("rest", "ordinary", k)] = h.sent - h.answered
        sums.append((("ordinary", k, "sent"), [("ordinary", k, "answered"), ("rest", "ordinary", k)]))
    revisits = args.get("revisits")
    if revisits is not None:
        for name in ("planned", "held", "cancelled", "open", "from_conversation", "from_conversation_held"):
            truth[("revisits", name)] = getattr(revisits, name)
        sums.append((("revisits", "planned"), [("revisits", n) for n in ("held", "cancelled", "open")]))
        for part, whole in (
            ("from_conversation", "planned"),
            ("from_conversation_held", "from_conversation"),
            ("from_conversation_held", "held"),
        ):
            truth[("rest", "revisits", part, whole)] = getattr(revisits, whole) - getattr(revisits, part)
            sums.append((("revisits", whole), [("revisits", part), ("rest", "revisits", part, whole)]))
        # Per kind of reason: its held are some of its planned; together they are the planned and held.
        for code, planned, held in revisits.by_reason:
            truth[("revisit_reason", code, "planned")] = planned
            truth[("revisit_reason", code, "held")] = held
            truth[("rest", "revisit_reason", code)] = planned - held
            sums.append(
                (
                    ("revisit_reason", code, "planned"),
                    [("revisit_reason", code, "held"), ("rest", "revisit_reason", code)],
                )
            )
        for name in ("planned", "held") if revisits.by_reason else ():
            sums.append((("revisits", name), [("revisit_reason", code, name) for code, _p, _h in revisits.by_reason]))
    published = {}
    thresholds = {}
    for key in truth:
        if isinstance(key, tuple) and key[0] == "rest":
            published[key] = (UNPUBLISHED, None)
            continue
        cell = home.cells[key]
        published[key] = (KIND[str(cell.state)], cell.value)
        thresholds[key] = cell.threshold
    return truth, published, sums, thresholds


def test_a_small_area_cannot_be_worked_out_from_the_households_in_scope():
    args = _figures()
    home = home_figures(**args)
    assert home.cells[("households", 2)].state == "small"
    assert not (
        home.cells["in_scope"].shown and home.cells[("households", 1)].shown and home.cells[("households", 3)].shown
    )
    assert _attack(args) == []


def test_the_empty_addresses_go_through_the_layer_too():
    home = home_figures(**_figures())
    assert home.cells[("empty", 2)].state == "small"
    assert not (home.cells["empty_total"].shown and home.cells[("empty", 1)].shown and home.cells[("empty", 3)].shown)


def test_one_small_rise_group_takes_another_with_it_and_no_share_gives_it_away():
    home = home_figures(**_figures())
    declined = home.rise_rows[2]
    assert declined["cell"].state == "small" and declined["share"] is None
    shown = [row for row in home.rise_rows[:3] if row["cell"].shown]
    assert len(shown) <= 1 or not home.cells["compared"].shown


def test_domain_shares_never_add_up_to_the_hidden_one():
    home = home_figures(**_figures())
    wonen = home.domain_rows[0]
    shares = [wonen[f"{part}_share"] for part in ("improved", "equal", "worse")]
    assert shares[0] is None  # 3 improved: small
    assert sum(share is None for share in shares) >= 2


def test_health_and_police_figures_only_with_the_special_rule():
    home = home_figures(**_figures(special_allowed=False))
    assert [row["name"] for row in home.domain_rows] == ["Wonen"]
    assert [row["organisation"] for row in home.partner_rows] == ["GGD"]
    assert home.special_left_out
    home = home_figures(**_figures(special_allowed=True))
    health = home.domain_rows[1]
    assert health["special"] and health["compared"].threshold == 10
    assert health["improved_cell"].state == "small"  # 6 < 10


def test_no_count_of_the_programme_home_can_be_worked_out():
    for special in (True, False):
        assert _attack(_figures(special_allowed=special)) == []
    # The issue's own case: an area of 3 households beside the whole programme's in-scope count.
    assert _attack(_figures(areas=((30, 28, 2), (5, 3, 2)))) == []


# --- The charts over time, shown with the cards (issue 14 item 3) ---------------------------------


def _series(args, months):
    """Monthly points whose last is the period's figure (as kpis.monthly_series makes it)."""
    p, v, u, r = args["participation"], args["visits"], args["uptake"], args["rise"]
    ordinary = [h for h in args["handling"] if not h.special]
    last = dict(
        in_scope=p.in_scope,
        reached=p.reached,
        visited=v.persons_visited,
        in_trajectory=u.in_trajectory,
        followed=r.followed,
        rose=r.rose,
        equal=r.equal,
        declined=r.declined,
        decided=sum(h.within + h.missed for h in ordinary),
        within=sum(h.within for h in ordinary),
    )
    points = [kpis.MonthPoint(month=D(2026, i + 1, 1), end=D(2026, i + 1, 28), **m) for i, m in enumerate(months)]
    points.append(kpis.MonthPoint(month=D(2026, len(months) + 1, 1), end=D(2026, len(months) + 1, 28), **last))
    return points


def _attack_with_series(args) -> list:
    """The attacker of the cards (above) with what a reader of the charts' tables knows besides:
    each month's parts within their whole, rose + equal + declined its persons compared, counts that
    only grow from month to month, and the last month's figures are the cards'."""
    home = home_figures(**args)
    series = args["series"]
    last = len(series) - 1
    truth, published, sums, thresholds = {}, {}, [], {}

    def key(i, name):
        return name if i == last and name not in ("decided", "within") else ("m", i, name)

    def cell_key(i, name):
        return name if i == last and name not in ("decided", "within") else ("month", i, name)

    for i, point in enumerate(series):
        values = {n: getattr(point, n) for n in ("in_scope", "reached", "visited", "in_trajectory", "followed")}
        values |= {"rose": point.rose, "equal": point.equal, "declined": point.declined, "compared": point.compared}
        values |= {"decided": point.decided, "within": point.within}
        for name, value in values.items():
            if i == last and name not in ("decided", "within"):
                continue  # the cards' own counts, attacked with them below
            truth[key(i, name)] = value
            cell = home.cells[cell_key(i, name)]
            published[key(i, name)] = (KIND[str(cell.state)], cell.value)
            thresholds[key(i, name)] = cell.threshold
        pairs = [("reached", "in_scope"), ("in_trajectory", "visited"), ("compared", "followed"), ("within", "decided")]
        for part, whole in pairs:
            if i < last or part == "within":
                truth[("gap", i, part)] = values[whole] - values[part]
                published[("gap", i, part)] = (UNPUBLISHED, None)
                sums.append((key(i, whole), [key(i, part), ("gap", i, part)]))
        if i < last:
            sums.append((key(i, "compared"), [key(i, n) for n in ("rose", "equal", "declined")]))
        if i > 0:
            for name in ("visited", "in_trajectory", "followed", "decided", "within"):
                before = getattr(series[i - 1], name)
                truth[("grew", i, name)] = values[name] - before
                published[("grew", i, name)] = (UNPUBLISHED, None)
                sums.append((key(i, name), [key(i - 1, name), ("grew", i, name)]))
    ordinary = [h.organisation_id for h in args["handling"] if not h.special]
    sums.append((key(last, "decided"), [("partner", o, "decided") for o in ordinary]))
    sums.append((key(last, "within"), [("partner", o, "within") for o in ordinary]))
    # The cards' part, as the attacker above sees it (the layer decided on cards and charts at once).
    cards = _knowledge({k: v for k, v in args.items() if k != "series"}, home)
    return derivable(cards[0] | truth, cards[1] | published, [*cards[2], *sums], threshold=cards[3] | thresholds)


def test_no_count_of_the_charts_over_time_can_be_worked_out_with_the_cards():
    args = _figures(special_allowed=False)
    args["series"] = _series(
        args,
        [
            dict(
                in_scope=96,
                reached=3,
                visited=4,
                in_trajectory=2,
                followed=0,
                rose=0,
                equal=0,
                declined=0,
                decided=2,
                within=1,
            ),
            dict(
                in_scope=96,
                reached=40,
                visited=50,
                in_trajectory=20,
                followed=12,
                rose=4,
                equal=7,
                declined=1,
                decided=5,
                within=5,
            ),
            dict(
                in_scope=95,
                reached=60,
                visited=86,
                in_trajectory=44,
                followed=36,
                rose=12,
                equal=18,
                declined=3,
                decided=11,
                within=8,
            ),
        ],
    )
    home = home_figures(**args)
    assert home.cells[("month", 0, "reached")].state == "small"
    # January: 2 of 4 visited in a trajectory — both small, no share drawn.
    assert home.cells[("month", 0, "in_trajectory")].state == "small"
    assert _attack_with_series(args) == []


def test_no_revisit_or_referral_without_priority_can_be_worked_out():
    for planned in [(3, 9, 1), (12, 2, 0), (6, 6, 6), (20, 1, 4), (10, 2, 6)]:
        held, cancelled, open_ = planned
        args = _figures(special_allowed=False)
        args["revisits"] = kpis.Revisits(
            planned=held + cancelled + open_,
            held=held,
            cancelled=cancelled,
            open=open_,
            from_conversation=held + open_ - 1 if held + open_ else 0,
            from_conversation_held=max(held - 1, 0),
        )
        args["ordinary"] = (
            kpis.PartnerHandling(
                1, "GGD", sent=9, answered=6, median_working_days=Decimal("4.0"), within=0, missed=0, overdue_now=0
            ),
            kpis.PartnerHandling(
                2,
                "GGZ",
                sent=7,
                answered=3,
                median_working_days=Decimal("2.0"),
                within=0,
                missed=0,
                overdue_now=0,
                special=True,
            ),
        )
        home = home_figures(**args)
        assert [row["organisation"] for row in home.ordinary_rows] == ["GGD"]  # GGZ: special category
        assert _attack(args) == [], planned


def test_no_revisit_by_kind_of_reason_can_be_worked_out():
    """Revisits split by kind of reason (issue 14 item 5): the reasons' planned add up to the
    planned, their held to the held; a small reason is not given away by the others."""
    reasons = ("help_question", "finish", "papers", "referral", "other", "")
    for split in [
        ((9, 6), (2, 1), (0, 0), (6, 5), (0, 0), (3, 0)),  # two small reasons beside big ones
        ((12, 8), (7, 2), (5, 5), (1, 1), (0, 0), (0, 0)),  # one small one: another hidden with it
        ((20, 15), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)),  # one reason only: the others are 0
    ]:
        planned = sum(p for p, _h in split)
        held = sum(h for _p, h in split)
        args = _figures(special_allowed=False)
        args["revisits"] = kpis.Revisits(
            planned=planned,
            held=held,
            cancelled=planned - held,
            open=0,
            from_conversation=0,
            from_conversation_held=0,
            by_reason=tuple((code, p, h) for code, (p, h) in zip(reasons, split, strict=True)),
        )
        home = home_figures(**args)
        assert [row["label"] for row in home.revisit_reasons][0] == "follow up a help question"
        assert len(home.revisit_reasons) == 6
        assert _attack(args) == [], split
