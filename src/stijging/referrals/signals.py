from django.dispatch import Signal

# Sent inside the transaction of a referral's event that the partner's own system should hear of
# (keywords `referral` and `event`: "created", "withdrawn" or "escalated"), so that a floor above
# (the API's webhooks) queues its notice in the same commit without referrals importing it.
referral_event = Signal()

CREATED = "created"
WITHDRAWN = "withdrawn"
ESCALATED = "escalated"
