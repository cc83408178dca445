from django.db import migrations
from django.utils import timezone

# Version 1 of the instruments. Domain names and level labels only: the official
# Zelfredzaamheid-Matrix criteria texts are copyrighted; an admin may load licensed criteria.
DOMAINS = [
    # code, nl, en, min age, max age
    ("wonen", "Wonen", "Housing", 18, None),
    ("leren", "Leren", "Learning", 4, 17),
    ("opgroeien", "Opgroeien", "Growing up", 0, 17),
    ("werken", "Werken", "Work", 16, 66),
    ("integratie", "Integratie", "Integration", 12, None),
    ("veiligheid", "Veiligheid", "Safety", 0, None),
    ("opleiding", "Opleiding", "Education", 16, None),
    ("gezondheid", "Gezondheid", "Health", 0, None),
    ("voorzieningen", "Gebruik van voorzieningen", "Use of local facilities", 12, None),
    ("financien", "Financiën", "Finances", 18, None),
]
SCALE = [
    (1, "Acute problematiek", "Acute problems"),
    (2, "Niet zelfredzaam", "Not self-sufficient"),
    (3, "Beperkt zelfredzaam", "Limited self-sufficiency"),
    (4, "Voldoende zelfredzaam", "Sufficiently self-sufficient"),
    (5, "Volledig zelfredzaam", "Fully self-sufficient"),
]
RUNGS = [
    (1, "Geïsoleerd", "Isolated"),
    (2, "Sociale contacten buitenshuis", "Social contacts outside the home"),
    (3, "Deelname aan georganiseerde activiteiten", "Taking part in organised activities"),
    (4, "Onbetaald werk", "Unpaid work"),
    (5, "Betaald werk met ondersteuning", "Paid work with support"),
    (6, "Betaald werk zonder ondersteuning", "Paid work without support"),
]
STATEMENTS = [
    # CBS Veiligheidsmonitor, social cohesion; the first is reverse-coded.
    ("kennen-elkaar", "De mensen kennen elkaar in deze buurt nauwelijks.",
     "People in this neighbourhood hardly know each other.", True),
    ("prettige-omgang", "De mensen gaan in deze buurt op een prettige manier met elkaar om.",
     "People in this neighbourhood treat each other pleasantly.", False),
    ("gezellig", "Ik woon in een gezellige buurt waar mensen elkaar helpen en dingen samen doen.",
     "I live in a friendly neighbourhood where people help each other and do things together.", False),
    ("thuis", "Ik voel me thuis bij de mensen die in deze buurt wonen.",
     "I feel at home among the people who live in this neighbourhood.", False),
    ("contact", "Ik heb veel contact met andere buurtbewoners.",
     "I have a lot of contact with other residents.", False),
    ("samenstelling", "Ik ben tevreden met de bevolkingssamenstelling in deze buurt.",
     "I am satisfied with the make-up of the population of this neighbourhood.", False),
]
DEFECTS = [
    ("vocht", "Vocht en schimmel", "Damp and mould"),
    ("isolatie", "Tocht en isolatie", "Draughts and insulation"),
    ("sanitair", "Badkamer en toilet", "Bathroom and toilet"),
    ("keuken", "Keuken", "Kitchen"),
    ("verwarming", "Verwarming", "Heating"),
    ("elektra", "Elektra", "Electrics"),
    ("kozijnen", "Kozijnen, ramen en deuren", "Window frames, windows and doors"),
    ("dak", "Dak en goten", "Roof and gutters"),
    ("toegankelijkheid", "Trap en toegankelijkheid", "Stairs and accessibility"),
    ("ongedierte", "Ongedierte", "Vermin"),
    ("overig", "Overig", "Other"),
]


def forwards(apps, schema_editor, app_label="conversations"):
    # The instruments moved to their own app later (instruments 0001, same tables): the tests'
    # flush restores version 1 with the app registry of today, passing app_label="instruments".
    version = apps.get_model(app_label, "InstrumentVersion").objects.create(
        number=1, published_at=timezone.now(), note="Eerste versie"
    )
    Domain = apps.get_model(app_label, "Domain")
    for order, (code, nl, en, low, high) in enumerate(DOMAINS):
        Domain.objects.create(version=version, code=code, name_nl=nl, name_en=en, min_age=low, max_age=high, order=order)
    ScaleLevel = apps.get_model(app_label, "ScaleLevel")
    for value, nl, en in SCALE:
        ScaleLevel.objects.create(version=version, value=value, label_nl=nl, label_en=en)
    LadderRung = apps.get_model(app_label, "LadderRung")
    for number, nl, en in RUNGS:
        LadderRung.objects.create(version=version, number=number, label_nl=nl, label_en=en)
    CohesionStatement = apps.get_model(app_label, "CohesionStatement")
    for order, (code, nl, en, reverse) in enumerate(STATEMENTS):
        CohesionStatement.objects.create(
            version=version, code=code, text_nl=nl, text_en=en, reverse_coded=reverse, order=order
        )
    DefectCategory = apps.get_model(app_label, "DefectCategory")
    for order, (code, nl, en) in enumerate(DEFECTS):
        DefectCategory.objects.create(version=version, code=code, name_nl=nl, name_en=en, order=order)


def backwards(apps, schema_editor):
    InstrumentVersion = apps.get_model("conversations", "InstrumentVersion")
    version = InstrumentVersion.objects.filter(number=1).first()
    if version is None:
        return
    for model in ("Domain", "ScaleLevel", "LadderRung", "CohesionStatement", "DefectCategory"):
        apps.get_model("conversations", model).objects.filter(version=version).delete()
    version.delete()


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
