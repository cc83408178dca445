"""The `case`, `figures` and `addresses` scopes: reads through the apps' scopes, the household
registration through the registry's services, the figures through the disclosure layer, the BAG
import through registry.imports with its per-row report. Attacker first: another programme."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from stijging.privacy.models import AuditAction, AuditEvent
from stijging.registry.models import Address, Household, Person

from ..referrals.factories import send_referral
from ..registry.factories import AddressFactory
from ..trajectories.factories import trajectory_of
from .factories import api_client_of, http

PROBLEM = "application/problem+json"


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _events_since(last_id: int):
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


# --- case: reads ------------------------------------------------------------------------------------


def test_case_reads_only_its_programmes_households_persons_trajectories_and_referrals(world):
    own_trajectory = trajectory_of(world.own, world)
    trajectory_of(world.foreign, world)
    own_referral = send_referral(world.own, world)
    send_referral(world.foreign, world)
    client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    api = http(token)
    assert [h["id"] for h in api.get(reverse("api:households")).json()["results"]] == [world.own.household.pk]
    assert [t["id"] for t in api.get(reverse("api:trajectories")).json()["results"]] == [own_trajectory.pk]
    assert [r["id"] for r in api.get(reverse("api:case_referrals")).json()["results"]] == [own_referral.pk]
    household = api.get(reverse("api:household", args=[world.own.household.pk])).json()
    assert {m["name"] for m in household["members"]} == {"Anna Ownsen", "Bram Ownsen"}
    assert household["address"]["street"] == "Ownstraat"
    person = api.get(reverse("api:person", args=[world.own.adult.pk])).json()
    assert person["family_name"] == "Ownsen" and "bsn" not in person
    # The foreign programme's records: 404, audited.
    before = _last_id()
    assert api.get(reverse("api:household", args=[world.foreign.household.pk])).status_code == 404
    assert api.get(reverse("api:person", args=[world.foreign.adult.pk])).status_code == 404
    denied = [e for e in _events_since(before) if e.action == AuditAction.DENIED]
    assert len(denied) == 2 and all(e.actor_id == client.user_id for e in denied)


def test_case_reads_are_audited_with_the_client_as_actor(world):
    client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    api = http(token)
    before = _last_id()
    api.get(reverse("api:household", args=[world.own.household.pk]))
    api.get(reverse("api:person", args=[world.own.adult.pk]))
    events = _events_since(before)
    assert [(e.action, e.object_type) for e in events] == [
        (AuditAction.VIEW, "registry.household"),
        (AuditAction.VIEW, "registry.person"),
    ]
    assert set(events[0].person_ids) == {world.own.adult.pk, world.own.child.pk}
    assert all(e.actor_id == client.user_id and client.token_prefix in e.actor_label for e in events)


def test_a_partner_client_reads_no_case_data_and_a_case_client_no_inbox(world):
    send_referral(world.own, world)
    _partner, partner_token = api_client_of(world)
    _case, case_token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    assert http(partner_token).get(reverse("api:households")).status_code == 403
    assert http(case_token).get(reverse("api:inbox")).status_code == 403


# --- case: registering a household --------------------------------------------------------------------


def _new_household(address_id: int, **extra) -> dict:
    return {
        "name": "Familie Nieuwkomer",
        "address_id": address_id,
        "moved_in_on": "2026-11-01",
        "members": [
            {"given_names": "Sanne", "family_name": "Nieuwkomer", "date_of_birth": "1990-05-06", "relation": "head"},
            {"given_names": "Tim", "family_name": "Nieuwkomer", "date_of_birth": "2019-02-03", "relation": "child"},
        ],
        **extra,
    }


def test_a_case_system_registers_a_household_with_its_members_through_the_registry(world):
    client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    before = _last_id()
    response = http(token).post(reverse("api:households"), _new_household(world.own.empty_address.pk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {m["name"] for m in body["members"]} == {"Sanne Nieuwkomer", "Tim Nieuwkomer"}
    household = Household.objects.get(pk=body["id"])
    events = _events_since(before)
    assert [(e.action, e.object_type) for e in events if e.action == AuditAction.CREATE] == [
        (AuditAction.CREATE, "registry.household"),
        (AuditAction.CREATE, "registry.person"),
        (AuditAction.CREATE, "registry.person"),
    ]
    assert all(e.actor_id == client.user_id for e in events)
    # The project worker sees it in the web at once.
    web = Client()
    web.force_login(world.user("fieldworker"))
    assert "Familie Nieuwkomer" in web.get(reverse("registry:household", args=[household.pk])).content.decode()


def test_registering_at_a_foreign_address_is_404_and_writes_nothing(world):
    _client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    count = Household.objects.count()
    response = http(token).post(
        reverse("api:households"), _new_household(world.foreign.empty_address.pk), format="json"
    )
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert Household.objects.count() == count


def test_a_refused_member_leaves_no_household_behind(world):
    _client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    households, persons = Household.objects.count(), Person.objects.count()
    body = _new_household(world.own.empty_address.pk)
    body["members"][1]["date_of_birth"] = "2999-01-01"  # born in the future: the web form's rule refuses
    response = http(token).post(reverse("api:households"), body, format="json")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["members[1].date_of_birth"]
    assert (Household.objects.count(), Person.objects.count()) == (households, persons)


def test_registering_needs_at_least_one_member_and_a_valid_body(world):
    _client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    api = http(token)
    assert (
        api.post(
            reverse("api:households"), {**_new_household(world.own.empty_address.pk), "members": []}, format="json"
        ).status_code
        == 400
    )
    assert api.post(reverse("api:households"), {"name": "x"}, format="json").status_code == 400
    assert api.post(reverse("api:households"), "not json", content_type="application/json").status_code == 400


# --- figures --------------------------------------------------------------------------------------


def test_figures_come_through_the_disclosure_layer_small_counts_suppressed(world):
    _client, token = api_client_of(world, scopes=["figures"], name="Dashboard")
    response = http(token).get(reverse("api:figures", args=[world.own.programme.slug]))
    assert response.status_code == 200, response.content
    data = response.json()
    # One household in scope in the test world: under the threshold, so not shown to an aggregate reader.
    assert data["cards"]["in_scope"] == {"value": None, "state": "small", "threshold": 5}
    assert data["participation_rate"] is None
    assert data["period"]["key"] == "all"
    datetime.date.fromisoformat(data["period"]["start"])
    # Nothing of a person, and no special category (health, GGZ, police) for this reader.
    assert "Ownsen" not in response.content.decode()


def test_figures_of_another_programme_are_404_and_bad_filters_400(world):
    _client, token = api_client_of(world, scopes=["figures"], name="Dashboard")
    api = http(token)
    assert api.get(reverse("api:figures", args=[world.foreign.programme.slug])).status_code == 404
    assert api.get(reverse("api:figures", args=["no-such-programme"])).status_code == 404
    own = reverse("api:figures", args=[world.own.programme.slug])
    assert api.get(own, {"period": "1999-Q1"}).status_code == 400
    assert api.get(own, {"area": world.foreign.area.pk}).status_code == 400


# --- addresses ------------------------------------------------------------------------------------

HEADER = "openbareruimte;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaats;gemeente;provincie;object_id;object_type;nevenadres;x;y;lon;lat"


def _row(nr: str, obj: str, postcode: str = "5911AB") -> str:
    return f"Ownstraat;{nr};;;{postcode};Venlo;Venlo;Limburg;{obj};VBO;f;209000.5;376000.1;6.1;51.3"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _upload(api, site, data: bytes, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.post(
        reverse("api:address_import", args=[site.programme.slug, site.area.pk]),
        {"file": SimpleUploadedFile("bag.csv", data, content_type="text/csv"), **fields},
        format="multipart",
    )


def test_an_address_import_previews_then_imports_exactly_the_preview_with_its_row_report(world):
    client, token = api_client_of(world, scopes=["addresses"], name="BAG-koppeling")
    api = http(token)
    data = _csv(_row("21", "0983010000000021"), _row("23", "0983010000000023"), "Ownstraat;x;;;bad;;;;;;;;;;")
    preview = _upload(api, world.own, data, dry_run="true", valid_rows_only="true")
    assert preview.status_code == 200, preview.content
    report = preview.json()
    assert (report["accepted"], report["created"], report["committed"]) == (2, 2, False)
    assert [r["row"] for r in report["rejected"]] == [4]
    assert not Address.objects.filter(huisnummer=21, area=world.own.area).exists()
    before = _last_id()
    done = _upload(api, world.own, data, valid_rows_only="true", expected_plan=report["plan"])
    assert done.status_code == 200 and done.json()["committed"] is True
    assert Address.objects.filter(huisnummer__in=[21, 23], area=world.own.area).count() == 2
    assert [e.actor_id for e in _events_since(before)] == [client.user_id]


def test_an_address_import_into_a_foreign_area_is_404(world):
    _client, token = api_client_of(world, scopes=["addresses"], name="BAG-koppeling")
    response = _upload(http(token), world.foreign, _csv(_row("21", "0983010000000021", "5921AB")))
    assert response.status_code == 404
    assert not Address.objects.filter(huisnummer=21).exists()


def test_an_unreadable_file_is_a_clear_400(world):
    _client, token = api_client_of(world, scopes=["addresses"], name="BAG-koppeling")
    response = _upload(http(token), world.own, b"")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"


# --- Query counts -----------------------------------------------------------------------------------

AUTH = 3  # the token's client (with its service account and organisation) + the account's memberships
# + the client's "last used", written at most once a minute (here: the first request)


@pytest.mark.parametrize(
    "name,kwargs,limit",
    [
        ("api:households", {}, 2),  # page + audit
        ("api:trajectories", {}, 2),  # page (case manager joined) + audit
        ("api:case_referrals", {}, 2),  # page (organisation joined) + audit
        ("api:household", {"pk": "household"}, 4),  # household + residences + memberships + audit
        ("api:person", {"pk": "adult"}, 4),  # person + memberships + consents + audit
    ],
)
def test_case_queries(world, django_assert_max_num_queries, name, kwargs, limit):
    for _ in range(3):
        AddressFactory(street=world.own.street, area=world.own.area)
    trajectory_of(world.own, world)
    send_referral(world.own, world)
    _client, token = api_client_of(world, scopes=["case"], name="Zaaksysteem")
    api = http(token)
    url = reverse(name, kwargs={k: getattr(world.own, v).pk for k, v in kwargs.items()})
    with django_assert_max_num_queries(AUTH + limit):
        assert api.get(url).status_code == 200


def test_figures_queries(world, django_assert_max_num_queries, settings):
    _client, token = api_client_of(world, scopes=["figures"], name="Dashboard")
    api = http(token)
    url = reverse("api:figures", args=[world.own.programme.slug])
    settings.STIJGING_FIGURES_MAX_AGE = 1800
    api.get(url)  # the figures are kept (as `stijging tick` keeps them)
    # token (no memberships: figures need no role) + programme + the client's programmes + areas offered
    with django_assert_max_num_queries(AUTH + 6):
        assert api.get(url).status_code == 200
