from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "stijging.referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from stijging.privacy.models import Consent
        from stijging.privacy.signals import consent_withdrawn
        from stijging.trajectories import panels as trajectory_panels

        from . import panels, receivers

        consent_withdrawn.connect(receivers.withdraw_referrals, sender=Consent, dispatch_uid="referrals-consent")
        trajectory_panels.register_caseload_panel(panels.caseload_panel)
        trajectory_panels.register_trajectory_panel(panels.trajectory_panel)
        trajectory_panels.register_timeline_source(panels.timeline_entries)
