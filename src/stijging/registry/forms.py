from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import Organisation
from stijging.privacy.models import ConsentGivenBy, ConsentPurpose

from .models import Relation
from .validators import normalise_postcode, validate_bsn, validate_postcode


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionedForm(forms.Form):
    """Carries the version the user started from, so a stale save is recognised."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HouseholdCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the household"),
        max_length=200,
        help_text=_("Usually the family name(s), e.g. Jansen-de Boer."),
    )
    moved_in_on = forms.DateField(label=_("Living here since"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_moved_in_on(self):
        value = self.cleaned_data["moved_in_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A household cannot move in on a future date here."))
        return value


class HouseholdEditForm(VersionedForm):
    name = forms.CharField(label=_("Name of the household"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PersonForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=200)
    tussenvoegsel = forms.CharField(
        label=_("Tussenvoegsel"), max_length=20, required=False, help_text=_("e.g. van, de, van der")
    )
    family_name = forms.CharField(label=_("Family name"), max_length=200)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=9,
        required=False,
        validators=[validate_bsn],
        help_text=_("Only where the municipality has a legal basis for it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.STIJGING_ENABLE_BSN:
            del self.fields["bsn"]

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("A date of birth cannot be in the future."))
        if value.year < today.year - 120:
            raise forms.ValidationError(_("Check the year of birth: this person would be over 120."))
        return value

    def clean_phone(self):
        import phonenumbers

        value = self.cleaned_data["phone"].strip()
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, "NL")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("This is not a valid phone number, e.g. 077 123 4567 or 06 12345678."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def person_fields(self) -> dict:
        keys = ["given_names", "tussenvoegsel", "family_name", "date_of_birth", "phone", "email"]
        if "bsn" in self.fields:
            keys.append("bsn")
        return {key: self.cleaned_data[key] for key in keys}


class PersonEditForm(PersonForm, VersionedForm):
    pass


class MemberAddForm(PersonForm):
    relation = forms.ChoiceField(label=_("Relation within the household"), choices=Relation.choices)
    member_since = forms.DateField(label=_("Member of the household since"), widget=DateInput())

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        born, since = cleaned.get("date_of_birth"), cleaned.get("member_since")
        if born and since and since < born:
            self.add_error("member_since", _("A person cannot join a household before being born."))
        return cleaned


class MoveForm(VersionedForm):
    moved_on = forms.DateField(label=_("Date of the move"), widget=DateInput())
    left_area = forms.BooleanField(
        label=_("The household left the programme's areas (no new address here)"), required=False
    )
    postcode = forms.CharField(label=_("New postcode"), max_length=7, required=False)
    huisnummer = forms.IntegerField(label=_("House number"), min_value=1, required=False)
    huisletter = forms.CharField(label=_("House letter"), max_length=1, required=False)
    huisnummertoevoeging = forms.CharField(label=_("Addition"), max_length=4, required=False)

    def clean_moved_on(self):
        value = self.cleaned_data["moved_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Record a move once it has happened."))
        return value

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("left_area"):
            return self.cleaned_data
        postcode = normalise_postcode(cleaned.get("postcode") or "")
        if not postcode:
            self.add_error("postcode", _("Give the new address, or tick that the household left the areas."))
            return self.cleaned_data
        try:
            validate_postcode(postcode)
        except forms.ValidationError as error:
            self.add_error("postcode", error)
        if not cleaned.get("huisnummer"):
            self.add_error("huisnummer", _("Give the house number of the new address."))
        self.cleaned_data["postcode"] = postcode
        return self.cleaned_data


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices, widget=forms.RadioSelect)
    organisation = forms.ModelChoiceField(
        label=_("Share with organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Only for consent to share."),
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGivenBy.choices, widget=forms.RadioSelect)
    parent_name = forms.CharField(label=_("Name of the parent or guardian"), max_length=200, required=False)
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisation_field = self.fields["organisation"]
        assert isinstance(organisation_field, forms.ModelChoiceField)
        organisation_field.queryset = Organisation.objects.order_by("name")


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput())
    note = forms.CharField(label=_("Reason"), max_length=500, required=False)


class AddressImportForm(forms.Form):
    file = forms.FileField(
        label=_("Address file"),
        help_text=_(
            "NLExtract bagadres.csv or bagadres-full.csv, or the Stijging template (CSV or XLSX). "
            "Separator ; or , — UTF-8 or Windows (cp1252)."
        ),
    )
    valid_rows_only = forms.BooleanField(
        label=_("Import the valid rows even if other rows are rejected"), required=False
    )
    complete = forms.BooleanField(
        label=_(
            "This file is the complete extract of the area: mark the addresses of the area that it lacks "
            "as no longer in the BAG"
        ),
        required=False,
    )
    move_from_other_programmes = forms.BooleanField(
        label=_(
            "Move addresses that lie in an area of another programme into this area, with their households and history"
        ),
        required=False,
    )

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB. Split it per area."))
        return upload


class AddressImportConfirmForm(forms.Form):
    """Confirms a previewed import: the file and its options stay server-side (registry/import_preview.py)."""

    token = forms.CharField(max_length=100, widget=forms.HiddenInput)
    plan = forms.CharField(max_length=64, widget=forms.HiddenInput)


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tenant list or population-register extract"),
        help_text=_("CSV or XLSX, see the layouts below. Separator ; or , — UTF-8 or Windows (cp1252)."),
    )
    extract_date = forms.DateField(
        label=_("Extract date"),
        widget=DateInput(),
        help_text=_("The day the file describes. Persons missing from a complete extract moved out on this day."),
    )
    complete = forms.BooleanField(
        label=_(
            "This file is the complete population-register extract of the area: persons of the area that it lacks "
            "have moved out"
        ),
        required=False,
    )
    valid_rows_only = forms.BooleanField(
        label=_("Import the valid rows even if other rows are rejected"), required=False
    )

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 50 MB. Split it per area, or ask for the command import_people.")
            )
        return upload

    def clean_extract_date(self):
        day = self.cleaned_data["extract_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The extract date cannot lie in the future."))
        return day
