from django.db import migrations

# The starting list was seeded in English and showed so in the Dutch referral form and on the
# privacy officer's list. Only a ground still carrying its seeded English text is translated: what
# the privacy officer has written since is theirs and stays.
DUTCH = {
    "public-task": (
        "Public task of the municipality",
        "Publieke taak van de gemeente",
        "Outreach and the municipality's own help under its statutory task; not for sharing with a partner "
        "organisation unless that sharing is itself part of the task.",
        "Huisbezoeken en de eigen hulp van de gemeente binnen haar wettelijke taak; niet voor het delen met "
        "een partnerorganisatie, tenzij dat delen zelf deel van de taak is.",
    ),
    "vital-interest": (
        "Vital interest of the person or another",
        "Vitaal belang van de persoon of een ander",
        "Only where life or health is in immediate danger and consent cannot be asked in time.",
        "Alleen als leven of gezondheid direct in gevaar is en toestemming niet op tijd gevraagd kan worden.",
    ),
    "meldcode": (
        "Meldcode domestic violence and child abuse",
        "Meldcode huiselijk geweld en kindermishandeling",
        "Steps of the meldcode, including consulting Veilig Thuis, where a signal of domestic violence or "
        "child abuse exists.",
        "Stappen van de meldcode, waaronder overleg met Veilig Thuis, bij een signaal van huiselijk geweld "
        "of kindermishandeling.",
    ),
    "legal-obligation": (
        "Legal obligation",
        "Wettelijke verplichting",
        "Where a statute obliges the municipality to provide the data.",
        "Als een wet de gemeente verplicht de gegevens te verstrekken.",
    ),
}


def to_dutch(apps, schema_editor):
    LegalGround = apps.get_model("privacy", "LegalGround")
    for code, (title_en, title_nl, description_en, description_nl) in DUTCH.items():
        LegalGround.objects.filter(code=code, title=title_en).update(title=title_nl)
        LegalGround.objects.filter(code=code, description=description_en).update(description=description_nl)


def to_english(apps, schema_editor):
    LegalGround = apps.get_model("privacy", "LegalGround")
    for code, (title_en, title_nl, description_en, description_nl) in DUTCH.items():
        LegalGround.objects.filter(code=code, title=title_nl).update(title=title_en)
        LegalGround.objects.filter(code=code, description=description_nl).update(description=description_en)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0007_audit_actions_anonymise_and_sign_in")]

    operations = [migrations.RunPython(to_dutch, to_english)]
