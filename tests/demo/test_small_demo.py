"""A smaller demo (for tests that need the whole programme but not its 350 households) seeds too."""

import pytest

from stijging.demo.seed import seed_demo
from stijging.referrals.models import Referral


@pytest.mark.django_db
def test_a_demo_of_80_households_seeds_and_every_referral_has_its_question():
    seed_demo(households=80)
    assert Referral.objects.exists()
    assert not Referral.objects.filter(question="").exists()
