import pytest

from stijging.core import tick


@pytest.mark.django_db
def test_health_says_the_database_is_reachable_and_when_tick_last_ran(client, django_assert_max_num_queries):
    # 1: SELECT 1; 2: the tick's JobRun row.
    with django_assert_max_num_queries(2):
        response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["tick_last_finished_at"] is None

    tick.run()
    body = client.get("/health/").json()
    assert body["tick_last_finished_at"] is not None
    assert body["tick_last_ok"] is True
