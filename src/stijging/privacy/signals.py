from django.dispatch import Signal

# Sent after a consent is withdrawn (inside the same transaction), so that the floors above can
# end what rested on it — a referral, a partner's access — without privacy importing them.
consent_withdrawn = Signal()
