"""The cohesion index, turnover and housing signals (SPEC §4, §2.7), and the small-number rule for a
column of counts, against values computed by hand. The data sets, with each respondent's index, are
described in cohesion_fixtures.py; the arithmetic of every expected figure is written beside it.

Index of a respondent: (mean − 1) × 2.5 over the answered statements, the reverse-coded one as
6 − x, with at least 4 of the 6 answered. A street's or an area's index: the mean over its
respondents (not of the street means), one decimal, half up.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from fractions import Fraction as Fr

import pytest

from stijging.instruments.models import CohesionStatement
from stijging.monitoring import kpis

from ..privacy.attacker import HIDDEN, SHOWN, SMALL, UNPUBLISHED, derivable
from . import cohesion_fixtures as cf

D = datetime.date


def shown(cells) -> tuple:
    """An index row or total as (respondents, "index") per wave; "< 5" or "hidden" for a withheld cell."""
    return tuple(
        ("< 5" if c.state == "small" else "hidden")
        if not c.shown
        else (c.respondents, None if c.index is None else str(c.index))
        for c in cells
    )


def respondents_by_street(world: cf.CohesionWorld, wave, area_id=None) -> Counter:
    names = world.street_names()
    areas = {world.area_a.pk: "A", world.area_b.pk: "B"}
    return Counter(
        (areas.get(r.area_id, "elsewhere"), names.get(r.street_id, "?"), r.index)
        for r in kpis.cohesion_respondents(wave, area_id=area_id)
    )


@pytest.fixture
def cw(db) -> cf.CohesionWorld:
    return cf.cohesion_world()


# --- One respondent's index -----------------------------------------------------------------------


def test_instrument_v1_has_six_statements_and_only_the_first_is_reverse_coded(db):
    # The patterns of cohesion_fixtures rely on this order.
    rows = list(
        CohesionStatement.objects.filter(version__number=1).order_by("order").values_list("code", "reverse_coded")
    )
    assert rows == [
        ("kennen-elkaar", True),
        ("prettige-omgang", False),
        ("gezellig", False),
        ("thuis", False),
        ("contact", False),
        ("samenstelling", False),
    ]


@pytest.mark.parametrize(
    "answers,expected",
    [
        # all six "5", the reverse-coded one raw 1 → 6 − 1 = 5: 30/6 = 5 → (5 − 1) × 2.5 = 10
        ([(1, True)] + [(5, False)] * 5, Fr(10)),
        # the reverse-coded one raw 5 → 1: (1 + 25)/6 = 13/3 → (13/3 − 1) × 2.5 = 25/3
        ([(5, True)] + [(5, False)] * 5, Fr(25, 3)),
        # all "1", reverse-coded raw 5 → 1: 6/6 = 1 → 0
        ([(5, True)] + [(1, False)] * 5, Fr(0)),
        # four answered: reverse 2 → 4, 3, 4, 5: 16/4 = 4 → 7.5
        ([(2, True), (3, False), (4, False), (5, False)], Fr(15, 2)),
        # four answered without the reverse-coded one: (1 + 2 + 2 + 2)/4 = 7/4 → (3/4) × 2.5 = 15/8
        ([(1, False), (2, False), (2, False), (2, False)], Fr(15, 8)),
        # three answered: no index
        ([(5, False), (5, False), (5, False)], None),
        ([], None),
    ],
)
def test_a_respondents_index_is_mean_minus_one_times_2_5_with_at_least_four_answers(answers, expected):
    assert kpis.respondent_cohesion_index(answers) == expected


# --- The respondents of a wave --------------------------------------------------------------------


def test_the_respondents_of_wave_1_in_area_a(cw):
    # Appelstraat: Anna 25/3 (reverse-coded flipped), Bert 10 (his latest interview, 20 Apr; not his
    # ZERO of 5 Mar), Cora 15/2 (four answered), door 5 and 5/2. Not: Daan (14), Eva (3 answered),
    # the door response with 3 answers, Anna's ZERO of 15 May (between the waves).
    # Berkenlaan: Fleur 15/2 and Gijs 5 (H3 moved there on the day of its conversation), Hans 10,
    # door 0. Cederweg: Ivo 5/2 (H5 still lived there on 15 Mar). Area B and Karin (another
    # programme) are not in area A.
    assert respondents_by_street(cw, cw.w1, cw.area_a.pk) == Counter(
        {
            ("A", "Appelstraat", Fr(25, 3)): 1,
            ("A", "Appelstraat", Fr(10)): 1,
            ("A", "Appelstraat", Fr(15, 2)): 1,
            ("A", "Appelstraat", Fr(5)): 1,
            ("A", "Appelstraat", Fr(5, 2)): 1,
            ("A", "Berkenlaan", Fr(15, 2)): 1,
            ("A", "Berkenlaan", Fr(5)): 1,
            ("A", "Berkenlaan", Fr(10)): 1,
            ("A", "Berkenlaan", Fr(0)): 1,
            ("A", "Cederweg", Fr(5, 2)): 1,
        }
    )


def test_the_respondents_of_wave_1_in_the_whole_programme_add_area_b_but_not_another_programme(cw):
    # Area A's ten, plus Jan 5 and the door's 10 at Dahliastraat; Karin (Elzenhof) is of another programme.
    result = respondents_by_street(cw, cw.w1)
    assert sum(result.values()) == 12
    assert result[("B", "Dahliastraat", Fr(5))] == 1
    assert result[("B", "Dahliastraat", Fr(10))] == 1
    assert result - respondents_by_street(cw, cw.w1, cw.area_a.pk) == Counter(
        {("B", "Dahliastraat", Fr(5)): 1, ("B", "Dahliastraat", Fr(10)): 1}
    )


def test_the_respondents_of_wave_2_in_area_a(cw):
    # Appelstraat: Anna 15/2, Bert 15/2, Cora 5, Daan 10 (15 on the day: his birthday), Ivo 5 (H5 has
    # lived at Appelstraat since 1 Apr). Berkenlaan: door 10, 0, 5/2. Nobody at Cederweg.
    assert respondents_by_street(cw, cw.w2, cw.area_a.pk) == Counter(
        {
            ("A", "Appelstraat", Fr(15, 2)): 2,
            ("A", "Appelstraat", Fr(10)): 1,
            ("A", "Appelstraat", Fr(5)): 2,
            ("A", "Berkenlaan", Fr(10)): 1,
            ("A", "Berkenlaan", Fr(0)): 1,
            ("A", "Berkenlaan", Fr(5, 2)): 1,
        }
    )


def test_a_person_under_15_is_left_out_and_counts_from_the_day_they_turn_15(cw):
    from stijging.cohesion.models import Wave

    # Daan (born 12 Sep 2011) gave TEN on 7 Mar 2026 (14) and on 12 Sep 2026 (15). A wave with only
    # the 7 March conversation of H2: Cora 15/2 only (Eva answered 3 statements).
    only_h2 = Wave.objects.create(
        programme=cw.programme, name="7 March", starts_on=D(2026, 3, 7), ends_on=D(2026, 3, 7), created_by=cw.user
    )
    assert [r.index for r in kpis.cohesion_respondents(only_h2, area_id=cw.area_a.pk)] == [Fr(15, 2)]
    # On 12 Sep 2026 he turns 15: a wave of that day counts him (10) with Cora (5).
    birthday = Wave.objects.create(
        programme=cw.programme, name="12 Sep", starts_on=D(2026, 9, 12), ends_on=D(2026, 9, 12), created_by=cw.user
    )
    assert sorted(r.index for r in kpis.cohesion_respondents(birthday)) == [Fr(5), Fr(10)]


def test_a_person_interviewed_twice_in_a_wave_counts_once_with_the_latest_interview(cw):
    from stijging.cohesion.models import Wave

    # 5 Mar – 20 Apr: H1's 5 Mar (Anna 25/3, Bert 0) and 20 Apr (Bert 10) conversations, and H2's of
    # 7 Mar (Cora 15/2); the door responses belong to wave 1, not to this wave.
    wave = Wave.objects.create(
        programme=cw.programme, name="H1", starts_on=D(2026, 3, 5), ends_on=D(2026, 4, 20), created_by=cw.user
    )
    appelstraat = [r.index for r in kpis.cohesion_respondents(wave) if r.street_id == cw.sid("Appelstraat")]
    # Bert once, with 10 (his ZERO of 5 Mar is not counted, and not averaged in: that would give 5).
    assert sorted(appelstraat) == [Fr(15, 2), Fr(25, 3), Fr(10)]


# --- The index table ------------------------------------------------------------------------------


def test_the_index_per_street_and_area_per_wave_for_a_role_with_access_to_persons(cw):
    table = kpis.cohesion_index([cw.w1, cw.w2], area_id=cw.area_a.pk, streets=cw.street_names(), sees_persons=True)
    assert [w.name for w in table.waves] == ["Wave 1", "Wave 2"]
    assert [(row.street_id, row.street) for row in table.rows] == [
        (cw.sid("Appelstraat"), "Appelstraat"),
        (cw.sid("Berkenlaan"), "Berkenlaan"),
        (cw.sid("Cederweg"), "Cederweg"),
    ]  # by name, no "other streets" line
    appel, berken, ceder = (shown(row.cells) for row in table.rows)
    # Appelstraat w1: 25/3 + 10 + 15/2 + 5 + 5/2 = 100/3; / 5 = 20/3 = 6.67 → 6.7
    #             w2: 15/2 + 15/2 + 5 + 10 + 5 = 35; / 5 = 7.0
    assert appel == ((5, "6.7"), (5, "7.0"))
    # Berkenlaan  w1: 15/2 + 5 + 10 + 0 = 45/2; / 4 = 5.625 → 5.6
    #             w2: 10 + 0 + 5/2 = 25/2; / 3 = 4.1667 → 4.2
    assert berken == ((4, "5.6"), (3, "4.2"))
    # Cederweg    w1: 5/2 → 2.5; w2: nobody
    assert ceder == ((1, "2.5"), (0, None))
    # Area A      w1: (100/3 + 45/2 + 5/2) / 10 = (175/3) / 10 = 35/6 = 5.833 → 5.8
    #             (the mean of the three street means would be 4.9)
    #             w2: (35 + 25/2) / 8 = 47.5 / 8 = 5.9375 → 5.9
    assert shown(table.total) == ((10, "5.8"), (8, "5.9"))


def test_the_index_is_suppressed_under_5_respondents_with_an_other_streets_line_and_no_revealing_total(cw):
    table = kpis.cohesion_index([cw.w1, cw.w2], area_id=cw.area_a.pk, streets=cw.street_names())
    assert [(row.street_id, row.street) for row in table.rows] == [
        (cw.sid("Appelstraat"), "Appelstraat"),
        (cw.sid("Berkenlaan"), "Berkenlaan"),
        (cw.sid("Cederweg"), "Cederweg"),
        (None, ""),  # the other streets together
    ]
    appel, berken, ceder, rest = (shown(row.cells) for row in table.rows)
    assert berken == ("< 5", "< 5")  # 4 and 3 respondents: suppressed
    assert ceder == ("< 5", (0, None))  # 1: suppressed; nobody in wave 2 ("—": nobody is shown)
    # w1: Berkenlaan 4 + Cederweg 1 = 5 together: shown, (45/2 + 5/2) / 5 = 25/5 = 5.0; the area
    #     total 10 − Appelstraat 5 gives only the rest line, which is shown: every count shown, 5.8.
    assert appel[0] == (5, "6.7")
    assert rest[0] == (5, "5.0")
    assert shown(table.total)[0] == (10, "5.8")
    # w2: Berkenlaan's 3 alone (Cederweg has nobody): the area's 8 − Appelstraat's 5 would give it
    #     away, so the layer hides one more count of that sum — a part before a total: Appelstraat
    #     ("hidden": 5 or more). The area's 8 (5.9) stays: Appelstraat 5–7 and Berkenlaan 1–3 both fit.
    assert appel[1] == "hidden"
    assert rest[1] == "< 5"
    assert shown(table.total)[1] == (8, "5.9")


def test_the_index_of_area_b_per_wave(cw):
    names = cw.street_names()
    full = kpis.cohesion_index([cw.w1, cw.w2], area_id=cw.area_b.pk, streets=names, sees_persons=True)
    # Dahliastraat w1: Jan 5 + door 10 = 15; / 2 = 7.5. Nobody in w2.
    assert [(row.street, shown(row.cells)) for row in full.rows] == [("Dahliastraat", ((2, "7.5"), (0, None)))]
    assert shown(full.total) == ((2, "7.5"), (0, None))
    limited = kpis.cohesion_index([cw.w1, cw.w2], area_id=cw.area_b.pk, streets=names)
    # w1: the only street has 2: suppressed, and with it the rest (2 < 5) and the area's total; the
    # "other streets" line would show nothing in any wave, so it is left out.
    assert [(row.street, shown(row.cells)) for row in limited.rows] == [("Dahliastraat", ("< 5", (0, None)))]
    assert shown(limited.total) == ("< 5", (0, None))


def test_the_index_of_the_whole_programme_per_wave(cw):
    names = cw.street_names()
    full = kpis.cohesion_index([cw.w1, cw.w2], area_id=None, streets=names, sees_persons=True)
    # w1: area A 175/3 over 10 + area B 15 over 2 = 220/3 over 12 = 55/9 = 6.11 → 6.1; w2: area A's 5.9.
    assert shown(full.total) == ((12, "6.1"), (8, "5.9"))
    limited = kpis.cohesion_index([cw.w1, cw.w2], area_id=None, streets=names)
    assert [row.street for row in limited.rows] == ["Appelstraat", "Berkenlaan", "Cederweg", "Dahliastraat", ""]
    # w1: suppressed Berkenlaan 4 + Cederweg 1 + Dahliastraat 2 = 7: (45/2 + 5/2 + 15) / 7 = 40/7 = 5.71 → 5.7
    # w2: Berkenlaan's 3 alone: the programme's 8 − Appelstraat's 5 would give it away; Appelstraat hidden.
    assert shown(limited.rows[-1].cells) == ((7, "5.7"), "< 5")
    assert shown(limited.rows[0].cells) == ((5, "6.7"), "hidden")
    assert shown(limited.total) == ((12, "6.1"), (8, "5.9"))


def test_the_street_is_the_address_lived_at_on_the_day_of_the_conversation(cw):
    # H3 moved from Cederweg to Berkenlaan on 10 Mar, its conversation day: Berkenlaan.
    # H5 lived at Cederweg until 1 Apr: its 15 Mar conversation counts there, its 15 Sep one at Appelstraat.
    w1 = respondents_by_street(cw, cw.w1, cw.area_a.pk)
    assert (w1[("A", "Berkenlaan", Fr(15, 2))], w1[("A", "Berkenlaan", Fr(5))]) == (1, 1)
    assert [k for k in w1 if k[1] == "Cederweg"] == [("A", "Cederweg", Fr(5, 2))]
    w2 = respondents_by_street(cw, cw.w2, cw.area_a.pk)
    assert not [k for k in w2 if k[1] == "Cederweg"]


def _moved_between_areas(cw):
    """Lotte's household lived at Dahliastraat (area B) until 20 Mar 2026 and at Appelstraat (area A)
    from then on. In wave 1 she gave ZERO on 5 Mar (area B) and TEN on 10 Apr (area A)."""
    d2 = cf.address(cw.area_b, cw.streets["Dahliastraat"])
    a9 = cf.address(cw.area_a, cw.streets["Appelstraat"])
    h = cf.household("H9", (d2, D(2015, 1, 1), D(2026, 3, 20)), (a9, D(2026, 3, 20), None))
    lotte = cf.member(h, "Lotte", D(1990, 1, 1))
    cf.cohesion_interview(cf.conversation(h, D(2026, 3, 5), by=cw.user), lotte, cf.ZERO)
    cf.cohesion_interview(cf.conversation(h, D(2026, 4, 10), by=cw.user), lotte, cf.TEN)


def test_a_person_who_moved_between_areas_in_a_wave_counts_once_in_the_programme(cw):
    _moved_between_areas(cw)
    # Lotte once, with her latest interview (area A, Appelstraat, 10): 12 + 1 = 13 respondents.
    result = respondents_by_street(cw, cw.w1)
    assert sum(result.values()) == 13
    assert result[("A", "Appelstraat", Fr(10))] == 2  # Bert and Lotte
    assert result[("B", "Dahliastraat", Fr(0))] == 0


def test_a_person_who_moved_between_areas_in_a_wave_is_not_in_the_area_she_left(cw):
    _moved_between_areas(cw)
    # Her latest interview of wave 1 is in area A; area B keeps only Jan 5 and the door's 10.
    assert respondents_by_street(cw, cw.w1, cw.area_b.pk) == Counter(
        {("B", "Dahliastraat", Fr(5)): 1, ("B", "Dahliastraat", Fr(10)): 1}
    )


# --- Turnover -------------------------------------------------------------------------------------


@pytest.fixture
def tw(db) -> cf.TurnoverWorld:
    return cf.turnover_world()


def test_turnover_moves_in_and_out_per_street_and_year(tw):
    result = kpis.turnover(tw.area.pk, [2025, 2026])
    C = kpis.TurnoverCounts
    assert result.years == (2025, 2026)
    assert result.streets == {
        # Xstraat 2025: in T3 (15 Sep, from Ystraat) = 1; out none (T2 moved within the street that day).
        #         2026: in T7 (1 Jan) = 1; out T5 (1 Jul, to area O) = 1.
        tw.x.pk: {2025: C(moved_in=1, moved_out=0), 2026: C(moved_in=1, moved_out=1)},
        # Ystraat 2025: in T6 (10 May, y4) = 1; out T8 (1 Jan), T6 (30 Apr, y3), T3 (15 Sep) = 3.
        #         2026: in T4 (1 Mar, from area O) = 1; out none.
        tw.y.pk: {2025: C(moved_in=1, moved_out=3), 2026: C(moved_in=1, moved_out=0)},
    }
    # The area counts only moves across its boundary: T3's move from Ystraat to Xstraat (15 Sep 2025)
    # is neither. 2025 in T6 (10 May; its move within Ystraat left a gap of days, so it is out and in)
    # = 1, out T8 (1 Jan), T6 (30 Apr) = 2; 2026 in T7 (1 Jan), T4 (1 Mar, from area O) = 2, out T5 = 1.
    assert result.area == {2025: C(moved_in=1, moved_out=2), 2026: C(moved_in=2, moved_out=1)}


def test_households_living_in_the_area_on_1_january(tw):
    result = kpis.turnover(tw.area.pk, [2025, 2026])
    # 1 Jan 2025: T1, T2 (x2), T3 (y1), T5, T6 (y3), T9 (since 31 Dec 2024) = 6; not T8 (left that
    #   day), T4 (area O), T7 (not yet), T10 (gone in 2023).
    # 1 Jan 2026: T1, T2 (x3), T3 (x4), T5, T6 (y4), T7 (moved in that day), T9 = 7; not T4 (1 Mar).
    assert result.households_on_1_january == {2025: 6, 2026: 7}


def test_turnover_of_one_year_ignores_moves_in_other_years(tw):
    result = kpis.turnover(tw.area.pk, [2026])
    C = kpis.TurnoverCounts
    assert result.streets == {
        tw.x.pk: {2026: C(moved_in=1, moved_out=1)},
        tw.y.pk: {2026: C(moved_in=1, moved_out=0)},
    }
    assert result.area == {2026: C(moved_in=2, moved_out=1)}
    assert result.households_on_1_january == {2026: 7}


def test_a_move_within_a_street_on_the_same_day_is_no_move_but_a_move_to_another_street_is_two(db):
    p = cf.programme("Klein", "klein")
    a = cf.area(p, "Klein")
    s1, s2 = cf.street("Eenstraat"), cf.street("Tweestraat")
    one, two, three = cf.address(a, s1), cf.address(a, s1), cf.address(a, s2)
    # U1: within Eenstraat on 1 Mar; U2: Eenstraat → Tweestraat on 1 Mar.
    cf.household("U1", (one, D(2020, 1, 1), D(2026, 3, 1)), (two, D(2026, 3, 1), None))
    cf.household("U2", (two, D(2020, 1, 1), D(2026, 3, 1)), (three, D(2026, 3, 1), None))
    result = kpis.turnover(a.pk, [2026])
    C = kpis.TurnoverCounts
    assert result.streets == {s1.pk: {2026: C(0, 1)}, s2.pk: {2026: C(1, 0)}}
    assert result.households_on_1_january == {2026: 2}


# --- Housing signals ------------------------------------------------------------------------------

PERIOD = kpis.Period(start=D(2026, 3, 1), end=D(2026, 10, 31))


@pytest.fixture
def hw(db) -> cf.HousingWorld:
    return cf.housing_world()


# Area A: K1 (1 Sep, its latest), K2, K3 (1 Jun; 15 Nov is after the period), K4, K8 (10 Apr; its
# 1 Oct conversation has no housing section) = 5 households. Not K5 (before the period), not K7 (it
# lived in area B on the day), not K9 (another programme).
#   satisfaction answered: K1 4, K2 5, K3 2, K8 2 = 13 over 4 (K4 not answered) → 3.25 → 3.3 (half up)
#   satisfied (4–5): K1, K2 = 2; dissatisfied (1–2): K3, K8 = 2
#   defects: vocht K1 K4 = 2, isolatie K1 K8 = 2, keuken K3 = 1
#   stay K1 K4 = 2, move K3 = 1, undecided K2 K8 = 2
#   too small (over-occupied) K3 = 1, too big (under-occupied) K2 = 1
#   not fit for ageing: K2, K4, K8 = 3 (K1 yes, K3 adaptable)
AREA_A = kpis.HousingCounts(
    households=5,
    satisfaction_answered=4,
    satisfaction_sum=13,
    satisfied=2,
    dissatisfied=2,
    defects={"vocht": 2, "isolatie": 2, "keuken": 1},
    wants_to_stay=2,
    wants_to_move=1,
    undecided=2,
    over_occupied=1,
    under_occupied=1,
    not_fit_for_ageing=3,
)
# Area B: K6 (nothing but the defect dak), K7 (15 Jun at b2: 4, stay, fits, ageing yes) = 2
#   satisfaction 4 over 1 → 4.0; satisfied 1; dak 1; stay 1.
AREA_B = kpis.HousingCounts(
    households=2, satisfaction_answered=1, satisfaction_sum=4, satisfied=1, defects={"dak": 1}, wants_to_stay=1
)
# Complex C-101 (a1, a2, a6): K1, K2, K8 = 3; satisfaction 4 + 5 + 2 = 11 over 3 → 3.67 → 3.7;
#   satisfied K1 K2 = 2, dissatisfied K8 = 1; vocht K1 = 1, isolatie K1 K8 = 2; stay K1,
#   undecided K2 K8 = 2; too big K2 = 1; ageing no K2 K8 = 2.
C101 = kpis.HousingCounts(
    households=3,
    satisfaction_answered=3,
    satisfaction_sum=11,
    satisfied=2,
    dissatisfied=1,
    defects={"vocht": 1, "isolatie": 2},
    wants_to_stay=1,
    undecided=2,
    under_occupied=1,
    not_fit_for_ageing=2,
)
# Complex C-102 (a3): K3: 2 → 2.0, dissatisfied, keuken, move, too small; ageing adaptable is not "no".
C102 = kpis.HousingCounts(
    households=1,
    satisfaction_answered=1,
    satisfaction_sum=2,
    dissatisfied=1,
    defects={"keuken": 1},
    wants_to_move=1,
    over_occupied=1,
)
# Not the association's ("", a4): K4: satisfaction not answered, vocht, stay, fits, ageing no.
PRIVATE_A = kpis.HousingCounts(households=1, defects={"vocht": 1}, wants_to_stay=1, not_fit_for_ageing=1)


def test_housing_signals_per_area(hw):
    result = kpis.housing_signals(hw.programme, PERIOD)
    assert result.areas == {hw.area_a.pk: AREA_A, hw.area_b.pk: AREA_B}
    assert (result.areas[hw.area_a.pk].satisfaction_mean, result.areas[hw.area_b.pk].satisfaction_mean) == (
        Decimal("3.3"),
        Decimal("4.0"),
    )
    assert str(result.areas[hw.area_a.pk].satisfaction_mean) == "3.3"


def test_housing_signals_per_complex(hw):
    result = kpis.housing_signals(hw.programme, PERIOD)
    a, b = hw.area_a.pk, hw.area_b.pk
    # C-201 (b1, b2): K6 and K7, the same as area B.
    assert result.complexes == {(a, "C-101"): C101, (a, "C-102"): C102, (a, ""): PRIVATE_A, (b, "C-201"): AREA_B}
    means = {key: counts.satisfaction_mean for key, counts in result.complexes.items()}
    assert means == {
        (a, "C-101"): Decimal("3.7"),
        (a, "C-102"): Decimal("2.0"),
        (a, ""): None,
        (b, "C-201"): Decimal("4.0"),
    }


def test_housing_signals_of_one_area(hw):
    result = kpis.housing_signals(hw.programme, PERIOD, area_id=hw.area_a.pk)
    a = hw.area_a.pk
    assert result.areas == {a: AREA_A}
    assert result.complexes == {(a, "C-101"): C101, (a, "C-102"): C102, (a, ""): PRIVATE_A}


def test_housing_signals_ignore_conversations_outside_the_period(hw):
    # 1 Apr – 31 May: K1's 1 Apr (2, vocht, move, too small, ageing no), K2 (1 May), K8 (10 Apr).
    # Satisfaction 2 + 5 + 2 = 9 over 3 = 3.0; satisfied K2; dissatisfied K1 K8; vocht K1, isolatie K8;
    # move K1, undecided K2 K8; too small K1, too big K2; ageing no K1 K2 K8 = 3.
    spring = kpis.Period(start=D(2026, 4, 1), end=D(2026, 5, 31))
    result = kpis.housing_signals(hw.programme, spring)
    assert result.areas == {
        hw.area_a.pk: kpis.HousingCounts(
            households=3,
            satisfaction_answered=3,
            satisfaction_sum=9,
            satisfied=1,
            dissatisfied=2,
            defects={"vocht": 1, "isolatie": 1},
            wants_to_move=1,
            undecided=2,
            over_occupied=1,
            under_occupied=1,
            not_fit_for_ageing=3,
        )
    }
    assert str(result.areas[hw.area_a.pk].satisfaction_mean) == "3.0"
    # Nothing in the period at all: no groups.
    empty = kpis.housing_signals(hw.programme, kpis.Period(start=D(2026, 1, 1), end=D(2026, 2, 14)))
    assert (empty.areas, empty.complexes) == ({}, {})


def _k7_spoke_before_moving(hw):
    # K7 also had a conversation on 1 May 2026, at a5 in area A (before its move on 15 Jun): satisfaction 1.
    cf.housing(cf.conversation(hw.households["K7"], D(2026, 5, 1), by=hw.user), satisfaction=1, move_wish="move")


def test_a_household_that_moved_between_areas_counts_once_with_its_latest_conversation(hw):
    _k7_spoke_before_moving(hw)
    result = kpis.housing_signals(hw.programme, PERIOD)
    assert result.areas == {hw.area_a.pk: AREA_A, hw.area_b.pk: AREA_B}


def test_a_household_that_moved_between_areas_is_not_in_the_area_it_left(hw):
    _k7_spoke_before_moving(hw)
    result = kpis.housing_signals(hw.programme, PERIOD, area_id=hw.area_a.pk)
    assert result.areas == {hw.area_a.pk: AREA_A}


# --- The attacker (tests/privacy/attacker.py, no code shared with the layer) ------------------------


def _published(cell) -> tuple[str, int | None]:
    if cell.shown:
        return (SHOWN, cell.respondents)
    return (SMALL, None) if cell.state == "small" else (HIDDEN, None)


@pytest.mark.parametrize("where", ["A", "B", "programme"])
def test_no_withheld_respondent_count_of_the_index_table_can_be_worked_out(cw, where):
    """Per wave a reader knows: the area's respondents are the sum of its streets'; the "other
    streets" line is the sum of the streets shown as "< 5" in that wave."""
    area_id = {"A": cw.area_a.pk, "B": cw.area_b.pk, "programme": None}[where]
    names = cw.street_names()
    full = kpis.cohesion_index([cw.w1, cw.w2], area_id=area_id, streets=names, sees_persons=True)
    limited = kpis.cohesion_index([cw.w1, cw.w2], area_id=area_id, streets=names)
    truth: dict = {}
    published: dict = {}
    sums: list = []
    street_rows = {row.street_id: row for row in limited.rows if row.street_id is not None}
    rest_row = next((row for row in limited.rows if row.street_id is None), None)
    for w in range(2):
        streets = []
        for row in full.rows:
            truth[(w, row.street_id)] = row.cells[w].respondents
            published[(w, row.street_id)] = _published(street_rows[row.street_id].cells[w])
            streets.append((w, row.street_id))
        truth[(w, "total")] = full.total[w].respondents
        published[(w, "total")] = _published(limited.total[w])
        sums.append(((w, "total"), streets))
        small = [key for key in streets if published[key][0] == SMALL]
        truth[(w, "rest")] = sum(truth[key] for key in small)
        published[(w, "rest")] = _published(rest_row.cells[w]) if rest_row else (UNPUBLISHED, None)
        sums.append(((w, "rest"), small))
    withheld = [key for key, (kind, _v) in published.items() if kind in (SMALL, HIDDEN)]
    assert withheld, "the fixture has small streets: the test must attack something"
    assert derivable(truth, published, sums) == []


def test_housing_signals_per_street_and_where_complexes_and_streets_meet(hw):
    """SPEC §2.7 "per street or complex": every address of the fixture is on Woonstraat, so each
    area's street counts what the area counts, and each complex meets it whole."""
    from stijging.registry.models import Street

    result = kpis.housing_signals(hw.programme, PERIOD)
    a, b = hw.area_a.pk, hw.area_b.pk
    s = Street.objects.get(name="Woonstraat").pk
    assert result.streets == {(a, s): AREA_A, (b, s): AREA_B}
    assert result.crossings == {
        (a, "C-101", s): C101,
        (a, "C-102", s): C102,
        (a, "", s): PRIVATE_A,
        (b, "C-201", s): AREA_B,
    }
