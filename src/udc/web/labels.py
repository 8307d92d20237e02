"""Labels users see for the internal category names of released tables (Dutch, English)."""

from __future__ import annotations

GROUPS = {
    "adults": ("Volwassenen (18+)", "Adults (18+)"),
    "young-families": ("Jonge gezinnen", "Young families"),
    "middle-income": ("Middeninkomens", "Middle incomes"),
    "students": ("Studenten", "Students"),
    "seniors": ("Senioren (65+)", "Seniors (65+)"),
}
CLASSES = {
    "neighbour": ("buurgemeente", "neighbouring municipality"),
    "rest_of_region": ("rest van de regio", "rest of the region"),
    "rest_of_province": ("rest van de provincie", "rest of the province"),
    "rest_of_country": ("rest van Nederland", "rest of the country"),
    "abroad": ("buitenland", "abroad"),
}
TRIGGERS = {
    "none": ("geen verandering", "no change"),
    "left_parental_home": ("uit huis gegaan", "left the parental home"),
    "moved_in_together": ("gaan samenwonen", "moved in together"),
    "separated": ("uit elkaar", "separated"),
    "child_born": ("kind geboren", "child born"),
    "widowed": ("partner overleden", "widowed"),
}
RATE_MEASURES = {
    "in": ("vestiging", "in"),
    "out": ("vertrek", "out"),
    "within": ("binnen de gemeente", "within"),
    "net": ("saldo", "net"),
    "residents": ("inwoners (persoonsjaren)", "residents (person-years)"),
}


def label(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    pair = table.get(key)
    return (pair[0] if language == "nl" else pair[1]) if pair else key


THEMES = {
    "armoede_schulden": ("Armoede en schulden", "Poverty and debt"),
    "jeugd": ("Jeugd", "Youth"),
    "wonen_leegstand": ("Wonen en leegstand", "Housing and vacancy"),
    "mobiliteit": ("Mobiliteit", "Mobility"),
    "bevolking": ("Bevolking", "Population"),
    "werk_onderwijs": ("Werk en onderwijs", "Work and education"),
    "veiligheid": ("Veiligheid", "Safety"),
    "zorg": ("Zorg", "Care"),
    "participatie": ("Meldingen en participatie", "Reports and participation"),
}
STATUS = {
    "published": ("gepubliceerd", "published"),
    "suppressed": ("afgeschermd (te klein aantal)", "withheld (count too small)"),
    "no_population": ("geen inwoners", "no population"),
}
FUNNEL = {
    "above_998": ("duidelijk hoger dan het totaal (99,8 %)", "clearly above the total (99.8 %)"),
    "above_95": ("hoger dan het totaal (95 %)", "above the total (95 %)"),
    "within": ("niet te onderscheiden van het totaal", "not distinguishable from the total"),
    "below_95": ("lager dan het totaal (95 %)", "below the total (95 %)"),
    "below_998": ("duidelijk lager dan het totaal (99,8 %)", "clearly below the total (99.8 %)"),
}
LEVELS = {
    "buurt": ("buurt", "neighbourhood"),
    "wijk": ("wijk", "district"),
    "gemeente": ("gemeente", "municipality"),
    "region": ("regio", "region"),
    "total": ("totaal", "total"),
}
