"""The benchmark of SPEC §3: latency, capacity, floor and queries per page. Prints markdown tables.

Run it with the project's Python against a server started by `benchmarks/serve.sh` on the same
database (see benchmarks/README.md):

    DATABASE_URL=postgres://stijging@127.0.0.1:55433/stijging_bench .venv/bin/python benchmarks/run.py

Workloads (all bounded in time and count, all against 127.0.0.1 only):

* latency  -- open loop: requests leave on a fixed schedule (--rate per second) whatever the server
  does, for --warmup + --duration seconds; latency counts from the *scheduled* send time, so a
  server that falls behind is not flattered (no coordinated omission). p50/p95/p99 per page.
* capacity -- --clients closed-loop clients without think time: requests per second and p95 per page.
* floor    -- per page, the page's essential data fetched by ONE hand-written SQL query through
  psycopg, over the same random objects as the page (fetched one after another, no other load);
  page p50 / floor p50.
* queries  -- per page, the number of SQL queries (Django test client in this process, for a few
  sample objects), so the figure can be compared between the demo and the full-size region.

Users log in through the real login form, with the TOTP second factor the generator gave the bench
users (`stijging.demo.generate.BENCH_TOTP_SECRET`): the server runs with production settings.
A page is added to the mix by adding one `Page` to `PAGES`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import hashlib
import hmac
import http.client
import math
import os
import random
import re
import statistics
import struct
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
# This process only reads the database and renders pages in-process for the query counts; it never
# serves. The demo defaults (DEBUG on) keep it from needing the production secrets of the server.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stijging.settings")
os.environ.setdefault("DEBUG", "1")
# The tick it runs beside the workloads seals the benchmark database's audit log: its anchor is the
# one serve.sh's server uses (var/bench), never the demo's under var/.
os.environ.setdefault("STIJGING_VAR_DIR", str(ROOT / "var" / "bench"))

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# The "session" of an API client's pages: {BEARER: token} instead of a cookie jar (see request()).
BEARER = "__bearer__"
API_ROLE = "api:referrals"  # the role of the API pages: a partner system's client with that scope
MAX_REQUESTS = 200_000  # a hard stop for any workload, whatever the flags say


# --- Small helpers ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def totp(secret: str, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP, the same as allauth.mfa's (SHA1, 30 s, 6 digits)."""
    counter = int((time.time() if at is None else at) // period)
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


# --- HTTP (stdlib only: one connection per request, as gunicorn's sync workers close them anyway) ---


@dataclass
class Target:
    host: str
    port: int

    @classmethod
    def parse(cls, base_url: str) -> Target:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK:
            raise SystemExit(f"--base-url must be http:// on the loopback (127.0.0.1), not {base_url!r}.")
        return cls(parts.hostname, parts.port or 80)

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class Response:
    status: int
    body: bytes
    location: str
    cookies: SimpleCookie


def request(
    target: Target,
    method: str,
    path: str,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Response:
    connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    headers = {
        "Host": target.netloc,
        "User-Agent": "stijging-benchmark",
        "Accept": "text/html",
        "Accept-Encoding": "identity",
        # The server runs as in production behind a TLS proxy (SECURE_PROXY_SSL_HEADER): this says the
        # request came in over HTTPS, so no redirect to https:// and the Secure cookies apply.
        "X-Forwarded-Proto": "https",
    }
    if cookies and BEARER in cookies:
        # An API client (stijging.api): its token in the header, JSON back; no cookies.
        headers["Authorization"] = f"Bearer {cookies[BEARER]}"
        headers["Accept"] = "application/json"
    elif cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        # Django checks the Referer of HTTPS form posts; an Origin header is not sent, so the same
        # request passes whether the server sees it as http or https.
        headers["Referer"] = f"https://{target.netloc}{path}"
    try:
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        data = raw.read()
        jar = SimpleCookie()
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return Response(raw.status, data, raw.getheader("Location") or "", jar)
    finally:
        connection.close()


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrfmiddlewaretoken"')


def _csrf(body: bytes) -> str:
    match = CSRF_FIELD.search(body)
    if not match:
        raise RuntimeError("no csrfmiddlewaretoken in the form")
    return (match.group(1) or match.group(2)).decode()


def _keep(jar: dict[str, str], cookies: SimpleCookie) -> None:
    for name, morsel in cookies.items():
        jar[name] = morsel.value


def login(target: Target, email: str, password: str, totp_secret: str) -> dict[str, str]:
    """Log in through allauth's real forms (password, then the TOTP step); return the cookie jar."""
    jar: dict[str, str] = {}
    page = request(target, "GET", "/accounts/login/")
    _keep(jar, page.cookies)
    answer = request(
        target,
        "POST",
        "/accounts/login/",
        jar,
        {"login": email, "password": password, "csrfmiddlewaretoken": _csrf(page.body)},
    )
    _keep(jar, answer.cookies)
    if answer.status != 302:
        raise RuntimeError(f"login of {email} failed: HTTP {answer.status}")
    if "/2fa/authenticate" in answer.location:
        path = urllib.parse.urlsplit(answer.location).path
        for attempt in range(3):
            form = request(target, "GET", path, jar)
            _keep(jar, form.cookies)
            code = totp(totp_secret)
            done = request(target, "POST", path, jar, {"code": code, "csrfmiddlewaretoken": _csrf(form.body)})
            _keep(jar, done.cookies)
            if done.status == 302:
                break
            # allauth refuses a code used once already (an earlier run in the same 30 s): wait for the next.
            if attempt < 2:
                time.sleep(31 - time.time() % 30)
        else:
            raise RuntimeError(f"the second factor of {email} was refused")
    return jar


# --- Pages, objects and floors --------------------------------------------------------------------


@dataclass
class Sample:
    """One randomly chosen object of a page: its URL and the parameters of its floor query."""

    path: str
    params: dict


@dataclass
class Pool:
    """The randomly chosen objects of the programme that the pages open."""

    programme_id: int
    slug: str
    streets: list[tuple[int, int]]  # (area id, street id)
    households: list[int]
    persons: list  # Person rows (names for the name search)
    addresses: list  # Address rows with their street
    conversations: list[int] = field(default_factory=list)
    referrals: list[int] = field(default_factory=list)  # of the partner user's organisation, with a grant
    partner_organisation: int | None = None
    users: dict[str, int] = field(default_factory=dict)  # role -> the user id who opens the pages

    def url(self, names: str | tuple[str, ...], **kwargs) -> str | None:
        """The first of `names` that reverses (pages move between apps as the project grows), or
        None: the page is not built (yet) and is left out of the mix."""
        from django.urls import NoReverseMatch, reverse

        for name in (names,) if isinstance(names, str) else names:
            try:
                return reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
        return None

    def search(self, query: str) -> str | None:
        base = self.url("registry:search")
        return f"{base}?{urllib.parse.urlencode({'q': query})}" if base else None


# A page's sampler: (pool, i, rng) -> (path or None when the page does not exist, floor parameters).
Sampler = Callable[[Pool, int, random.Random], tuple[str | None, dict]]


@dataclass
class Page:
    key: str  # for --pages
    name: str
    weight: int  # share in the mix
    role: str  # the role of the user who opens it
    sampler: Sampler
    floor_sql: str
    samples: list[Sample] = field(default_factory=list)


CURRENT_R = "r.start_date <= CURRENT_DATE AND (r.end_date IS NULL OR r.end_date > CURRENT_DATE)"
CURRENT_M = "m.start_date <= CURRENT_DATE AND (m.end_date IS NULL OR m.end_date > CURRENT_DATE)"

# Addresses with their current households and those households' current members (the street page,
# and the address results of a search), within one programme.
ADDRESS_ROWS = f"""
SELECT a.id, a.huisnummer, a.huisletter, a.huisnummertoevoeging, a.postcode, a.retired_on, s.name,
       ar.name, h.id, h.name, p.id, p.given_names, p.date_of_birth
FROM registry_address a
JOIN registry_street s ON s.id = a.street_id
JOIN registry_area ar ON ar.id = a.area_id
LEFT JOIN registry_householdresidence r ON r.address_id = a.id AND {CURRENT_R}
LEFT JOIN registry_household h ON h.id = r.household_id
LEFT JOIN registry_householdmembership m ON m.household_id = h.id AND {CURRENT_M}
LEFT JOIN registry_person p ON p.id = m.person_id
WHERE ar.programme_id = %(programme)s AND {{where}}
ORDER BY {{order}}, p.date_of_birth
"""

FLOOR_STREET = ADDRESS_ROWS.format(
    where="a.area_id = %(area)s AND a.street_id = %(street)s",
    order="a.huisnummer, a.huisletter, a.huisnummertoevoeging",
)
FLOOR_SEARCH_POSTCODE = ADDRESS_ROWS.format(
    where="a.postcode = %(postcode)s AND a.huisnummer = %(number)s",
    order="a.huisnummer, a.huisletter, a.huisnummertoevoeging",
)
FLOOR_SEARCH_STREET = ADDRESS_ROWS.format(
    where="s.name ILIKE %(street_like)s AND a.huisnummer = %(number)s",
    order="s.name, a.huisnummer, a.huisletter, a.huisnummertoevoeging",
)

IN_PROGRAMME_HOUSEHOLD = """EXISTS (SELECT 1 FROM registry_householdresidence r2
    JOIN registry_address a2 ON a2.id = r2.address_id JOIN registry_area ar2 ON ar2.id = a2.area_id
    WHERE r2.household_id = {household} AND ar2.programme_id = %(programme)s)"""

FLOOR_HOUSEHOLD = f"""
SELECT h.id, h.name, h.note, h.version,
  (SELECT json_agg(json_build_object('id', r.id, 'start', r.start_date, 'end', r.end_date, 'address', a.id,
          'street', s.name, 'nr', a.huisnummer, 'letter', a.huisletter, 'toev', a.huisnummertoevoeging,
          'postcode', a.postcode, 'area', ar.name, 'programme', pr.slug, 'programme_name', pr.name)
          ORDER BY r.start_date DESC)
     FROM registry_householdresidence r JOIN registry_address a ON a.id = r.address_id
     JOIN registry_street s ON s.id = a.street_id JOIN registry_area ar ON ar.id = a.area_id
     JOIN registry_programme pr ON pr.id = ar.programme_id
    WHERE r.household_id = h.id),
  (SELECT json_agg(json_build_object('id', m.id, 'relation', m.relation, 'start', m.start_date, 'end', m.end_date,
          'person', p.id, 'given', p.given_names, 'tv', p.tussenvoegsel, 'family', p.family_name,
          'born', p.date_of_birth) ORDER BY m.end_date NULLS FIRST, p.date_of_birth)
     FROM registry_householdmembership m JOIN registry_person p ON p.id = m.person_id
    WHERE m.household_id = h.id)
FROM registry_household h
WHERE h.id = %(household)s AND {IN_PROGRAMME_HOUSEHOLD.format(household="h.id")}
"""

FLOOR_PERSON = f"""
SELECT p.id, p.given_names, p.tussenvoegsel, p.family_name, p.date_of_birth, p.phone, p.email, p.version,
  (SELECT json_agg(json_build_object('id', m.id, 'household', h.id, 'name', h.name, 'relation', m.relation,
          'start', m.start_date, 'end', m.end_date) ORDER BY m.start_date DESC)
     FROM registry_householdmembership m JOIN registry_household h ON h.id = m.household_id
    WHERE m.person_id = p.id),
  (SELECT json_agg(json_build_object('id', c.id, 'purpose', c.purpose, 'organisation', o.name,
          'given_on', c.given_on, 'withdrawn_on', c.withdrawn_on) ORDER BY c.given_on DESC, c.id DESC)
     FROM privacy_consent c LEFT JOIN accounts_organisation o ON o.id = c.organisation_id
    WHERE c.person_id = p.id)
FROM registry_person p
WHERE p.id = %(person)s AND EXISTS (SELECT 1 FROM registry_householdmembership m3
    WHERE m3.person_id = p.id AND {IN_PROGRAMME_HOUSEHOLD.format(household="m3.household_id")})
"""

# The counts per area, the way one would write them by hand: current residences grouped per address
# first (a household lives at one address at a time, so their sum is the number of households).
FLOOR_PROGRAMME = f"""
SELECT pr.name, pr.municipality, pr.start_date, pr.end_date, ar.id, ar.name, ar.cbs_buurtcode,
       count(a.id) AS addresses, coalesce(sum(cur.n), 0) AS households,
       count(a.id) FILTER (WHERE cur.n IS NULL) AS empty
FROM registry_programme pr
JOIN registry_area ar ON ar.programme_id = pr.id
LEFT JOIN registry_address a ON a.area_id = ar.id AND a.retired_on IS NULL
LEFT JOIN (SELECT r.address_id, count(*) AS n FROM registry_householdresidence r WHERE {CURRENT_R}
           GROUP BY r.address_id) cur ON cur.address_id = a.id
WHERE pr.id = %(programme)s
GROUP BY pr.id, ar.id
ORDER BY ar.name
"""

# A name search as the page runs it (upper() LIKE, on the same trigram indexes): the persons whose
# names contain the typed name, in name order —
# or, only when there are none (a typo), those whose family name is like it by trigram similarity,
# best match first; the matches ranked before the visibility check, which runs in rank order until
# 251 are counted; one page of 25, the count, and the current household of each person shown.
FLOOR_SEARCH_NAME = f"""
WITH exact AS MATERIALIZED (
    SELECT p.id, p.given_names, p.tussenvoegsel, p.family_name, p.date_of_birth
    FROM registry_person p
    WHERE (upper(p.family_name) LIKE upper(%(like)s) OR upper(p.given_names) LIKE upper(%(like)s))
      AND upper(p.given_names) LIKE upper(%(initial)s) AND p.anonymised_at IS NULL
    ORDER BY p.family_name, p.given_names, p.id LIMIT 20001
), fuzzy AS MATERIALIZED (
    SELECT p.id, p.given_names, p.tussenvoegsel, p.family_name, p.date_of_birth
    FROM registry_person p
    WHERE NOT EXISTS (SELECT 1 FROM exact) AND p.family_name %% %(word)s
      AND upper(p.given_names) LIKE upper(%(initial)s) AND p.anonymised_at IS NULL
    ORDER BY similarity(p.family_name, %(word)s) DESC, p.family_name, p.given_names, p.id LIMIT 20001
), ranked AS MATERIALIZED (
    SELECT matches.*, row_number() OVER () AS rank
    FROM (SELECT * FROM exact UNION ALL SELECT * FROM fuzzy) matches
), counted AS (
    SELECT ranked.* FROM ranked
    WHERE EXISTS (SELECT 1 FROM registry_householdmembership m3
        WHERE m3.person_id = ranked.id AND {IN_PROGRAMME_HOUSEHOLD.format(household="m3.household_id")})
    LIMIT 251
), shown AS (
    SELECT counted.*, (SELECT count(*) FROM counted) AS total FROM counted ORDER BY rank LIMIT 25
)
SELECT shown.*,
       (SELECT json_agg(json_build_object('household', h.id, 'name', h.name))
          FROM registry_householdmembership m JOIN registry_household h ON h.id = m.household_id
         WHERE m.person_id = shown.id AND {CURRENT_M})
FROM shown
ORDER BY rank
"""


# The cohesion index of one area per wave and street (monitoring:cohesion): per respondent the sum of
# the answers with the reverse-coded statement flipped and their number (≥ 4), the person's latest
# interview in the wave only, plus the door responses; then the mean per street and wave.
COHESION_RESPONDENT = "sum(CASE WHEN st.reverse_coded THEN 6 - {v}.value ELSE {v}.value END)"
FLOOR_STREET_INDEX = f"""
WITH w AS (SELECT id, starts_on, ends_on FROM cohesion_wave WHERE programme_id = %(programme)s),
conv AS (
  SELECT w.id AS wave, a.street_id, i.id AS respondent, {COHESION_RESPONDENT.format(v="ca")} AS total, count(*) AS n
  FROM w
  JOIN conversations_conversation c ON c.held_on BETWEEN w.starts_on AND w.ends_on
  JOIN registry_householdresidence r ON r.household_id = c.household_id
       AND r.start_date <= c.held_on AND (r.end_date IS NULL OR r.end_date > c.held_on)
  JOIN registry_address a ON a.id = r.address_id AND a.area_id = %(area)s
  JOIN conversations_interview i ON i.conversation_id = c.id
  JOIN registry_person p ON p.id = i.person_id AND p.date_of_birth <= c.held_on - interval '15 years'
  JOIN conversations_cohesionanswer ca ON ca.interview_id = i.id AND ca.value IS NOT NULL
  JOIN conversations_cohesionstatement st ON st.id = ca.statement_id
  WHERE NOT EXISTS (SELECT 1 FROM conversations_interview i2
      JOIN conversations_conversation c2 ON c2.id = i2.conversation_id
      WHERE i2.person_id = i.person_id AND c2.held_on BETWEEN w.starts_on AND w.ends_on
        AND (c2.held_on > c.held_on OR (c2.held_on = c.held_on AND i2.id > i.id))
        AND EXISTS (SELECT 1 FROM conversations_cohesionanswer ca2 WHERE ca2.interview_id = i2.id))
  GROUP BY w.id, a.street_id, i.id HAVING count(*) >= 4
), door AS (
  SELECT wr.wave_id AS wave, wr.street_id, wr.id AS respondent, {COHESION_RESPONDENT.format(v="wa")} AS total,
         count(*) AS n
  FROM w JOIN cohesion_waveresponse wr ON wr.wave_id = w.id AND wr.area_id = %(area)s
  JOIN cohesion_waveanswer wa ON wa.response_id = wr.id AND wa.value IS NOT NULL
  JOIN conversations_cohesionstatement st ON st.id = wa.statement_id
  GROUP BY wr.wave_id, wr.street_id, wr.id HAVING count(*) >= 4
)
SELECT x.wave, s.name, count(*), round(avg((x.total::numeric / x.n - 1) * 2.5), 1)
FROM (SELECT * FROM conv UNION ALL SELECT * FROM door) x JOIN registry_street s ON s.id = x.street_id
GROUP BY x.wave, s.id, s.name ORDER BY s.name, x.wave
"""

# The housing signals of one area per complex (monitoring:housing): each household's latest housing
# section in the programme's period, at the address of that day, counted per complex.
FLOOR_HOUSING = """
WITH latest AS (
  SELECT h.id, h.satisfaction, h.move_wish, h.fits_household, h.fits_ageing, a.complex_number
  FROM conversations_housinganswer h
  JOIN conversations_conversation c ON c.id = h.conversation_id
  JOIN registry_programme pr ON pr.id = %(programme)s
  JOIN registry_householdresidence r ON r.household_id = c.household_id
       AND r.start_date <= c.held_on AND (r.end_date IS NULL OR r.end_date > c.held_on)
  JOIN registry_address a ON a.id = r.address_id AND a.area_id = %(area)s
  WHERE c.held_on >= pr.start_date AND c.held_on <= CURRENT_DATE
    AND NOT EXISTS (SELECT 1 FROM conversations_housinganswer h2
        JOIN conversations_conversation c2 ON c2.id = h2.conversation_id
        WHERE c2.household_id = c.household_id AND c2.held_on >= pr.start_date AND c2.held_on <= CURRENT_DATE
          AND (c2.held_on > c.held_on OR (c2.held_on = c.held_on AND c2.id > c.id)))
)
SELECT l.complex_number, count(*), avg(l.satisfaction), count(*) FILTER (WHERE l.satisfaction >= 4),
       count(*) FILTER (WHERE l.satisfaction <= 2), count(*) FILTER (WHERE l.move_wish = 'stay'),
       count(*) FILTER (WHERE l.move_wish = 'move'), count(*) FILTER (WHERE l.move_wish = 'undecided'),
       count(*) FILTER (WHERE l.fits_household = 'too_small'), count(*) FILTER (WHERE l.fits_household = 'too_big'),
       count(*) FILTER (WHERE l.fits_ageing = 'no'),
       (SELECT json_object_agg(code, n) FROM (SELECT d.code, count(*) AS n
          FROM conversations_housinganswer_defects hd JOIN conversations_defectcategory d ON d.id = hd.defectcategory_id
          JOIN latest l2 ON l2.id = hd.housinganswer_id WHERE l2.complex_number = l.complex_number
          GROUP BY d.code) per_code)
FROM latest l GROUP BY l.complex_number ORDER BY l.complex_number
"""


def _typo(word: str, rng: random.Random) -> str:
    """Swap two letters inside the word ("Vries" -> "Vreis")."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _programme(pool: Pool, i: int, rng: random.Random):
    return pool.url(("registry:programme", "monitoring:programme"), slug=pool.slug), {}


def _street(pool: Pool, i: int, rng: random.Random):
    area_id, street_id = rng.choice(pool.streets)
    path = pool.url(("outreach:street", "registry:street"), slug=pool.slug, area_id=area_id, street_id=street_id)
    return path, {"area": area_id, "street": street_id}


def _household(pool: Pool, i: int, rng: random.Random):
    household_id = pool.households[i % len(pool.households)]
    return pool.url("registry:household", pk=household_id), {"household": household_id}


def _person(pool: Pool, i: int, rng: random.Random):
    person = pool.persons[i % len(pool.persons)]
    return pool.url("registry:person", pk=person.pk), {"person": person.pk}


def _search_postcode(pool: Pool, i: int, rng: random.Random):
    address = pool.addresses[i % len(pool.addresses)]
    toevoeging = address.huisnummertoevoeging
    suffix = address.huisletter or (f"-{toevoeging}" if toevoeging else "")
    query = f"{address.postcode[:4]} {address.postcode[4:]} {address.huisnummer}{suffix}"
    return pool.search(query), {"postcode": address.postcode, "number": address.huisnummer}


def _search_street(pool: Pool, i: int, rng: random.Random):
    address = pool.addresses[(i * 7 + 3) % len(pool.addresses)]
    query = f"{address.street.name} {address.huisnummer}"
    return pool.search(query), {"street_like": f"%{address.street.name}%", "number": address.huisnummer}


def _search_name(pool: Pool, i: int, rng: random.Random):
    """Four ways people type a name: "de Vries", "J. de Vries", "Vreis" (a typo), "vries"."""
    person = pool.persons[(i * 5 + 1) % len(pool.persons)]
    family, initial = person.family_name, "%"
    style = i % 4
    if style == 0:
        query = f"{person.tussenvoegsel} {family}".strip()
    elif style == 1:
        initial = f"{person.given_names[0]}%"
        query = " ".join(part for part in (f"{person.given_names[0]}.", person.tussenvoegsel, family) if part)
    elif style == 2:
        family = _typo(family, rng)
        query = family
    else:
        query = family.lower()
    return pool.search(query), {"like": f"%{family}%", "word": family.lower(), "initial": initial}


# --- Outreach, conversation, caseload and partner pages (issues 4 and 5) ----------------------------

CURRENT_R3 = "r3.start_date <= CURRENT_DATE AND (r3.end_date IS NULL OR r3.end_date > CURRENT_DATE)"

# The bench fieldworker's appointments in the day or week, not cancelled, not of a household that
# objected, with the household and its current address (+ street and the workers' note).
FLOOR_AGENDA = f"""
SELECT ap.id, ap.starts_at, ap.duration_minutes, ap.kind, ap.status, ap.reason, h.id, h.name,
       a.id, s.name, a.huisnummer, a.huisletter, a.huisnummertoevoeging, a.postcode, n.safety_note,
       n.interpreter_needed, n.interpreter_language
FROM outreach_appointment ap
JOIN registry_household h ON h.id = ap.household_id
LEFT JOIN outreach_householdoutreach ho ON ho.household_id = h.id
LEFT JOIN registry_householdresidence r ON r.household_id = h.id AND {CURRENT_R}
LEFT JOIN registry_address a ON a.id = r.address_id
LEFT JOIN registry_street s ON s.id = a.street_id
LEFT JOIN outreach_addressnote n ON n.address_id = a.id
WHERE ap.worker_id = %(worker)s AND ap.starts_at >= %(begin)s AND ap.starts_at < %(end)s
  AND ap.status <> 'cancelled' AND ho.do_not_contact IS NOT TRUE
  AND {IN_PROGRAMME_HOUSEHOLD.format(household="h.id")}
ORDER BY ap.starts_at
"""

# The street's addresses still to visit: no current household, or one whose status is open.
FLOOR_WALKING_LIST = f"""
SELECT a.id, a.huisnummer, a.huisletter, a.huisnummertoevoeging, a.postcode, h.id, h.name, ho.status
FROM registry_address a
JOIN registry_area ar ON ar.id = a.area_id
LEFT JOIN registry_householdresidence r ON r.address_id = a.id AND {CURRENT_R}
LEFT JOIN registry_household h ON h.id = r.household_id
LEFT JOIN outreach_householdoutreach ho ON ho.household_id = h.id
WHERE ar.programme_id = %(programme)s AND a.area_id = %(area)s AND a.street_id = %(street)s
  AND a.retired_on IS NULL
  AND (h.id IS NULL OR coalesce(ho.status, 'not_approached') IN ('not_approached', 'attempted', 'appointment'))
ORDER BY a.huisnummer %% 2 DESC, a.huisnummer, a.huisletter, a.huisnummertoevoeging
"""

# The conversation with its workers, interviews (+ person, answers, cohesion, valid consents), the
# housing section with its defects, the household's current members and address, meldcode signals.
FLOOR_CONVERSATION = f"""
SELECT c.id, c.held_on, c.informed, c.version, h.id, h.name, iv.number,
  (SELECT json_agg(u.first_name || ' ' || u.last_name) FROM conversations_conversation_workers w
     JOIN accounts_user u ON u.id = w.user_id WHERE w.conversation_id = c.id),
  (SELECT json_agg(json_build_object('id', i.id, 'person', p.id, 'given', p.given_names, 'family', p.family_name,
          'born', p.date_of_birth, 'by', i.answered_by, 'rung', i.rung, 'rung_na', i.rung_non_answer,
          'answers', (SELECT json_agg(json_build_object('d', da.domain_id, 's', da.score, 'na', da.non_answer,
                              'q', da.help_question, 't', da.help_question_text, 'note', da.note) ORDER BY da.id)
                        FROM conversations_domainanswer da WHERE da.interview_id = i.id),
          'cohesion', (SELECT json_agg(json_build_object('s', ca.statement_id, 'v', ca.value, 'na', ca.non_answer))
                        FROM conversations_cohesionanswer ca WHERE ca.interview_id = i.id),
          'consents', (SELECT json_agg(json_build_object('purpose', pc.purpose, 'org', pc.organisation_id,
                              'on', pc.given_on)) FROM privacy_consent pc
                        WHERE pc.person_id = p.id AND pc.withdrawn_on IS NULL))
          ORDER BY p.date_of_birth, i.id)
     FROM conversations_interview i JOIN registry_person p ON p.id = i.person_id WHERE i.conversation_id = c.id),
  (SELECT row_to_json(ha) FROM conversations_housinganswer ha WHERE ha.conversation_id = c.id),
  (SELECT json_agg(hd.defectcategory_id) FROM conversations_housinganswer ha2
     JOIN conversations_housinganswer_defects hd ON hd.housinganswer_id = ha2.id WHERE ha2.conversation_id = c.id),
  (SELECT json_agg(json_build_object('person', p.id, 'given', p.given_names, 'relation', m.relation))
     FROM registry_householdmembership m JOIN registry_person p ON p.id = m.person_id
    WHERE m.household_id = h.id AND {CURRENT_M}),
  (SELECT json_agg(json_build_object('street', s.name, 'nr', a.huisnummer, 'postcode', a.postcode, 'area', ar.name))
     FROM registry_householdresidence r JOIN registry_address a ON a.id = r.address_id
     JOIN registry_street s ON s.id = a.street_id JOIN registry_area ar ON ar.id = a.area_id
    WHERE r.household_id = h.id AND {CURRENT_R}),
  (SELECT json_agg(json_build_object('kind', ms.kind, 'at', ms.raised_at)) FROM conversations_meldcodesignal ms
    WHERE ms.conversation_id = c.id)
FROM conversations_conversation c
JOIN registry_household h ON h.id = c.household_id
JOIN conversations_instrumentversion iv ON iv.id = c.instrument_version_id
WHERE c.id = %(conversation)s AND {IN_PROGRAMME_HOUSEHOLD.format(household="h.id")}
"""

# The caseload's lists: my open trajectories (50, and their number), overdue actions, measurements
# due, quiet trajectories, unacknowledged meldcode signals of the programme.
FLOOR_CASELOAD = """
WITH mine AS (
    SELECT t.id, t.status, t.last_activity_at, t.next_measurement_on, t.person_id
    FROM trajectories_trajectory t
    WHERE t.case_manager_id = %(user)s AND t.programme_id = %(programme)s AND t.status <> 'closed'
)
SELECT 'list', (SELECT json_agg(x) FROM (SELECT mine.id, mine.status, p.given_names, p.family_name FROM mine
                JOIN registry_person p ON p.id = mine.person_id ORDER BY mine.status, mine.last_activity_at DESC
                LIMIT 50) x),
       (SELECT count(*) FROM mine),
       (SELECT json_agg(x) FROM (SELECT ac.id, ac.description, ac.due_date, p.family_name, u.last_name
                FROM trajectories_action ac JOIN mine ON mine.id = ac.trajectory_id
                JOIN registry_person p ON p.id = mine.person_id JOIN accounts_user u ON u.id = ac.owner_id
                WHERE ac.status = 'open' AND ac.due_date < CURRENT_DATE ORDER BY ac.due_date, ac.id LIMIT 50) x),
       (SELECT json_agg(x) FROM (SELECT mine.id, mine.next_measurement_on, p.family_name FROM mine
                JOIN registry_person p ON p.id = mine.person_id WHERE mine.next_measurement_on <= CURRENT_DATE
                ORDER BY mine.next_measurement_on LIMIT 50) x),
       (SELECT json_agg(x) FROM (SELECT mine.id, mine.last_activity_at, p.family_name FROM mine
                JOIN registry_person p ON p.id = mine.person_id
                WHERE mine.last_activity_at < now() - interval '42 days' ORDER BY mine.last_activity_at LIMIT 50) x),
       (SELECT json_agg(x) FROM (SELECT ms.id, ms.kind, ms.raised_at, h.name FROM conversations_meldcodesignal ms
                JOIN conversations_conversation c ON c.id = ms.conversation_id
                JOIN registry_household h ON h.id = c.household_id
                WHERE ms.acknowledged_at IS NULL AND EXISTS (SELECT 1 FROM registry_householdresidence r2
                    JOIN registry_address a2 ON a2.id = r2.address_id JOIN registry_area ar2 ON ar2.id = a2.area_id
                    WHERE r2.household_id = h.id AND ar2.programme_id = %(programme)s)
                ORDER BY ms.raised_at LIMIT 50) x)
"""

# One page (25) of the partner's inbox, with the total: referrals to the user's organisation with an
# active grant, optionally of one status, priority first and by due date.
FLOOR_INBOX = """
WITH r AS MATERIALIZED (
    SELECT rf.id, rf.person_id, rf.domain_id, rf.assigned_to_id, rf.status, rf.priority, rf.answer_due_on, rf.sent_at
    FROM referrals_referral rf
    WHERE rf.organisation_id = %(organisation)s AND rf.status = ANY(%(statuses)s)
      AND EXISTS (SELECT 1 FROM privacy_accessgrant g WHERE g.reason_type = 'referral' AND g.reason_id = rf.id
                  AND g.organisation_id = %(organisation)s AND g.revoked_at IS NULL
                  AND (g.valid_until IS NULL OR g.valid_until > now()))
)
SELECT pg.id, pg.status, pg.priority, pg.answer_due_on, pg.sent_at, p.given_names, p.family_name, p.date_of_birth,
       d.name_nl, u.last_name, (SELECT count(*) FROM r) AS total
FROM (SELECT * FROM r ORDER BY priority DESC, answer_due_on, sent_at DESC, id DESC LIMIT 25 OFFSET %(offset)s) pg
JOIN registry_person p ON p.id = pg.person_id
JOIN conversations_domain d ON d.id = pg.domain_id
LEFT JOIN accounts_user u ON u.id = pg.assigned_to_id
ORDER BY pg.priority DESC, pg.answer_due_on, pg.sent_at DESC, pg.id DESC
"""

# The API's inbox: the same referrals, newest first by id (its cursor), one page of 25.
FLOOR_API_INBOX = """
SELECT rf.id, rf.status, rf.priority, rf.answer_due_on, rf.sent_at, p.given_names, p.family_name, d.name_nl,
       u.last_name, (SELECT max(e.at) FROM referrals_referralevent e WHERE e.referral_id = rf.id)
FROM referrals_referral rf
JOIN registry_person p ON p.id = rf.person_id
JOIN conversations_domain d ON d.id = rf.domain_id
LEFT JOIN accounts_user u ON u.id = rf.assigned_to_id
WHERE rf.organisation_id = %(organisation)s AND rf.status = ANY(%(statuses)s)
  AND EXISTS (SELECT 1 FROM privacy_accessgrant g WHERE g.reason_type = 'referral' AND g.reason_id = rf.id
              AND g.organisation_id = %(organisation)s AND g.revoked_at IS NULL
              AND (g.valid_until IS NULL OR g.valid_until > now()))
ORDER BY rf.id DESC LIMIT 26
"""

# The referral as the partner sees it: what it shares of the person, the current address, the case
# manager's contact, its events.
FLOOR_REFERRAL = f"""
SELECT rf.id, rf.status, rf.question, rf.priority, rf.answer_due_on, rf.sent_at, rf.code, rf.version,
       p.given_names, p.tussenvoegsel, p.family_name, p.date_of_birth, p.phone, d.name_nl, o.name,
       cm.first_name, cm.last_name, cm.email, cm.phone,
       (SELECT json_build_object('street', s.name, 'nr', a.huisnummer, 'postcode', a.postcode, 'place', a.woonplaats)
          FROM registry_householdmembership m JOIN registry_householdresidence r ON r.household_id = m.household_id
          JOIN registry_address a ON a.id = r.address_id JOIN registry_street s ON s.id = a.street_id
         WHERE m.person_id = p.id AND m.end_date IS NULL AND {CURRENT_R} ORDER BY r.start_date DESC LIMIT 1),
       (SELECT json_agg(json_build_object('from', e.from_status, 'to', e.to_status, 'at', e.at, 'code', e.code)
               ORDER BY e.at, e.id) FROM referrals_referralevent e WHERE e.referral_id = rf.id)
FROM referrals_referral rf
JOIN registry_person p ON p.id = rf.person_id
JOIN conversations_domain d ON d.id = rf.domain_id
JOIN accounts_organisation o ON o.id = rf.organisation_id
JOIN trajectories_trajectory t ON t.id = rf.trajectory_id
JOIN accounts_user cm ON cm.id = t.case_manager_id
WHERE rf.id = %(referral)s AND rf.organisation_id = %(organisation)s
  AND EXISTS (SELECT 1 FROM privacy_accessgrant g WHERE g.reason_type = 'referral' AND g.reason_id = rf.id
              AND g.organisation_id = %(organisation)s AND g.revoked_at IS NULL)
"""


def _agenda(pool: Pool, i: int, rng: random.Random):
    """A day (two in three) or a week of the bench fieldworker's agenda, in the coming weeks."""
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    day = today + datetime.timedelta(days=rng.randint(0, 6 * 7))
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    view = "week" if i % 3 == 2 else "day"
    days = 1
    if view == "week":
        day -= datetime.timedelta(days=day.weekday())
        days = 7
    base = pool.url("outreach:agenda")
    if base is None:
        return None, {}
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    params = {"worker": pool.users["fieldworker"], "begin": begin, "end": begin + datetime.timedelta(days=days)}
    return f"{base}?{urllib.parse.urlencode({'date': day.isoformat(), 'view': view})}", params


def _walking_list(pool: Pool, i: int, rng: random.Random):
    area_id, street_id = rng.choice(pool.streets)
    path = pool.url("outreach:walking_list", slug=pool.slug, area_id=area_id, street_id=street_id)
    return path, {"area": area_id, "street": street_id}


def _conversation(pool: Pool, i: int, rng: random.Random):
    if not pool.conversations:
        return None, {}
    conversation_id = pool.conversations[i % len(pool.conversations)]
    return pool.url("conversations:conversation", pk=conversation_id), {"conversation": conversation_id}


def _caseload(pool: Pool, i: int, rng: random.Random):
    return pool.url("trajectories:caseload"), {"user": pool.users["case_manager"]}


def _inbox(pool: Pool, i: int, rng: random.Random):
    """The first page mostly; now and then one status, or a later page."""
    base = pool.url("referrals:inbox")
    if base is None:
        return None, {}
    status = "" if i % 3 else rng.choice(["sent", "accepted", "in_progress", "completed"])
    page = 1 if i % 4 else rng.randint(2, 4)
    query = {k: v for k, v in (("status", status), ("page", page if page > 1 else "")) if v}
    path = f"{base}?{urllib.parse.urlencode(query)}" if query else base
    statuses = (
        [status] if status else ["sent", "accepted", "declined", "in_progress", "completed", "returned", "withdrawn"]
    )
    return path, {"organisation": pool.partner_organisation, "statuses": statuses, "offset": (page - 1) * 25}


def _referral(pool: Pool, i: int, rng: random.Random):
    if not pool.referrals:
        return None, {}
    referral_id = pool.referrals[i % len(pool.referrals)]
    return pool.url("referrals:referral", pk=referral_id), {
        "referral": referral_id,
        "organisation": pool.partner_organisation,
    }


def _api_inbox(pool: Pool, i: int, rng: random.Random):
    """The API inbox (stijging.api): the first page mostly; now and then one status."""
    base = pool.url("api:inbox")
    if base is None:
        return None, {}
    status = "" if i % 3 else rng.choice(["sent", "accepted", "in_progress", "completed"])
    path = f"{base}?{urllib.parse.urlencode({'status': status})}" if status else base
    statuses = (
        [status] if status else ["sent", "accepted", "declined", "in_progress", "completed", "returned", "withdrawn"]
    )
    return path, {"organisation": pool.partner_organisation, "statuses": statuses}


def _api_referral(pool: Pool, i: int, rng: random.Random):
    if not pool.referrals:
        return None, {}
    referral_id = pool.referrals[i % len(pool.referrals)]
    return pool.url("api:referral", pk=referral_id), {
        "referral": referral_id,
        "organisation": pool.partner_organisation,
    }


def _areas(pool: Pool) -> list[int]:
    return sorted({area_id for area_id, _street in pool.streets})


def _street_index(pool: Pool, i: int, rng: random.Random):
    area_id = rng.choice(_areas(pool))
    base = pool.url("monitoring:cohesion", slug=pool.slug)
    return (f"{base}?area={area_id}" if base else None), {"area": area_id}


def _housing(pool: Pool, i: int, rng: random.Random):
    area_id = rng.choice(_areas(pool))
    base = pool.url("monitoring:housing", slug=pool.slug)
    return (f"{base}?area={area_id}" if base else None), {"area": area_id}


def _period_keys(pool: Pool) -> list[str]:
    """The periods the figure pages offer besides the programme so far: its quarters and years."""
    from stijging.monitoring import periods
    from stijging.registry.models import Programme

    programme = Programme.objects.get(pk=pool.programme_id)
    return [choice.key for choice in periods.choices(programme) if choice.key != periods.ALL]


def _filtered(url_name: str) -> Sampler:
    """A figure page with a period and an area chosen as a manager would (issue 14, item 7): a past
    quarter or a year and one area, in the URL. Such a combination is not what the tick keeps."""

    def sampler(pool: Pool, i: int, rng: random.Random):
        area_id = rng.choice(_areas(pool))
        period = rng.choice(_period_keys(pool))
        base = pool.url(url_name, slug=pool.slug)
        query = urllib.parse.urlencode({"period": period, "area": area_id})
        return (f"{base}?{query}" if base else None), {"area": area_id, "programme": pool.programme_id}

    return sampler


def build_filtered_pages() -> list[Page]:
    """The figure pages with a period and an area filter (--with-filtered); not in the default mix, so
    the default mix's figures stay comparable with earlier notes."""
    return [
        Page(
            "home-filtered",
            "programme home, period + area",
            1,
            "manager",
            _filtered("monitoring:programme"),
            FLOOR_PROGRAMME,
        ),
        Page(
            "cohesion-filtered",
            "cohesion, period + area",
            1,
            "manager",
            _filtered("monitoring:cohesion"),
            FLOOR_STREET_INDEX,
        ),
        Page(
            "housing-filtered", "housing, period + area", 1, "manager", _filtered("monitoring:housing"), FLOOR_HOUSING
        ),
    ]


def build_pages() -> list[Page]:
    return [
        Page("programme", "programme home", 1, "manager", _programme, FLOOR_PROGRAMME),
        Page("street", "street", 3, "fieldworker", _street, FLOOR_STREET),
        Page("household", "household", 3, "fieldworker", _household, FLOOR_HOUSEHOLD),
        Page("person", "person", 3, "fieldworker", _person, FLOOR_PERSON),
        Page("search-postcode", "search: postcode", 1, "fieldworker", _search_postcode, FLOOR_SEARCH_POSTCODE),
        Page("search-street", "search: street + nr", 1, "fieldworker", _search_street, FLOOR_SEARCH_STREET),
        Page("search-name", "search: name", 1, "fieldworker", _search_name, FLOOR_SEARCH_NAME),
        Page("agenda", "agenda", 2, "fieldworker", _agenda, FLOOR_AGENDA),
        Page("walking-list", "walking list", 1, "fieldworker", _walking_list, FLOOR_WALKING_LIST),
        Page("conversation", "conversation", 3, "fieldworker", _conversation, FLOOR_CONVERSATION),
        Page("caseload", "caseload", 2, "case_manager", _caseload, FLOOR_CASELOAD),
        Page("inbox", "partner inbox", 2, "partner", _inbox, FLOOR_INBOX),
        Page("referral", "referral (partner)", 2, "partner", _referral, FLOOR_REFERRAL),
        Page("api-inbox", "API: referral inbox", 2, API_ROLE, _api_inbox, FLOOR_API_INBOX),
        Page("api-referral", "API: referral", 2, API_ROLE, _api_referral, FLOOR_REFERRAL),
        Page("street-index", "cohesion per street", 1, "coordinator", _street_index, FLOOR_STREET_INDEX),
        Page("housing", "housing signals", 1, "manager", _housing, FLOOR_HOUSING),
    ]


def page_user(programme_slug: str, role: str):
    """Who opens a role's pages: the bench user of the role, or else (the demo) the role's first user."""
    from stijging.accounts.models import Membership
    from stijging.demo.generate import bench_email

    memberships = Membership.objects.filter(programme__slug=programme_slug, role=role).select_related("user")
    chosen = (
        memberships.filter(user__email=bench_email(role, programme_slug)).first()
        or memberships.order_by("user_id").first()
    )
    if chosen is None:
        raise SystemExit(f"No {role} in programme {programme_slug!r}.")
    return chosen.user


def api_token(programme_slug: str) -> str:
    """A token for the API pages: a new client of the bench partner's organisation in the programme,
    with the scope `referrals`, made by the programme's admin through the service (as `stijging
    api_client create` does) and approved by a second admin (`api_client approve`). The server counts
    its requests against STIJGING_API_RATE."""
    from stijging.api import services
    from stijging.demo.generate.registry import bench_second_admin
    from stijging.registry.models import Programme

    partner = page_user(programme_slug, "partner")
    programme = Programme.objects.get(slug=programme_slug)
    client, token = services.api_client_create(
        acting_user=page_user(programme_slug, "admin"),
        name=f"benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}",
        organisation=partner.organisation,
        programmes=[programme],
        scopes=["referrals"],
    )
    # A client works once a second admin approved it (issue 15).
    services.api_client_approve(acting_user=bench_second_admin(programme), client=client, version=client.version)
    return token


def sessions_for(target, pages: list[Page], programme_slug: str, password: str) -> dict[str, dict[str, str]]:
    """Per role of the pages: a logged-in cookie jar, or for the API pages a client's token."""
    from stijging.demo.generate import BENCH_TOTP_SECRET, bench_email

    sessions = {}
    for role in {p.role for p in pages}:
        if role == API_ROLE:
            sessions[role] = {BEARER: api_token(programme_slug)}
        else:
            sessions[role] = login(target, bench_email(role, programme_slug), password, BENCH_TOTP_SECRET)
    return sessions


def pick_samples(pages: list[Page], programme_slug: str, count: int, seed: int) -> int:
    """Choose `count` random objects per page (seeded: every run opens the same ones)."""
    from stijging.registry.models import Address, HouseholdMembership, HouseholdResidence, Person, Programme

    rng = random.Random(seed)
    programme = Programme.objects.get(slug=programme_slug)
    households = list(
        HouseholdResidence.objects.filter(end_date__isnull=True, address__area__programme=programme)
        .order_by("household_id")
        .values_list("household_id", flat=True)
    )
    chosen = rng.sample(households, min(len(households), count))
    members = defaultdict(list)
    for household_id, person_id in (
        HouseholdMembership.objects.filter(household_id__in=chosen, end_date__isnull=True)
        .order_by("household_id", "person_id")
        .values_list("household_id", "person_id")
    ):
        members[household_id].append(person_id)
    person_ids = [rng.choice(members[h]) for h in chosen if members[h]]
    persons_by_id = Person.objects.in_bulk(person_ids)
    addresses = list(
        Address.objects.filter(residences__household_id__in=chosen, residences__end_date__isnull=True)
        .select_related("street")
        .order_by("pk")
    )
    rng.shuffle(addresses)
    pool = Pool(
        programme_id=programme.pk,
        slug=programme_slug,
        streets=list(
            Address.objects.filter(area__programme=programme)
            .values_list("area_id", "street_id")
            .distinct()
            .order_by("area_id", "street_id")
        ),
        households=chosen,
        persons=[persons_by_id[pk] for pk in person_ids],
        addresses=addresses,
    )
    _pick_care_samples(pool, programme, chosen, count, rng)
    for page in pages:
        page.samples = []
        page_rng = random.Random(f"{seed}:{page.key}")
        for i in range(count):
            path, params = page.sampler(pool, i, page_rng)
            if path is None:
                break
            page.samples.append(Sample(path, {"programme": programme.pk, **params}))
    return programme.pk


def _pick_care_samples(pool: Pool, programme, households: list[int], count: int, rng: random.Random) -> None:
    """The users who open the outreach, caseload and partner pages; the conversations of the chosen
    households; random referrals of the partner user's organisation that the partner can open."""
    from stijging.conversations.models import Conversation
    from stijging.privacy.models import AccessGrant
    from stijging.referrals.models import Referral

    for role in ("fieldworker", "case_manager", "partner"):
        with contextlib.suppress(SystemExit):
            pool.users[role] = page_user(pool.slug, role).pk
    pool.conversations = list(
        Conversation.objects.filter(household_id__in=households).order_by("pk").values_list("pk", flat=True)
    )
    if "partner" in pool.users:
        from stijging.accounts.models import User

        organisation = User.objects.get(pk=pool.users["partner"]).organisation_id
        if organisation is None:
            return
        pool.partner_organisation = organisation
        granted = AccessGrant.objects.active().filter(reason_type="referral", organisation_id=organisation)
        referrals = list(
            Referral.objects.filter(
                programme=programme, organisation_id=organisation, pk__in=granted.values("reason_id")
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        pool.referrals = rng.sample(referrals, min(len(referrals), count))


# --- The workloads ----------------------------------------------------------------------------------


@dataclass
class Result:
    page: str
    scheduled: float  # seconds since the start
    latency: float  # seconds, from the scheduled send (open loop) or the send (closed loop)
    ok: bool
    status: int


def _one(target: Target, page: Page, sample: Sample, sessions: dict, started: float, scheduled: float) -> Result:
    try:
        response = request(target, "GET", sample.path, sessions[page.role])
        status = response.status
    except Exception:  # noqa: BLE001 - a refused or timed-out request is an error in the table, not a crash
        status = 0
    done = time.perf_counter()
    return Result(page.name, scheduled, done - (started + scheduled), status == 200, status)


def _mix(pages: list[Page], rng: random.Random, count: int) -> list[tuple[Page, Sample]]:
    live = [p for p in pages if p.samples]
    chosen = rng.choices(live, weights=[p.weight for p in live], k=count)
    return [(page, rng.choice(page.samples)) for page in chosen]


def run_latency(
    target, pages, sessions, *, rate: float, warmup: float, duration: float, seed: int, grace: float = 30.0
) -> list[Result]:
    """Open loop: request i leaves at i / rate seconds, whether or not earlier ones came back. A
    request still unanswered `grace` seconds after the last one left counts as an error."""
    total = min(int(rate * (warmup + duration)), MAX_REQUESTS)
    plan = _mix(pages, random.Random(seed), total)
    results: list[Result] = []
    lock = threading.Lock()

    def fire(page, sample, scheduled, started):
        result = _one(target, page, sample, sessions, started, scheduled)
        with lock:
            results.append(result)

    pool = ThreadPoolExecutor(max_workers=max(8, int(rate * 2)))
    futures = {}
    started = time.perf_counter()
    for i, (page, sample) in enumerate(plan):
        scheduled = i / rate
        delay = started + scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures[pool.submit(fire, page, sample, scheduled, started)] = (page, scheduled)
    wait(futures, timeout=grace)
    pool.shutdown(wait=False, cancel_futures=True)
    with lock:
        answered = list(results)
    for future, (page, scheduled) in futures.items():
        if not future.done() or future.cancelled():
            answered.append(Result(page.name, scheduled, float("nan"), False, 0))
    return [r for r in answered if r.scheduled >= warmup]


class TickBeside:
    """`stijging tick` every `every` seconds in its own process while a workload runs, as cron runs it
    in production: the tick's work (sealing the audit events the pages write, renewing the kept
    figures) competes with the pages for the same cores. Records each run's seconds and steps."""

    def __init__(self, every: float):
        self.every = every
        self.runs: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                self.runs.append(run_tick())
            except RuntimeError as error:  # a failed run is a figure too
                self.runs.append((time.perf_counter() - started, f"failed: {error}"[:300]))
            self._stop.wait(max(0.0, self.every - (time.perf_counter() - started)))

    def __enter__(self) -> TickBeside:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=600)


def settle(target: Target, limit: float = 180.0) -> float:
    """Wait until the server answers /health/ quickly again (a workload can leave a backlog behind)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        t = time.perf_counter()
        with contextlib.suppress(OSError):
            request(target, "GET", "/health/", timeout=limit)
        if time.perf_counter() - t < 0.2:
            break
        time.sleep(1)
    return time.perf_counter() - started


def run_capacity(target, pages, sessions, *, clients: int, warmup: float, duration: float, seed: int):
    """Closed loop: each client sends its next request as soon as the previous one came back."""
    plan = _mix(pages, random.Random(seed + 1), MAX_REQUESTS)
    position = iter(range(len(plan)))
    lock = threading.Lock()
    results: list[Result] = []
    started = time.perf_counter()
    stop_at = started + warmup + duration

    def client():
        while time.perf_counter() < stop_at:
            with lock:
                index = next(position, None)
            if index is None:
                return
            page, sample = plan[index]
            sent = time.perf_counter() - started
            result = _one(target, page, sample, sessions, started, sent)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + duration + 60)
    # Only requests sent and answered inside the measured window count.
    window_end = warmup + duration
    measured = [r for r in results if r.scheduled >= warmup and r.scheduled + r.latency <= window_end]
    return measured, duration


def run_floor(target, pages, sessions, programme_id: int, per_page: int) -> dict[str, tuple[float, float, int]]:
    """Per page: p50 of the page (one request at a time) and of its one-query floor, same objects."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("The floor needs PostgreSQL (psycopg): set DATABASE_URL to the benchmark database.")
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    figures = {}
    # No server-side prepared statements, as in the app (Django does not prepare): after five runs psycopg
    # would prepare, and PostgreSQL's generic plan for a LIKE pattern can be a walk over a whole index.
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SET pg_trgm.similarity_threshold = 0.2")  # as the app sets per connection
        for page in pages:
            samples = page.samples[:per_page]
            if not samples:
                continue
            page_times, floor_times = [], []
            for sample in samples:
                t = time.perf_counter()
                response = request(target, "GET", sample.path, sessions[page.role])
                page_times.append(time.perf_counter() - t)
                if response.status != 200:
                    raise RuntimeError(f"{page.name}: HTTP {response.status} for {sample.path}")
            for sample in samples:  # the same objects, now through one query each
                t = time.perf_counter()
                conn.execute(page.floor_sql, sample.params).fetchall()
                floor_times.append(time.perf_counter() - t)
            figures[page.name] = (statistics.median(page_times), statistics.median(floor_times), len(samples))
    return figures


def _cpu_ticks(pids: set[int]) -> dict[int, int]:
    """utime + stime per process, in clock ticks (a process that has ended is left out)."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return ticks


def _spent(before: dict[int, int], after: dict[int, int]) -> int:
    """Ticks spent between two readings: a process that appeared counts from zero; one that ended in
    between loses only its last moments (it is not in `after`)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items())


def _server_pids(server_pid: int) -> set[int]:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return {int(pid) for pid in children}


def run_cpu(target, pages, sessions, server_pid: int, per_page: int) -> dict[str, tuple[float, float, int]]:
    """Per page: the CPU time one request costs the server's workers and the database's backends,
    from /proc, one request at a time. Unlike requests per second this hardly depends on what else
    the machine is doing, so a before/after comparison holds on a busy machine; cores ÷ the mix's
    CPU per request bounds the capacity from above."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    tick = os.sysconf("SC_CLK_TCK")
    figures = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:

        def backends() -> set[int]:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            return {row[0] for row in rows}

        for page in pages:
            samples = page.samples[:per_page]
            if not samples:
                continue
            request(target, "GET", samples[0].path, sessions[page.role])  # warm
            server, database = _server_pids(server_pid), backends()
            server_before, database_before = _cpu_ticks(server), _cpu_ticks(database)
            for sample in samples:
                response = request(target, "GET", sample.path, sessions[page.role])
                if response.status != 200:
                    raise RuntimeError(f"{page.name}: HTTP {response.status} for {sample.path}")
            server_after = _cpu_ticks(server | _server_pids(server_pid))
            database_after = _cpu_ticks(database | backends())
            n = len(samples)
            figures[page.name] = (
                _spent(server_before, server_after) / tick / n,
                _spent(database_before, database_after) / tick / n,
                n,
            )
    return figures


def run_queries(pages, programme_slug: str, per_page: int) -> dict[str, dict]:
    """Queries per page through Django's test client in this process (after one warm-up request)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # The server side of MFA costs no query once the session knows (see RequireMFAMiddleware); the demo
    # users have no TOTP, so the in-process client skips it for a like-for-like count at both sizes.
    settings.STIJGING_REQUIRE_MFA = False
    clients: dict[str, Client] = {}
    for role in {page.role for page in pages}:
        if role == API_ROLE:
            clients[role] = Client(headers={"Authorization": f"Bearer {api_token(programme_slug)}"})
            continue
        client = Client()
        client.force_login(page_user(programme_slug, role))
        clients[role] = client
    figures = {}
    for page in pages:
        counts, sql_times, totals = [], [], []
        for sample in page.samples[:per_page]:
            client = clients[page.role]
            client.get(sample.path)  # warm: caches, the session's first write
            with CaptureQueriesContext(connection) as captured:
                t = time.perf_counter()
                response = client.get(sample.path)
                totals.append(time.perf_counter() - t)
            if response.status_code != 200:
                raise RuntimeError(f"{page.name}: HTTP {response.status_code} for {sample.path}")
            counts.append(len(captured))
            sql_times.append(sum(float(q["time"]) for q in captured.captured_queries))
        if counts:
            figures[page.name] = {
                "min": min(counts),
                "max": max(counts),
                "sql": statistics.median(sql_times),
                "total": statistics.median(totals),
                "n": len(counts),
            }
    return figures


def run_tick() -> tuple[float, str]:
    """`stijging tick` once, as cron runs it (its own process, this environment): the wall time and
    what each step reports. It changes data: newly overdue referrals are escalated, e-mail queued
    and sent (to the console unless EMAIL_BACKEND says otherwise), audit events sealed."""
    import subprocess

    command = Path(sys.executable).with_name("stijging")
    started = time.perf_counter()
    done = subprocess.run([str(command), "tick"], capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"stijging tick failed: {done.stderr[-2000:]}")
    from stijging.core.tick import STEPS

    names = {name for name, _step in STEPS}
    steps = [line for line in done.stdout.splitlines() if line.split(":", 1)[0] in names]
    return seconds, "; ".join(steps)


# --- Reporting ------------------------------------------------------------------------------------


def _errors(rows: list[Result]) -> str:
    """The number of errors, and by kind: the HTTP status, or 'none' for no answer in time."""
    kinds: dict[str, int] = defaultdict(int)
    for row in rows:
        if not row.ok:
            kinds[str(row.status) if row.status else "none"] += 1
    total = sum(kinds.values())
    detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items()))
    return f"{total} ({detail})" if total else "0"


def _print_ticks(out, ticks) -> None:
    """The runs of `stijging tick` beside a workload (--tick-every), if any."""
    if not isinstance(ticks, TickBeside):
        return
    out("`stijging tick` beside it:\n")
    out("| run | seconds | steps |")
    out("|---:|---:|---|")
    for number, (seconds, steps) in enumerate(ticks.runs, start=1):
        out(f"| {number} | {seconds:.1f} | {steps} |")
    out("")


def by_page(results: list[Result]) -> dict[str, list[Result]]:
    grouped: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        grouped[result.page].append(result)
    return grouped


def _context(programme_slug: str) -> str:
    from django.db import connection

    from stijging.registry.models import Household, Person

    households = Household.objects.filter(residences__address__area__programme__slug=programme_slug).distinct()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"database: {connection.vendor} `{connection.settings_dict['NAME']}`; programme `{programme_slug}`: "
        f"{households.count():,} households; all persons in the database: {Person.objects.count():,}; "
        f"load average before: {load}; {os.cpu_count()} cores"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8001", help="the server (loopback only)")
    parser.add_argument("--programme", default="regio", help="slug of the programme whose objects are opened")
    parser.add_argument("--only", choices=["latency", "capacity", "floor", "queries", "tick", "cpu"], action="append")
    parser.add_argument("--tick-runs", type=int, default=2, help="how many times --only tick runs `stijging tick`")
    parser.add_argument(
        "--tick-every",
        type=float,
        default=0,
        help="run `stijging tick` every N seconds beside the latency and capacity workloads, as cron would (0: not)",
    )
    parser.add_argument("--pages", help="comma-separated page keys to run (default: all); see --list-pages")
    parser.add_argument("--list-pages", action="store_true")
    parser.add_argument(
        "--with-filtered",
        action="store_true",
        help="add the figure pages with a period and area filter (issue 14) to the pages",
    )
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per workload")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring")
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second of the latency workload")
    parser.add_argument("--clients", type=int, default=20, help="closed-loop clients of the capacity workload")
    parser.add_argument("--samples", type=int, default=200, help="random objects per page")
    parser.add_argument("--floor-samples", type=int, default=30, help="objects per page timed for the floor")
    parser.add_argument("--query-samples", type=int, default=5, help="objects per page counted for queries")
    parser.add_argument("--cpu-samples", type=int, default=60, help="objects per page for the CPU per request")
    parser.add_argument(
        "--server-pid", type=int, default=0, help="gunicorn's master for --only cpu (default: from $STIJGING_VAR_DIR)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--password", default=None, help="of the bench users (default: the generator's)")
    args = parser.parse_args(argv)
    if args.list_pages:
        for page in build_pages() + build_filtered_pages():
            print(f"{page.key:<16} {page.name} (weight {page.weight}, as {page.role})")
        return 0
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 120 and 0 < args.rate <= 500 and 0 < args.clients <= 100):
        raise SystemExit("Out of bounds: duration ≤ 600 s, warm-up ≤ 120 s, rate ≤ 500/s, clients ≤ 100.")
    workloads = args.only or ["queries", "floor", "latency", "capacity"]  # tick only when asked: it changes data
    target = Target.parse(args.base_url)

    import django

    django.setup()
    from stijging.demo.generate import BENCH_PASSWORD

    pages = build_pages() + (build_filtered_pages() if args.with_filtered else [])
    if args.pages:
        wanted = {key.strip() for key in args.pages.split(",")}
        unknown = wanted - {page.key for page in pages}
        if unknown:
            raise SystemExit(f"Unknown page keys: {', '.join(sorted(unknown))} (see --list-pages).")
        pages = [page for page in pages if page.key in wanted]
    programme_id = pick_samples(pages, args.programme, args.samples, args.seed)
    skipped = [p.name for p in pages if not p.samples]
    pages = [p for p in pages if p.samples]
    out = functools.partial(print, flush=True)
    out(f"# Stijging benchmark, {time.strftime('%Y-%m-%d %H:%M')}\n")
    out(_context(args.programme) + "\n")
    out(f"`{' '.join(['benchmarks/run.py', *(argv if argv is not None else sys.argv[1:])])}`\n")
    if skipped:
        out(f"Pages not built yet, left out: {', '.join(skipped)}\n")

    if "queries" in workloads:
        figures = run_queries(pages, args.programme, args.query_samples)
        out("## Queries per page (Django test client, in process)\n")
        out("| page | queries | SQL time p50 (ms) | in-process p50 (ms) | objects |")
        out("|---|---:|---:|---:|---:|")
        for name, f in figures.items():
            count = str(f["min"]) if f["min"] == f["max"] else f"{f['min']}–{f['max']}"
            out(f"| {name} | {count} | {ms(f['sql'])} | {ms(f['total'])} | {f['n']} |")
        out("")

    if "tick" in workloads:
        out("## `stijging tick` over the data (one run after another; the first does the day's escalations)\n")
        out("| run | seconds | steps |")
        out("|---:|---:|---|")
        for number in range(1, max(1, min(args.tick_runs, 5)) + 1):
            seconds, steps = run_tick()
            out(f"| {number} | {seconds:.1f} | {steps} |")
        out("")

    if not [w for w in workloads if w not in ("queries", "tick")]:
        return 0
    password = args.password or BENCH_PASSWORD
    sessions = sessions_for(target, pages, args.programme, password)

    if "cpu" in workloads:
        settle(target)
        server_pid = args.server_pid or int(
            (Path(os.environ.get("STIJGING_VAR_DIR", "var/bench")) / "gunicorn.pid").read_text().strip()
        )
        figures = run_cpu(target, pages, sessions, server_pid, args.cpu_samples)
        out("## CPU per request (one at a time; server workers and database backends, from /proc)\n")
        out("| page | server CPU (ms) | database CPU (ms) | together (ms) | objects |")
        out("|---|---:|---:|---:|---:|")
        weight_total = cpu_mix = 0.0
        for page in pages:
            if page.name not in figures:
                continue
            server_s, database_s, n = figures[page.name]
            out(f"| {page.name} | {ms(server_s)} | {ms(database_s)} | {ms(server_s + database_s)} | {n} |")
            weight_total += page.weight
            cpu_mix += page.weight * (server_s + database_s)
        if weight_total:
            per_request = cpu_mix / weight_total
            cores = os.cpu_count() or 1
            out(
                f"\nThe page mix: **{ms(per_request)} ms CPU per request**; {cores} cores bound the capacity at "
                f"{cores / per_request:.0f} requests/s (the load client's own CPU not counted).\n"
            )

    if "floor" in workloads:
        settle(target)
        floors = run_floor(target, pages, sessions, programme_id, args.floor_samples)
        out("## Floor: the page against one hand-written SQL query (same objects, one at a time, no other load)\n")
        out("| page | page p50 (ms) | floor p50 (ms) | page ÷ floor | objects |")
        out("|---|---:|---:|---:|---:|")
        for name, (page_p50, floor_p50, n) in floors.items():
            out(f"| {name} | {ms(page_p50)} | {ms(floor_p50)} | {page_p50 / floor_p50:.1f}× | {n} |")
        out("")

    beside = f", `stijging tick` every {args.tick_every:g} s beside it" if args.tick_every > 0 else ""

    def ticking() -> contextlib.AbstractContextManager:
        return TickBeside(args.tick_every) if args.tick_every > 0 else contextlib.nullcontext()

    if "latency" in workloads:
        settle(target)
        with ticking() as ticks:
            results = run_latency(
                target, pages, sessions, rate=args.rate, warmup=args.warmup, duration=args.duration, seed=args.seed
            )
        out(
            f"## Latency: open loop at {args.rate:g} requests/s, {args.duration:g} s after {args.warmup:g} s warm-up"
            f"{beside}\n"
        )
        out("| page | requests | errors | p50 (ms) | p95 (ms) | p99 (ms) |")
        out("|---|---:|---:|---:|---:|---:|")
        grouped = by_page(results)
        for page in pages:
            rows = grouped.get(page.name, [])
            times = [r.latency for r in rows if r.ok]
            out(
                f"| {page.name} | {len(rows)} | {_errors(rows)} | {ms(percentile(times, 50))} | "
                f"{ms(percentile(times, 95))} | {ms(percentile(times, 99))} |"
            )
        times = [r.latency for r in results if r.ok]
        out(
            f"| **all** | {len(results)} | {sum(not r.ok for r in results)} | {ms(percentile(times, 50))} | "
            f"{ms(percentile(times, 95))} | {ms(percentile(times, 99))} |\n"
        )
        _print_ticks(out, ticks)

    if "capacity" in workloads:
        settle(target)
        with ticking() as ticks:
            results, seconds = run_capacity(
                target,
                pages,
                sessions,
                clients=args.clients,
                warmup=args.warmup,
                duration=args.duration,
                seed=args.seed,
            )
        ok = [r for r in results if r.ok]
        out(
            f"## Capacity: {args.clients} closed-loop clients, no think time, {args.duration:g} s after warm-up"
            f"{beside}\n"
        )
        out(f"**{len(ok) / seconds:.1f} requests/s** ({len(ok)} answered, {len(results) - len(ok)} errors)\n")
        out("| page | requests | errors | p50 (ms) | p95 (ms) |")
        out("|---|---:|---:|---:|---:|")
        grouped = by_page(results)
        for page in pages:
            rows = grouped.get(page.name, [])
            times = [r.latency for r in rows if r.ok]
            out(
                f"| {page.name} | {len(rows)} | {_errors(rows)} | {ms(percentile(times, 50))} | "
                f"{ms(percentile(times, 95))} |"
            )
        out("")
        _print_ticks(out, ticks)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    out(f"Load average after: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
