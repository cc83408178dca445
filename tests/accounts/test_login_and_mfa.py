"""Login, logout, MFA, password reset, brute-force throttling, role changes and the production
guard rails (SPEC §2.8, ENGINEERING.md conventions 4 and 7)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.urls import reverse

from stijging.accounts import services
from stijging.accounts.models import Membership, OutgoingEmail
from stijging.privacy.models import AuditAction, AuditEvent, AuditOutcome
from stijging.registry.models import Programme

from ..conftest import PASSWORD
from .factories import UserFactory

SRC_DIR = Path(__file__).resolve().parents[2] / "src"
LOGIN_URL = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps its rate-limit counters in the default (LocMem) cache: start every test clean.
    cache.clear()
    yield
    cache.clear()


def event_text(event: AuditEvent) -> str:
    return json.dumps(model_to_dict(event), default=str)


# --- Login, failed login, logout --------------------------------------------------------------------


def test_logging_in_through_the_login_form_leaves_a_login_event(world, client):
    user = world.user("fieldworker")

    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == user
    assert event.actor_label == user.email
    assert event.role == "fieldworker"
    assert event.outcome == AuditOutcome.OK
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
    assert event.client_ip == "192.0.2.10"
    assert event.request_id
    assert event.path == LOGIN_URL


def test_a_failed_login_leaves_the_tried_email_and_never_the_password(world, client):
    user = world.user("fieldworker")
    wrong = "Wrong-Password-123!"

    response = client.post(LOGIN_URL, {"login": user.email, "password": wrong}, REMOTE_ADDR="192.0.2.11")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.outcome == AuditOutcome.FAILED
    assert event.actor is None
    assert event.detail["tried"] == user.email
    assert event.client_ip == "192.0.2.11"
    assert wrong not in event_text(event)
    assert PASSWORD not in event_text(event)
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_a_failed_login_for_an_unknown_address_is_logged_with_that_address(db, client):
    client.post(LOGIN_URL, {"login": "nobody@example.test", "password": "whatever-it-is"})
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.detail["tried"] == "nobody@example.test"
    assert "whatever-it-is" not in event_text(event)


def test_logging_out_leaves_a_logout_event(world, client):
    user = world.user("case_manager")
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action=AuditAction.LOGOUT)
    assert event.actor == user
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))


def test_an_inactive_user_cannot_log_in(world, client):
    user = world.user("fieldworker")
    user.is_active = False
    user.save()
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_nobody_can_sign_up_on_their_own(db, client):
    response = client.post(
        reverse("account_signup"), {"email": "self@example.test", "password1": "A-long-enough-pass-1"}
    )
    assert response.status_code in (200, 302, 403)
    from stijging.accounts.models import User

    assert not User.objects.filter(email="self@example.test").exists()


# --- Brute-force throttling -------------------------------------------------------------------------


def test_after_five_failed_logins_the_sixth_is_refused_even_with_the_right_password(world, client):
    user = world.user("fieldworker")
    for attempt in range(5):
        response = client.post(LOGIN_URL, {"login": user.email, "password": f"wrong-{attempt}"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()
    # The refused attempt is logged like the failed ones (never with the password).
    failed = list(AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id"))
    assert len(failed) == 6
    assert failed[-1].detail == {"tried": user.email, "reason": "rate_limited"}
    assert failed[-1].outcome == AuditOutcome.DENIED
    assert all(PASSWORD not in event_text(e) for e in failed)


def test_the_throttle_is_per_account_so_a_colleague_can_still_log_in(world, client):
    user = world.user("fieldworker")
    for attempt in range(5):
        client.post(LOGIN_URL, {"login": user.email, "password": f"wrong-{attempt}"}, REMOTE_ADDR="192.0.2.20")
    colleague = world.user("case_manager")
    client.post(LOGIN_URL, {"login": colleague.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.20")
    assert client.session.get("_auth_user_id") == str(colleague.pk)


def test_a_successful_login_does_not_reset_the_failure_count(world, client):
    # Otherwise an attacker could interleave a known account's logins with guesses.
    user = world.user("fieldworker")
    for attempt in range(4):
        client.post(LOGIN_URL, {"login": user.email, "password": f"wrong-{attempt}"})
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk)
    client.post(reverse("account_logout"))
    client.post(LOGIN_URL, {"login": user.email, "password": "wrong-again"})
    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


# --- MFA --------------------------------------------------------------------------------------------


def test_with_mfa_required_a_user_without_totp_is_sent_to_set_it_up(world, login, settings):
    settings.STIJGING_REQUIRE_MFA = True
    client = login(world.user("fieldworker"))
    # Without an invitation: to the page that says how to get one (the password alone enrols nothing).
    activate = reverse("mfa_invitation_needed")

    for url in (
        "/",
        reverse("monitoring:programme", args=[world.own.programme.slug]),
        reverse("registry:person", args=[world.own.adult.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == activate, url
    # Nobody's data was shown, so nothing names a person.
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_with_mfa_required_the_health_check_and_the_mfa_pages_still_work(world, client, settings):
    settings.STIJGING_REQUIRE_MFA = True
    # Through the login form, so allauth knows the password was just given (setting up MFA asks for
    # a recent login).
    user = world.user("fieldworker")
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.get("/health/").status_code == 200
    # Setting up TOTP needs the admin's invitation, then asks for the password once more (allauth's
    # reauthentication), and both pages are reachable: the middleware does not send the user round
    # in circles.
    activate = reverse("mfa_activate_totp")
    assert client.get(activate)["Location"] == reverse("mfa_invitation_needed")
    services.second_factor_invite(acting_user=world.user("admin"), user=user)
    token = re.search(r"/accounts/2fa/invitation/([^/\s]+)/", OutgoingEmail.objects.get(to=user.email).body).group(1)
    response = client.get(reverse("mfa_invitation", args=[token]))
    assert response["Location"] == activate
    response = client.get(activate)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == activate
    response = client.get(activate)
    assert response.status_code == 200
    assert response.context["form"] is not None
    assert client.post(reverse("account_logout")).status_code == 302


def test_with_mfa_required_an_anonymous_visitor_still_gets_the_login_page(db, client, settings):
    settings.STIJGING_REQUIRE_MFA = True
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("account_login")).status_code == 200


def test_with_mfa_required_a_user_with_totp_is_not_redirected(world, login, settings):
    settings.STIJGING_REQUIRE_MFA = True
    user = world.user("fieldworker")
    TOTP.activate(user, generate_totp_secret())
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    client = login(user)

    response = client.get(reverse("monitoring:programme", args=[world.own.programme.slug]))
    assert response.status_code == 200
    response = client.get(reverse("registry:person", args=[world.own.adult.pk]))
    assert response.status_code == 200


def test_with_mfa_required_recovery_codes_alone_do_not_count_as_a_second_factor(world, login, settings):
    settings.STIJGING_REQUIRE_MFA = True
    user = world.user("fieldworker")
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})
    response = login(user).get("/")
    assert response["Location"] == reverse("mfa_invitation_needed")


def test_with_mfa_off_nobody_is_redirected(world, login, settings):
    settings.STIJGING_REQUIRE_MFA = False
    response = login(world.user("fieldworker")).get(reverse("monitoring:programme", args=[world.own.programme.slug]))
    assert response.status_code == 200


def test_a_user_with_totp_logging_in_is_asked_for_the_code_before_being_logged_in(world, client, settings):
    settings.STIJGING_REQUIRE_MFA = True
    user = world.user("fieldworker")
    TOTP.activate(user, generate_totp_secret())

    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


# --- Password reset ---------------------------------------------------------------------------------


def test_password_reset_sends_a_link_and_no_personal_data_beyond_the_address(world, client):
    user = world.user("fieldworker")
    user.first_name, user.last_name, user.phone = "Fenna", "Fieldmans", "+31771234567"
    user.save()

    response = client.post(reverse("account_reset_password"), {"email": user.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    body = message.body + "".join(str(alternative[0]) for alternative in getattr(message, "alternatives", []))
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", body)
    assert link, body
    for personal in ("Fenna", "Fieldmans", "+31771234567", "Anna", "Ownsen", "Own programme"):
        assert personal not in body
        assert personal not in message.subject


def test_the_password_reset_link_sets_a_new_password(world, client):
    user = world.user("fieldworker")
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session first
    form_url = response["Location"]
    new_password = "Another-long-passphrase-2026"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_an_unknown_address_reveals_nothing_on_the_page(db, client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    # The same redirect as for a known address: the page does not tell whether the account exists.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")


# --- Role changes -----------------------------------------------------------------------------------


def test_granting_a_role_leaves_a_role_change_event(world):
    admin = world.user("admin")
    newcomer = UserFactory(email="newcomer@example.test")

    # A role that sees aggregates only takes effect at once (one that sees personal data waits for
    # a second person: tests/core/test_admin_scope.py).
    membership = services.membership_grant(
        acting_user=admin, user=newcomer, programme_id=world.own.programme.pk, role="manager"
    )

    assert membership.role == "manager"
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.actor == admin
    assert (event.object_type, event.object_id) == ("accounts.user", str(newcomer.pk))
    assert event.detail == {"granted": "manager", "programme_id": world.own.programme.pk}


def test_granting_a_role_the_user_already_has_changes_nothing_and_logs_nothing(world):
    fieldworker = world.user("fieldworker")
    services.membership_grant(
        acting_user=world.user("admin"), user=fieldworker, programme_id=world.own.programme.pk, role="fieldworker"
    )
    assert Membership.objects.filter(user=fieldworker).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGE).exists()


def test_revoking_a_role_leaves_a_role_change_event(world):
    membership = Membership.objects.get(user=world.user("coordinator"))

    services.membership_revoke(acting_user=world.user("admin"), membership=membership)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.object_id == str(world.user("coordinator").pk)
    assert event.detail == {"revoked": "coordinator", "programme_id": world.own.programme.pk}


def test_changing_a_role_leaves_a_role_change_event_with_old_and_new_role(world):
    membership = Membership.objects.get(user=world.user("coordinator"))

    services.membership_change_role(acting_user=world.user("admin"), membership=membership, role="manager")

    assert Membership.objects.get(pk=membership.pk).role == "manager"
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGE)
    assert event.detail == {"from": "coordinator", "to": "manager", "programme_id": world.own.programme.pk}


def test_a_revoked_role_takes_effect_on_the_next_request(world, login):
    client = login(world.user("fieldworker"))
    url = reverse("registry:person", args=[world.own.adult.pk])
    assert client.get(url).status_code == 200
    services.membership_revoke(
        acting_user=world.user("admin"), membership=Membership.objects.get(user=world.user("fieldworker"))
    )
    assert client.get(url).status_code == 404


# --- Production guard rails -------------------------------------------------------------------------


def _settings_env(tmp_path, **overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STIJGING_", "DJANGO_", "SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"))
    }
    env.update(
        {
            "PYTHONPATH": str(SRC_DIR),
            "STIJGING_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "stijging.settings",
        }
    )
    env.update(overrides)
    return env


GOOD_PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-a-random-production-secret-0123456789",
    "ALLOWED_HOSTS": "stijging.example.nl",
}


def _import_settings(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import stijging.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_load_with_secure_values(tmp_path):
    completed = _import_settings(_settings_env(tmp_path, **GOOD_PRODUCTION))
    assert completed.returncode == 0, completed.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    completed = _import_settings(_settings_env(tmp_path, DEBUG="0", ALLOWED_HOSTS="stijging.example.nl"))
    assert completed.returncode != 0
    assert "SECRET_KEY must be set" in completed.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    completed = _import_settings(_settings_env(tmp_path, **(GOOD_PRODUCTION | {"SECRET_KEY": "short"})))
    assert completed.returncode != 0
    assert "SECRET_KEY must be set" in completed.stderr


def test_production_refuses_to_start_with_the_demo_on(tmp_path):
    completed = _import_settings(_settings_env(tmp_path, **GOOD_PRODUCTION, STIJGING_DEMO="1"))
    assert completed.returncode != 0
    assert "STIJGING_DEMO cannot be on when DEBUG is off" in completed.stderr


def test_production_refuses_to_start_with_mfa_off(tmp_path):
    completed = _import_settings(_settings_env(tmp_path, **GOOD_PRODUCTION, STIJGING_REQUIRE_MFA="0"))
    assert completed.returncode != 0
    assert "STIJGING_REQUIRE_MFA must be on" in completed.stderr


def test_production_refuses_a_wildcard_host(tmp_path):
    completed = _import_settings(_settings_env(tmp_path, **(GOOD_PRODUCTION | {"ALLOWED_HOSTS": "*"})))
    assert completed.returncode != 0
    assert "ALLOWED_HOSTS" in completed.stderr


def test_the_demo_data_refuse_to_load_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", households=3)
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo", no_serve=True)
    assert not Programme.objects.exists()


def test_the_demo_data_refuse_to_load_with_debug_on_but_demo_mode_off(db, settings):
    # DEBUG on by mistake on a production database must not bring demo users with a published password.
    settings.DEBUG = True
    settings.STIJGING_DEMO = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", households=3)
    assert not Programme.objects.exists()


def test_debug_is_off_unless_set_on(tmp_path):
    env = _settings_env(tmp_path, SECRET_KEY=GOOD_PRODUCTION["SECRET_KEY"], ALLOWED_HOSTS="stijging.example.nl")
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.DEBUG, settings.STIJGING_REQUIRE_MFA)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["False", "True"]


def test_without_any_setting_the_application_refuses_to_start_rather_than_run_as_a_demo(tmp_path):
    completed = _import_settings(_settings_env(tmp_path))
    assert completed.returncode != 0
    assert "SECRET_KEY must be set" in completed.stderr


def test_the_stijging_seed_demo_command_exits_non_zero_in_production(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "stijging", "seed_demo", "--households", "3"],
        env=_settings_env(tmp_path, **GOOD_PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    assert "DEBUG is off" in completed.stderr
