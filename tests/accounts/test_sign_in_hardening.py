"""Sign-in that holds behind a proxy, on shared tablets and against a stolen password (issue 12,
items 2 and 3): each attack first, then what stops it."""

from __future__ import annotations

import re
import time

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from stijging.accounts import middleware, services
from stijging.accounts.models import OutgoingEmail, SecondFactorInvitation
from stijging.privacy.models import AuditAction, AuditEvent, AuditOutcome

from ..conftest import PASSWORD

LOGIN_URL = "/accounts/login/"
LOCKED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]  # the middle one: the current period
    return format_hotp_value(hotp_value(secret, counter))


# --- behind the proxy ---------------------------------------------------------------------------


def test_behind_the_proxy_one_guessing_client_does_not_lock_out_the_others(world, client, settings):
    settings.STIJGING_PROXY_HOPS = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # Everyone comes in from nginx at 127.0.0.1; only X-Forwarded-For tells the clients apart.
    for attempt in range(10):
        client.post(
            LOGIN_URL,
            {"login": f"guess-{attempt}@example.test", "password": "wrong-password-1"},
            REMOTE_ADDR="127.0.0.1",
            headers={"X-Forwarded-For": "198.51.100.66"},
        )
    refused = client.post(
        LOGIN_URL,
        {"login": "guess-x@example.test", "password": "wrong-password-1"},
        REMOTE_ADDR="127.0.0.1",
        headers={"X-Forwarded-For": "198.51.100.66"},
    )
    assert LOCKED in refused.content.decode()

    colleague = world.user("case_manager")
    client.post(
        LOGIN_URL,
        {"login": colleague.email, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        headers={"X-Forwarded-For": "203.0.113.5"},
    )
    assert client.session.get("_auth_user_id") == str(colleague.pk)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.client_ip == "203.0.113.5"


def test_behind_the_proxy_a_client_cannot_choose_its_address_by_writing_x_forwarded_for(world, client, settings):
    settings.STIJGING_PROXY_HOPS = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # nginx appends the real peer; what the client wrote in front of it is not believed.
    for attempt in range(11):
        response = client.post(
            LOGIN_URL,
            {"login": f"guess-{attempt}@example.test", "password": "wrong-password-1"},
            REMOTE_ADDR="127.0.0.1",
            headers={"X-Forwarded-For": f"10.0.0.{attempt}, 198.51.100.66"},
        )
    assert LOCKED in response.content.decode()


def test_a_short_x_forwarded_for_behind_two_proxies_is_no_server_error(world, client, settings):
    settings.STIJGING_PROXY_HOPS = 2
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    response = client.post(
        LOGIN_URL, {"login": "x@example.test", "password": "wrong-password-1"}, headers={"X-Forwarded-For": "1.2.3.4"}
    )
    assert response.status_code == 200


# --- throttle with back-off, and what a locked account says ---------------------------------------


def test_a_locked_account_reads_the_same_as_an_address_without_an_account(world, client):
    user = world.user("fieldworker")
    pages = {}
    for email in (user.email, "nobody-here@example.test"):
        for attempt in range(5):
            client.post(LOGIN_URL, {"login": email, "password": f"wrong-{attempt}"}, REMOTE_ADDR=f"192.0.2.{attempt}")
        response = client.post(LOGIN_URL, {"login": email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.99")
        pages[email] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        pages[email] = pages[email].replace(email, "EMAIL")
    assert LOCKED in pages[user.email]
    assert pages[user.email] == pages["nobody-here@example.test"]


def test_failed_logins_back_off_an_account_for_longer_the_more_there_are(world, client, monkeypatch):
    user = world.user("fieldworker")
    clock = [time.time()]
    monkeypatch.setattr(allauth_ratelimit.time, "time", lambda: clock[0])

    def fail_five(round_: int) -> None:
        for attempt in range(5):
            client.post(
                LOGIN_URL,
                {"login": user.email, "password": f"wrong-{attempt}"},
                REMOTE_ADDR=f"192.0.{round_}.{attempt}",
            )

    def right_password_logs_in() -> bool:
        client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.9.9")
        logged_in = client.session.get("_auth_user_id") == str(user.pk)
        client.logout()
        return logged_in

    fail_five(0)
    assert not right_password_logs_in()  # locked for five minutes
    clock[0] += 6 * 60
    # Five minutes later the short window is over; three more rounds of five ...
    for round_ in range(1, 4):
        fail_five(round_)
        clock[0] += 6 * 60
    # ... make twenty in the hour: now the account waits for the hour, not five minutes.
    assert not right_password_logs_in()
    clock[0] += 61 * 60
    assert right_password_logs_in()


# --- idle and absolute timeout ----------------------------------------------------------------------


def _session_set(client, **values) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_a_session_idle_longer_than_the_timeout_ends_and_says_so(world, client, settings):
    settings.STIJGING_IDLE_TIMEOUT = 1800
    user = world.user("fieldworker")
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    url = reverse("registry:person", args=[world.own.adult.pk])
    assert client.get(url).status_code == 200

    _session_set(client, **{middleware.LAST_SEEN: int(time.time()) - 1801})
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL) and "ended=1" in response["Location"]
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).get()
    assert event.detail == {"reason": "idle"}
    page = client.get(response["Location"]).content.decode()
    assert "logged out after 30 minutes without activity" in page


def test_activity_within_the_idle_timeout_keeps_the_session(world, client, settings):
    settings.STIJGING_IDLE_TIMEOUT = 1800
    user = world.user("fieldworker")
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    _session_set(client, **{middleware.LAST_SEEN: int(time.time()) - 1700})
    assert client.get(reverse("home")).status_code in (200, 302)
    assert client.session.get("_auth_user_id") == str(user.pk)
    # The visit moved the last-seen time forward.
    assert client.session[middleware.LAST_SEEN] >= int(time.time()) - 5


def test_a_busy_session_still_ends_at_the_absolute_age_since_login(world, client, settings):
    user = world.user("fieldworker")
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    now = int(time.time())
    _session_set(client, **{middleware.LOGIN_AT: now - settings.SESSION_COOKIE_AGE - 1, middleware.LAST_SEEN: now})
    response = client.get(reverse("home"))
    assert "ended=1" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action=AuditAction.LOGOUT).detail == {"reason": "expired"}


# --- the first second factor needs the admin's invitation ---------------------------------------


def _invite(world, user) -> str:
    services.second_factor_invite(acting_user=world.user("admin"), user=user)
    body = OutgoingEmail.objects.filter(to=user.email).latest("id").body
    return re.search(r"/accounts/2fa/invitation/([^/\s]+)/", body).group(1)


def _password_login(client, user) -> None:
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_the_password_alone_cannot_enrol_a_second_factor(world, client, settings):
    settings.STIJGING_REQUIRE_MFA = True
    victim = world.user("case_manager")
    _password_login(client, victim)  # the attacker knows the password, not the mailbox

    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    assert response["Location"] == reverse("mfa_invitation_needed")
    secret = generate_totp_secret()
    session = client.session
    session[SECRET_SESSION_KEY] = secret
    session.save()
    response = client.post(activate, {"code": current_code(secret)})
    assert response["Location"] == reverse("mfa_invitation_needed")
    assert not Authenticator.objects.filter(user=victim).exists()
    assert "Ask your functional administrator" in client.get(reverse("mfa_invitation_needed")).content.decode()


def test_an_invitation_lets_the_user_enrol_once(world, client, settings, django_capture_on_commit_callbacks):
    settings.STIJGING_REQUIRE_MFA = True
    user = world.user("case_manager")
    token = _invite(world, user)
    sent = AuditEvent.objects.get(action=AuditAction.MFA_CHANGE)
    assert sent.actor == world.user("admin") and sent.object_id == str(user.pk)
    assert token not in str(sent.detail)
    _password_login(client, user)

    response = client.get(reverse("mfa_invitation", args=[token]))
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before a factor is added (its reauthentication).
    reauthenticate = client.get(reverse("mfa_activate_totp"))["Location"]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    client.post(reauthenticate, {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    # allauth announces the new factor after the commit (the test's transaction never commits).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert SecondFactorInvitation.objects.get(user=user).used_at is not None
    added = AuditEvent.objects.filter(action=AuditAction.MFA_CHANGE, detail__added="totp").get()
    assert added.actor == user
    # The link is spent: a second use is refused, and logged.
    client.post(reverse("account_logout"))
    Authenticator.objects.filter(user=user).delete()
    _password_login(client, user)
    response = client.get(reverse("mfa_invitation", args=[token]))
    assert response.status_code == 400
    assert client.get(reverse("mfa_activate_totp"))["Location"] == reverse("mfa_invitation_needed")


def test_someone_elses_or_an_expired_invitation_is_refused_and_logged(world, client):
    user = world.user("case_manager")
    other = world.user("fieldworker")
    token_of_other = _invite(world, other)
    _password_login(client, user)
    response = client.get(reverse("mfa_invitation", args=[token_of_other]))
    assert response.status_code == 400
    assert "cannot be used" in response.content.decode()
    refused = AuditEvent.objects.get(action=AuditAction.MFA_FAILED)
    assert refused.outcome == AuditOutcome.DENIED and refused.object_id == str(user.pk)

    token = _invite(world, user)
    SecondFactorInvitation.objects.filter(user=user, used_at__isnull=True).update(
        expires_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert client.get(reverse("mfa_invitation", args=[token])).status_code == 400


def test_an_invitation_expires_after_72_hours_and_a_new_one_replaces_the_old(world):
    user = world.user("case_manager")
    first = services.second_factor_invite(acting_user=world.user("admin"), user=user)
    assert abs((first.expires_at - first.created_at).total_seconds() - 72 * 3600) < 1
    second = services.second_factor_invite(acting_user=world.user("admin"), user=user)
    first.refresh_from_db()
    assert first.used_at is not None and second.is_open
    # Only the hash of the token is stored.
    assert len(second.token_hash) == 64


def test_an_admin_resets_a_second_factor_through_the_configuration_screens(world, client):
    user = world.user("case_manager")
    TOTP.activate(user, generate_totp_secret())
    admin = world.user("admin")
    client.force_login(admin)
    response = client.post(
        reverse("beheer:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action=AuditAction.MFA_CHANGE, object_id=str(user.pk))
    assert event.actor == admin and event.detail == {"reset": ["totp"]}
    # And sends the invitation the same way.
    client.post(
        reverse("beheer:accounts_user_changelist"),
        {"action": "send_second_factor_invitation", "_selected_action": [user.pk]},
    )
    assert OutgoingEmail.objects.filter(to=user.email, subject__icontains="second factor").exists()


def test_an_invitation_is_refused_for_a_user_who_has_a_second_factor(world):
    from django.core.exceptions import ValidationError

    user = world.user("case_manager")
    TOTP.activate(user, generate_totp_secret())
    with pytest.raises(ValidationError):
        services.second_factor_invite(acting_user=world.user("admin"), user=user)


# --- audited: second factor failures, password changes ---------------------------------------------


def test_a_wrong_second_factor_code_is_logged_without_the_code(world, client, settings):
    settings.STIJGING_REQUIRE_MFA = True
    user = world.user("fieldworker")
    TOTP.activate(user, generate_totp_secret())
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.MFA_FAILED)
    assert event.outcome == AuditOutcome.FAILED
    assert event.object_id == str(user.pk)
    assert "000000" not in str(event.detail)


def test_changing_the_password_is_logged(world, client):
    user = world.user("fieldworker")
    _password_login(client, user)
    new = "A-new-long-passphrase-2026"
    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert event.detail == {"how": "changed"} and event.object_id == str(user.pk)
    assert new not in str(event.detail)


def test_resetting_the_password_is_logged(world, client):
    from django.core import mail

    user = world.user("fieldworker")
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    new = "Another-long-passphrase-2026"
    client.post(form_url, {"password1": new, "password2": new})
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert event.detail == {"how": "reset"} and event.object_id == str(user.pk)


def test_the_first_administrator_is_invited_from_the_command_line(world, capsys):
    from django.core.management import CommandError, call_command

    admin = world.user("admin")
    call_command("mfa_invite", admin.email.upper())
    email = OutgoingEmail.objects.get(to=admin.email)
    token = re.search(r"/accounts/2fa/invitation/([^/\s]+)/", email.body).group(1)
    out = capsys.readouterr().out
    assert "Invitation queued" in out and token not in out
    event = AuditEvent.objects.get(action=AuditAction.MFA_CHANGE)
    assert event.actor is None and event.object_id == str(admin.pk)
    with pytest.raises(CommandError, match="No user"):
        call_command("mfa_invite", "nobody@example.test")


# --- removing a second factor ends the other sessions at once ----------------------------------------


def _logged_in_with_code(client, user, secret: str) -> None:
    """A real login (password, then the code), then the password again: removing a factor asks for
    a fresh authentication."""
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]


def test_removing_ones_own_second_factor_ends_the_other_sessions_at_once(world, client, settings):
    from django.test import Client

    user = world.user("case_manager")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    _logged_in_with_code(client, user, secret)
    elsewhere = Client()  # the same account on another device (a stolen phone's browser, say)
    elsewhere.force_login(user)
    home = reverse("trajectories:caseload")
    assert elsewhere.get(home).status_code == 200

    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302, response.content.decode()[:300]
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    # The other session is over on its very next request; this one goes on.
    assert elsewhere.get(home).status_code == 302
    assert "_auth_user_id" not in elsewhere.session
    assert client.get(home).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.MFA_CHANGE, detail={"removed": "totp"}).exists()


def test_removing_ones_second_factor_takes_effect_at_once_where_it_is_required(world, client, settings):
    user = world.user("case_manager")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    _logged_in_with_code(client, user, secret)
    settings.STIJGING_REQUIRE_MFA = True
    home = reverse("trajectories:caseload")
    assert client.get(home).status_code == 200  # the session remembers it has seen the factor
    client.post(reverse("mfa_deactivate_totp"))
    # Not at the next login: now. Without a factor the session is sent to get one first.
    response = client.get(home)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_invitation_needed")


def test_an_admin_reset_of_the_second_factor_ends_every_session_of_that_user(world, client):
    from django.test import Client

    user = world.user("case_manager")
    TOTP.activate(user, generate_totp_secret())
    theirs = Client()
    theirs.force_login(user)
    home = reverse("trajectories:caseload")
    assert theirs.get(home).status_code == 200
    admin = world.user("admin")
    client.force_login(admin)
    client.post(
        reverse("beheer:accounts_user_changelist"), {"action": "reset_second_factor", "_selected_action": [user.pk]}
    )
    assert not Authenticator.objects.filter(user=user).exists()
    assert theirs.get(home).status_code == 302
    assert "_auth_user_id" not in theirs.session
    # The admin's own session is untouched.
    assert client.get(reverse("beheer:index")).status_code == 200
