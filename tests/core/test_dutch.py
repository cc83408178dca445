"""Dutch everywhere (issue 19): every message of the code has a Dutch translation in the catalogue,
the committed .mo is the catalogue compiled, and the pages a worker uses show no raw codes."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from stijging.conversations.models import Interview

SRC = Path(__file__).resolve().parents[2] / "src" / "stijging"
CATALOGUE = SRC / "locale" / "nl" / "LC_MESSAGES"
NEEDS_GETTEXT = "the catalogue check needs GNU gettext (xgettext, msgattrib, msgfmt): apt-get install gettext"


def _gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgattrib", "msgfmt", "msgmerge") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{NEEDS_GETTEXT} (missing: {', '.join(missing)})")


def _msgids(po_text: str) -> list[str]:
    """The msgids of a .po file's entries (header left out), joined over continuation lines."""
    ids, current, collecting = [], None, False
    for line in po_text.splitlines() + [""]:
        if line.startswith("msgid "):
            current, collecting = line[6:].strip().strip('"'), True
        elif collecting and line.startswith('"'):
            current = (current or "") + line.strip().strip('"')
        else:
            if collecting and current:
                ids.append(current)
            collecting = False
    return ids


def test_every_message_of_the_code_has_a_dutch_translation(tmp_path):
    """makemessages over a copy of the code: a message missing from the catalogue, untranslated, or
    only fuzzily matched to an old one, fails here (the page would speak English)."""
    _gettext_tools()
    copy = tmp_path / "stijging"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "nl", "--no-location", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    po = copy / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    problems = {}
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", flag, "--no-wrap", str(po)], check=True, capture_output=True, text=True)
        problems[flag] = _msgids(out.stdout)
    assert problems == {"--untranslated": [], "--only-fuzzy": []}, (
        "Messages without a Dutch translation: add them at the end of src/stijging/locale/nl/LC_MESSAGES/django.po "
        f"and compile it with msgfmt: {problems}"
    )


def test_the_committed_mo_is_the_catalogue_compiled(tmp_path):
    _gettext_tools()
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True)
    with compiled.open("rb") as fresh, (CATALOGUE / "django.mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog, (  # type: ignore[attr-defined]
            "django.mo is not django.po compiled: run msgfmt -o …/django.mo …/django.po"
        )


class _VisibleText(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


# A stored code shown as it is stored: not_applicable, case_manager, registry.household, 2026-03-01.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+\.[a-z]+(?:_[a-z]+)*\b|\b\d{4}-\d{2}-\d{2}\b")


def raw_codes(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    # E-mail addresses and web addresses are not codes.
    text = re.sub(r"\S+@\S+|https?://\S+|\S+\.(?:nl|test|example)\b", " ", text)
    return sorted(set(RAW_CODE.findall(text)))


def test_the_worker_s_pages_show_no_raw_codes(world, login):
    from tests.conversations.factories import held_conversation
    from tests.trajectories.factories import open_trajectory

    site = world.own
    conversation = held_conversation(site, world.user("fieldworker"), held_on=timezone.localdate())
    Interview.objects.filter(conversation=conversation, person=site.adult).update(rung_non_answer="not_applicable")
    trajectory = open_trajectory(site, world)
    pages = {
        "fieldworker": [
            reverse("registry:household", args=[site.household.pk]),
            reverse("registry:person", args=[site.adult.pk]),
            reverse("conversations:conversation", args=[conversation.pk]),
            reverse("outreach:household", args=[site.household.pk]),
            reverse("registry:search") + "?q=Ownsen",
        ],
        "case_manager": [
            reverse("trajectories:trajectory", args=[trajectory.pk]),
            reverse("trajectories:timeline", args=[site.adult.pk]),
            reverse("registry:person", args=[site.adult.pk]),
        ],
    }
    found = {}
    for role, urls in pages.items():
        client = login(world.user(role))
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
            assert response.status_code == 200, url
            codes = raw_codes(response.content.decode())
            if codes:
                found[url] = codes
    assert found == {}


def test_raw_codes_are_recognised():
    assert raw_codes("<p>reden: not_applicable, rol case_manager</p>") == ["case_manager", "not_applicable"]
    assert raw_codes('<p title="not_applicable">niet van toepassing</p><script>a_b()</script>') == []
    assert raw_codes("<td>2026-03-01</td>") == ["2026-03-01"]


def test_error_pages_are_dutch_styled_and_keep_the_navigation(world, login, rf):
    from stijging.core.views import server_error

    partner = login(world.user("partner"))
    forbidden = partner.get(reverse("registry:search"), HTTP_ACCEPT_LANGUAGE="nl")
    html = forbidden.content.decode()
    assert forbidden.status_code == 403
    assert "Geen toegang" in html and 'class="site-nav"' in html and "Forbidden" not in html
    assert reverse("referrals:inbox") in html  # the partner's own menu, to go on from

    worker = login(world.user("fieldworker"))
    missing = worker.get(reverse("registry:household", args=[world.foreign.household.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    html = missing.content.decode()
    assert missing.status_code == 404
    assert "Pagina niet gevonden" in html and 'class="site-nav"' in html and reverse("registry:search") in html

    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="nl")
    request.user = world.user("fieldworker")
    from django.utils import translation

    with translation.override("nl"):
        failed = server_error(request)
    html = failed.content.decode()
    assert failed.status_code == 500
    assert "Er ging iets mis" in html and 'class="site-nav"' in html


def test_django_s_own_empty_choice_and_the_seeded_legal_grounds_are_dutch(db):
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    from stijging.privacy.models import LegalGround

    with translation.override("nl"):
        assert str(BLANK_CHOICE_LABEL) == "- Kies een optie -"
    assert set(LegalGround.objects.values_list("title", flat=True)) >= {
        "Publieke taak van de gemeente",
        "Wettelijke verplichting",
    }
