"""Name lists for synthetic residents. A mix that fits a Venlo neighbourhood; every combination is
made up. Kept here (not Faker) so the demo needs no test dependency and is the same on every run."""

GIVEN_NAMES_F = [
    "Anna", "Emma", "Sanne", "Lotte", "Fleur", "Sophie", "Julia", "Lisa", "Noa", "Tess", "Mila", "Yara",
    "Ilse", "Marieke", "Ingrid", "Monique", "Petra", "Wilma", "Truus", "Mia", "Fatima", "Samira", "Aicha",
    "Zeynep", "Elif", "Ayşe", "Agnieszka", "Katarzyna", "Magdalena", "Nour", "Rania", "Hanna", "Lieke",
    "Joke", "Gerda", "Riet", "Anke", "Esther", "Chantal", "Naomi", "Roos", "Evi", "Femke", "Saskia",
]
GIVEN_NAMES_M = [
    "Jan", "Piet", "Kees", "Henk", "Gerrit", "Sjaak", "Harrie", "Twan", "Luuk", "Daan", "Bram", "Sem",
    "Thijs", "Ruben", "Jeroen", "Marco", "Rob", "Bas", "Stijn", "Mohamed", "Youssef", "Omar", "Bilal",
    "Mehmet", "Mustafa", "Emre", "Tomasz", "Piotr", "Krzysztof", "Ahmad", "Karim", "Hamza", "Noah",
    "Finn", "Lucas", "Levi", "Jesse", "Jos", "Wim", "Frans", "Ton", "Nico", "Dirk", "Erik",
]
FAMILY_NAMES = [
    ("", "Janssen"), ("", "Peeters"), ("", "Hendrikx"), ("van", "Dijk"), ("", "Verstappen"), ("", "Smeets"),
    ("", "Gommans"), ("", "Hermans"), ("van den", "Berg"), ("", "Willems"), ("", "Jacobs"), ("de", "Vries"),
    ("", "Vullings"), ("", "Coenen"), ("", "Claessens"), ("van", "Rijswijk"), ("", "Geurts"), ("", "Bongers"),
    ("", "Thijssen"), ("van der", "Linden"), ("", "Verheijen"), ("", "Arts"), ("", "Wijnen"), ("", "Kusters"),
    ("", "Yilmaz"), ("", "Kaya"), ("", "Demir"), ("", "Çelik"), ("El", "Idrissi"), ("", "Bouzian"),
    ("", "Amrani"), ("", "Benali"), ("", "Kowalski"), ("", "Nowak"), ("", "Wiśniewski"), ("", "Lewandowski"),
    ("Al", "Hassan"), ("", "Haddad"), ("", "Mahmoud"), ("", "Pinas"), ("", "Martina"), ("de", "Bruijn"),
    ("", "Kessels"), ("", "Seelen"), ("", "Keijzers"), ("", "Timmermans"), ("", "Linders"), ("", "Pouwels"),
]

# Fictional streets: no real address in Venlo carries a synthetic household or problem.
FICTIONAL_STREETS = [
    "Tredelaan", "Ladderweg", "Stijgingstraat", "Samenhangpad", "Leefbaarheidstraat", "Buurtkrachtplein",
    "Wijkfotohof", "Huiskamerstraat", "Speeldagstraat", "Achterompad-Noord", "Voortuinstraat", "Opstapweg",
]
