from django.dispatch import Signal

# Sent after a consent is withdrawn (inside the same transaction), so that the floors above can
# end what rested on it — a referral, a partner's access — without privacy importing them.
consent_withdrawn = Signal()

# Sent when the sealer finds the audit chain broken (keyword `problem`: what it found). The accounts
# app e-mails the privacy officers through the outbox; privacy cannot import it (it is a floor up).
audit_alarm = Signal()
