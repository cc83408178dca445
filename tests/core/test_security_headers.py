import pytest


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_the_usual_security_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_every_response_carries_a_request_id_that_the_audit_log_records(client, world):
    from stijging.privacy.models import AuditEvent

    client.force_login(world.user("fieldworker"))
    response = client.get(f"/households/{world.own.household.pk}/", HTTP_X_REQUEST_ID="req-123")
    assert response["X-Request-ID"] == "req-123"
    event = AuditEvent.objects.filter(object_type="registry.household").latest("id")
    assert event.request_id == "req-123"
    assert event.client_ip == "127.0.0.1"


@pytest.mark.django_db
def test_a_forged_request_id_is_replaced(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="bad id with spaces; drop table")
    assert response["X-Request-ID"] != "bad id with spaces; drop table"
    assert len(response["X-Request-ID"]) == 32


def test_the_session_expires(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_audit_log_records_the_client_not_the_proxy(client, world, settings):
    from stijging.privacy.models import AuditEvent

    settings.STIJGING_PROXY_HOPS = 1
    client.force_login(world.user("fieldworker"))
    # The client claims 6.6.6.6; our proxy appended the address it saw, 203.0.113.9.
    client.get(f"/households/{world.own.household.pk}/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert AuditEvent.objects.filter(object_type="registry.household").latest("id").client_ip == "203.0.113.9"
    settings.STIJGING_PROXY_HOPS = 0
    client.get(f"/households/{world.own.household.pk}/", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert AuditEvent.objects.filter(object_type="registry.household").latest("id").client_ip == "127.0.0.1"
