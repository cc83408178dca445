from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, ErasureDecision, IdentityCheck, RequestKind, RequestStatus


class AuditFilterForm(forms.Form):
    person_id = forms.IntegerField(label=_("Person (id)"), required=False, min_value=1)
    actor = forms.CharField(label=_("User (e-mail)"), required=False, max_length=254)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("all"))] + AuditAction.choices)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LegalGroundForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.SlugField(label=_("Code"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=200)
    article = forms.CharField(
        label=_("Legal article"), max_length=200, help_text=_("e.g. AVG art. 6(1)(d) — vital interest")
    )
    description = forms.CharField(label=_("When it applies"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    active = forms.BooleanField(label=_("Active (can be chosen for a referral)"), required=False, initial=True)


# --- The privacy officer's desk (issue 13) ------------------------------------------------------


class PersonLookupForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=7)
    huisnummer = forms.IntegerField(label=_("House number"), required=False, min_value=1)
    bsn = forms.CharField(label=_("BSN"), required=False, max_length=9)

    def __init__(self, *args, bsn_enabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not bsn_enabled:
            # Without a legal basis for the BSN (SPEC §5) nobody may search by it either.
            del self.fields["bsn"]

    def clean(self):
        data = super().clean() or {}
        if not any(data.get(key) for key in ("name", "date_of_birth", "postcode", "huisnummer", "bsn")):
            raise forms.ValidationError(_("Fill in at least one field."))
        return data


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    identity_check = forms.ChoiceField(
        label=_("How the requester's identity was checked"),
        choices=IdentityCheck.choices,
        widget=forms.RadioSelect,
    )
    identity_note = forms.CharField(label=_("About the identity check"), required=False, max_length=300)
    requested_by_other = forms.CharField(
        label=_("Requested by (when not the person)"),
        required=False,
        max_length=200,
        help_text=_("The parent, guardian or representative who made the request."),
    )
    description = forms.CharField(label=_("What is asked"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    months = forms.TypedChoiceField(
        label=_("Extend by"), coerce=int, choices=[(1, _("one month")), (2, _("two months"))]
    )
    reason = forms.CharField(label=_("Reason, as told to the requester"), max_length=500)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("How the request ended"),
        choices=[
            (RequestStatus.DONE, RequestStatus.DONE.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
            (RequestStatus.WITHDRAWN, RequestStatus.WITHDRAWN.label),
        ],
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(label=_("Outcome, as told to the requester"), widget=forms.Textarea(attrs={"rows": 3}))


class ErasureDecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=ErasureDecision.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(label=_("Outcome, as told to the requester"), widget=forms.Textarea(attrs={"rows": 3}))


class RestrictionForm(forms.Form):
    reason = forms.CharField(
        label=_("Ground (AVG art. 18(1))"),
        max_length=500,
        help_text=_("e.g. the person contests the accuracy of their data, for the time it takes to check it"),
    )


class RectificationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    given_names = forms.CharField(label=_("Given names"), max_length=200)
    tussenvoegsel = forms.CharField(label=_("Tussenvoegsel"), max_length=20, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class AccessLogForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
