"""The programme's figures, each defined once, exactly as SPEC §4 says (docs/kpis.md has a worked
example). Every screen, report and API takes its figures from here, by these names.

One module per family of figures: participation (households in scope and reached, persons
visited), care (trajectory uptake, social rise, priority handling), cohesion (the index, turnover),
housing (signals per area and complex); series (the targets' figures month by month, the index
wave by wave); common holds the period and the rounding they share.

The reference period is the programme's period (up to today) unless a filter narrows it; the
reference date for "in scope" is the end of that period.
"""

# SPEC §4 "Small numbers": one rule for every screen, on the privacy floor (re-exported here).
from stijging.privacy.disclosure import SUPPRESSION_THRESHOLD, suppressed

from .care import (
    RISE_MIN_AGE,
    RISE_MIN_DAYS,
    SPECIAL_CATEGORY_ORGANISATIONS,
    TOP_RUNG,
    DomainChange,
    PartnerHandling,
    SocialRise,
    Uptake,
    priority_handling,
    referral_handling,
    social_rise,
    trajectory_uptake,
)
from .cohesion import (
    COHESION_MIN_AGE,
    COHESION_MIN_ANSWERS,
    COHESION_SCALE_MAX,
    CohesionRespondent,
    CohesionTable,
    IndexCell,
    StreetActivity,
    StreetIndexRow,
    Turnover,
    TurnoverCounts,
    activity_per_street,
    cohesion_index,
    cohesion_respondents,
    respondent_cohesion_index,
    turnover,
)
from .common import Period, on_local_days, programme_period, rate, rows_shared
from .housing import AGEING_NOT_FIT, FIT_TOO_BIG, FIT_TOO_SMALL, HousingCounts, HousingSignals, housing_signals
from .participation import Participation, Revisits, Visits, households_in_scope, participation, revisits, visits
from .series import MonthPoint, WaveIndex, cohesion_per_wave, month_ends, monthly_series

__all__ = [
    "AGEING_NOT_FIT",
    "COHESION_MIN_AGE",
    "COHESION_MIN_ANSWERS",
    "COHESION_SCALE_MAX",
    "FIT_TOO_BIG",
    "FIT_TOO_SMALL",
    "RISE_MIN_AGE",
    "RISE_MIN_DAYS",
    "SPECIAL_CATEGORY_ORGANISATIONS",
    "SUPPRESSION_THRESHOLD",
    "TOP_RUNG",
    "CohesionRespondent",
    "CohesionTable",
    "DomainChange",
    "HousingCounts",
    "HousingSignals",
    "IndexCell",
    "MonthPoint",
    "Participation",
    "Revisits",
    "PartnerHandling",
    "Period",
    "SocialRise",
    "StreetActivity",
    "StreetIndexRow",
    "Turnover",
    "TurnoverCounts",
    "Uptake",
    "Visits",
    "WaveIndex",
    "activity_per_street",
    "cohesion_index",
    "cohesion_per_wave",
    "cohesion_respondents",
    "households_in_scope",
    "housing_signals",
    "month_ends",
    "monthly_series",
    "on_local_days",
    "participation",
    "priority_handling",
    "referral_handling",
    "programme_period",
    "rate",
    "respondent_cohesion_index",
    "revisits",
    "rows_shared",
    "social_rise",
    "suppressed",
    "trajectory_uptake",
    "turnover",
    "visits",
]
