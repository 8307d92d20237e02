"""Dutch first, English available: the interface's words (data labels stay as the sources give them)."""

from __future__ import annotations

LANGUAGES = ("nl", "en")
TEXT: dict[str, dict[str, str]] = {
    "home": {"nl": "Home", "en": "Home"},
    "explorer": {"nl": "Gebiedsverkenner", "en": "Area explorer"},
    "profile": {"nl": "Gebiedsprofiel", "en": "Area profile"},
    "flows": {"nl": "Verhuisstromen", "en": "Migration flows"},
    "builder": {"nl": "Tabelbouwer", "en": "Table builder"},
    "catalogue": {"nl": "Catalogus en open data", "en": "Catalogue and open data"},
    "indicators": {"nl": "Indicatoren", "en": "Indicators"},
    "monitor": {"nl": "Monitor", "en": "Monitor"},
    "comparability_comparable": {
        "nl": "Nederland en Duitsland vergelijkbaar.",
        "en": "The Netherlands and Germany compare.",
    },
    "comparability_with_caveats": {
        "nl": "Nederland en Duitsland vergelijkbaar met kanttekeningen.",
        "en": "The Netherlands and Germany compare with caveats.",
    },
    "comparability_not_comparable": {
        "nl": "Nederland en Duitsland niet vergelijkbaar.",
        "en": "The Netherlands and Germany do not compare.",
    },
    "symbol_secret": {
        "nl": "afgeschermd: het aantal is te klein om te publiceren",
        "en": "withheld: the count is too small to publish",
    },
    "symbol_missing": {
        "nl": "niet beschikbaar: de bron heeft hier geen cijfer",
        "en": "not available: the source has no figure here",
    },
    "flow_map": {"nl": "Kaart van de verhuisstromen", "en": "Map of the flows"},
    "other_areas": {"nl": "overige gemeenten", "en": "other municipalities"},
    "flow_map_region": {
        "nl": "De kaart toont de stromen van één gemeente: kies een gemeente.",
        "en": "The map shows the flows of one municipality: choose a municipality.",
    },
    "no_flow_data": {
        "nl": "Geen gegevens: voor deze keuze zijn de aantallen te klein om te publiceren.",
        "en": "No data: for this choice the counts are too small to publish.",
    },
    "index_first_year": {"nl": "index, eerste jaar = 100", "en": "index, first year = 100"},
    "index_note": {
        "nl": "Als index (eerste jaar = 100): de gebieden verschillen te veel in grootte voor één as.",
        "en": "As an index (first year = 100): the areas differ too much in size for one axis.",
    },
    "programme_areas": {"nl": "Programmagebieden", "en": "Programme areas"},
    "comparison_areas": {"nl": "Vergelijkingsgebieden", "en": "Comparison areas"},
    "baseline": {"nl": "Nulmeting", "en": "Baseline"},
    "now": {"nl": "Nu", "en": "Now"},
    "target": {"nl": "Doel", "en": "Target"},
    "effect": {"nl": "Effect", "en": "Effect"},
    "start": {"nl": "Start", "en": "Start"},
    "owner": {"nl": "Eigenaar", "en": "Owner"},
    "pre_trend": {
        "nl": "Trend vóór de start (verschil per jaar)",
        "en": "Trend before the start (difference per year)",
    },
    "placebo_time": {"nl": "Placebo: neppe start", "en": "Placebo: fake start"},
    "mde": {"nl": "Kleinste aantoonbare effect", "en": "Minimum detectable effect"},
    "method": {"nl": "Methode", "en": "Method"},
    "placebo_programme": {
        "nl": "Placeboprogramma: hier is niets gedaan; de monitor hoort geen effect te vinden.",
        "en": "Placebo programme: nothing was done here; the monitor should find no effect.",
    },
    "no_monitor": {
        "nl": "Voor dit programma is nog geen monitor vrijgegeven. Een beheerder doet dat met 'udc monitor report "
        "PROGRAMMA --release' (de demo doet het zelf).",
        "en": "No monitor has been released for this programme yet. An administrator releases it with 'udc monitor "
        "report PROGRAMME --release' (the demo does it itself).",
    },
    "report_pdf": {"nl": "Rapport (PDF)", "en": "Report (PDF)"},
    "one_year": {
        "nl": "Deze tabel heeft één jaar: geen trend om te tekenen. Kies een tabel met meer jaren.",
        "en": "This table has one year: no trend to draw. Choose a table with more years.",
    },
    "header_labels": {"nl": "met labels als kolomkoppen", "en": "with labels as column headers"},
    "frozen": {"nl": "nulmeting vastgelegd", "en": "baseline frozen"},
    "compare": {"nl": "Vergelijken", "en": "Compare"},
    "interval": {"nl": "95 %-interval", "en": "95 % interval"},
    "netherlands": {"nl": "Nederland", "en": "Netherlands"},
    "peer_median": {"nl": "Mediaan vergelijkbare gemeenten", "en": "Median of similar municipalities"},
    "rank": {"nl": "Rang", "en": "Rank"},
    "status": {"nl": "Status", "en": "Status"},
    "funnel": {"nl": "Ten opzichte van het totaal", "en": "Compared with the total"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "theme": {"nl": "Thema", "en": "Theme"},
    "no_indicators": {
        "nl": "Er zijn nog geen indicatoren vrijgegeven. Een beheerder geeft ze vrij met 'udc indicators compute "
        "--release indicatoren' (of 'udc demo' voor de demoregio).",
        "en": "No indicators have been released yet. An administrator releases them with 'udc indicators compute "
        "--release indicatoren' (or 'udc demo' for the demo region).",
    },
    "not_released": {"nl": "nog niet vrijgegeven", "en": "not released yet"},
    "compare_intro": {
        "nl": "Kies tot zes gebieden. ▲/▼: hoger/lager dan Nederland, ook als rekening wordt gehouden met het "
        "95 %-interval.",
        "en": "Choose up to six areas. ▲/▼: above/below the Netherlands, also allowing for the 95 % interval.",
    },
    "no_figure": {"nl": "geen cijfer", "en": "no figure"},
    "indicators_intro_open": {
        "nl": "Deze cijfers publiceert CBS zelf als open data (Kerncijfers wijken en buurten): per buurt, en voor "
        "grotere gebieden het CBS-cijfer of het gewogen gemiddelde van hun buurten. Waar het om aantallen gaat, "
        "toont het 95 %-interval hoe onzeker een klein gebied is.",
        "en": "CBS publishes these figures itself as open data (Kerncijfers wijken en buurten): per buurt, and for "
        "larger areas CBS's own figure or the weighted mean of their buurten. Where they are counts, the 95 % "
        "interval shows how uncertain a small area is.",
    },
    "indicators_intro": {
        "nl": "Elke waarde is berekend uit beschermde aantallen (teller en noemer) en heeft een 95 %-interval: "
        "kleine gebieden zijn onzekerder.",
        "en": "Every value is computed from protected counts (numerator and denominator) and has a 95 % interval: "
        "small areas are less certain.",
    },
    "signin": {"nl": "Inloggen", "en": "Sign in"},
    "signout": {"nl": "Uitloggen", "en": "Sign out"},
    "user": {"nl": "Gebruikersnaam", "en": "User name"},
    "password": {"nl": "Wachtwoord", "en": "Password"},
    "skip": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "dataset": {"nl": "Tabel", "en": "Table"},
    "measure": {"nl": "Onderwerp", "en": "Measure"},
    "year": {"nl": "Jaar", "en": "Year"},
    "level": {"nl": "Gebiedsniveau", "en": "Area level"},
    "show": {"nl": "Toon", "en": "Show"},
    "area": {"nl": "Gebied", "en": "Area"},
    "value": {"nl": "Waarde", "en": "Value"},
    "parent": {"nl": "Hoger gebied", "en": "Parent area"},
    "total": {"nl": "Totaal", "en": "Total"},
    "map": {"nl": "Kaart", "en": "Map"},
    "table": {"nl": "Tabel", "en": "Table"},
    "chart": {"nl": "Grafiek", "en": "Chart"},
    "data_table": {"nl": "Gegevens als tabel", "en": "Data as a table"},
    "trend": {"nl": "Ontwikkeling", "en": "Trend"},
    "peers": {"nl": "Positie tussen vergelijkbare gebieden", "en": "Position among peers"},
    "download": {"nl": "Downloaden", "en": "Download"},
    "report": {"nl": "Rapport (HTML)", "en": "Report (HTML)"},
    "group": {"nl": "Doelgroep", "en": "Target group"},
    "years": {"nl": "Jaren", "en": "Years"},
    "balance": {"nl": "Verhuisbalans per doelgroep", "en": "Balance per target group"},
    "sankey": {"nl": "Herkomst en bestemming", "en": "Origins and destinations"},
    "classes": {"nl": "Bestemmingen naar soort", "en": "Destinations by class"},
    "triggers": {"nl": "Verandering in het huishouden rond de verhuizing", "en": "Household change around the move"},
    "protected": {
        "nl": "Alle cijfers uit microdata zijn beschermd door de onthullingspoort (cell key); "
        "– of x: weggelaten omdat het aantal te klein is; . : de bron heeft hier geen getal.",
        "en": "Every figure from microdata is protected by the disclosure gate (cell key); "
        "– or x: withheld because the count is too small; . : the source has no figure here.",
    },
    "builder_intro": {
        "nl": "Kies dimensies; de tabel wordt beschermd door de onthullingspoort en elke vraag wordt gelogd.",
        "en": "Choose dimensions; the table is protected by the disclosure gate and every query is audited.",
    },
    "dimensions": {"nl": "Dimensies", "en": "Dimensions"},
    "make_table": {"nl": "Maak tabel", "en": "Build table"},
    "builder_unkeyed": {
        "nl": "Niet in de tabelbouwer (geen recordsleutel voor de cell-key-methode; tabellen hieruit "
        "komen alleen via een vooraf vastgelegde publicatie)",
        "en": "Not in the table builder (no record key for the cell-key method; tables from these "
        "only come through a release defined in advance)",
    },
    "need_signin": {"nl": "Log in als onderzoeker om tabellen te maken.", "en": "Sign in as a researcher."},
    "not_allowed": {"nl": "Uw rol mag geen microdata bevragen.", "en": "Your role may not query microdata."},
    "legend": {
        "nl": "perturbed: licht verstoord (cell key); suppressed: weggelaten (te klein)",
        "en": "perturbed: slightly perturbed (cell key); suppressed: withheld (too small)",
    },
    "in_catalogue": {"nl": "In de catalogus", "en": "In the catalogue"},
    "region_glance": {"nl": "De regio in één oogopslag", "en": "The region at a glance"},
    "residents": {"nl": "Inwoners", "en": "Residents"},
    "wrong_login": {"nl": "Onbekende gebruiker of verkeerd wachtwoord.", "en": "Unknown user or wrong password."},
    "too_many": {"nl": "Te veel pogingen; probeer het later opnieuw.", "en": "Too many attempts; try again later."},
    "not_found": {"nl": "Niet gevonden", "en": "Not found"},
    "error": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    # what a page says about a refusal in its own language; udc's own one-line reason follows, marked as English
    "status_400": {"nl": "Dit verzoek klopt niet.", "en": "This request is not valid."},
    "status_401": {"nl": "Log eerst in.", "en": "Please sign in first."},
    "status_403": {"nl": "Dit mag u niet doen of zien.", "en": "You may not do or see this."},
    "status_404": {"nl": "Deze pagina of dit gegeven bestaat niet.", "en": "This page or item does not exist."},
    "status_409": {"nl": "Dit botst met wat er al is.", "en": "This conflicts with what is already there."},
    "status_413": {"nl": "Wat u stuurde is te groot.", "en": "What you sent is too large."},
    "status_422": {"nl": "Een gegeven in het verzoek klopt niet.", "en": "A value in the request is not valid."},
    "status_429": {"nl": "Te veel verzoeken: probeer het later opnieuw.", "en": "Too many requests: try again later."},
    "status_500": {"nl": "Er ging bij ons iets mis.", "en": "Something went wrong on our side."},
    "status_503": {
        "nl": "Het systeem is even bezet: probeer het zo opnieuw.",
        "en": "The system is busy: try again in a moment.",
    },
    "reason_in_english": {"nl": "Toelichting (Engels)", "en": "Reason"},
    "sensitivity": {"nl": "Gevoeligheid", "en": "Sensitivity"},
    "source": {"nl": "Bron", "en": "Source"},
    "licence": {"nl": "Licentie", "en": "Licence"},
    "columns": {"nl": "Kolommen", "en": "Columns"},
    "rows": {"nl": "Rijen", "en": "Rows"},
    "filter": {"nl": "Selectie", "en": "Filter"},
    "national": {"nl": "Totaal (alle gebieden)", "en": "Total (all areas)"},
    "reports_public": {"nl": "Meldingen", "en": "Reports"},
    "report_new": {"nl": "Doe een melding", "en": "Report a problem"},
    "report_intro": {
        "nl": ("Ziet u iets kapot of vies in de openbare ruimte? Meld het hier. U hoeft niet in te loggen."),
        "en": "Something broken or dirty in a public space? Report it here. No sign-in needed.",
    },
    "report_category": {"nl": "Soort melding", "en": "Kind of problem"},
    "report_choose": {"nl": "Kies…", "en": "Choose…"},
    "report_what": {"nl": "Wat is er aan de hand?", "en": "What is the problem?"},
    "report_where": {"nl": "Waar?", "en": "Where?"},
    "report_where_help": {
        "nl": (
            "Kies de buurt, of geef de plek precies op (breedte- en lengtegraad, bijvoorbeeld uit de "
            "kaart-app van uw telefoon)."
        ),
        "en": (
            "Choose the neighbourhood, or give the exact place (latitude and longitude, e.g. from your "
            "phone's map app)."
        ),
    },
    "report_buurt": {"nl": "Buurt", "en": "Neighbourhood"},
    "report_lat": {"nl": "Breedtegraad", "en": "Latitude"},
    "report_long": {"nl": "Lengtegraad", "en": "Longitude"},
    "report_use_location": {"nl": "Gebruik mijn locatie", "en": "Use my location"},
    "report_address": {
        "nl": "Adres of omschrijving van de plek (niet verplicht)",
        "en": "Address or description of the place (optional)",
    },
    "report_photo": {
        "nl": ("Foto (niet verplicht; JPEG, PNG of WebP, tot 8 MB; de locatiegegevens in de foto worden verwijderd)"),
        "en": ("Photo (optional; JPEG, PNG or WebP, up to 8 MB; the location data in the photo are removed)"),
    },
    "report_contact": {"nl": "Contact (niet verplicht)", "en": "Contact (optional)"},
    "report_contact_help": {
        "nl": (
            "Alleen medewerkers van de gemeente zien dit, om u te informeren. Een jaar na het "
            "afhandelen wordt het gewist."
        ),
        "en": ("Only municipal staff see this, to keep you informed. It is erased a year after the report is closed."),
    },
    "report_email": {"nl": "E-mailadres", "en": "E-mail address"},
    "report_phone": {"nl": "Telefoonnummer", "en": "Phone number"},
    "report_send": {"nl": "Melding versturen", "en": "Send report"},
    "report_thanks": {"nl": "Bedankt voor uw melding", "en": "Thank you for your report"},
    "report_number": {"nl": "Melding", "en": "Report"},
    "report_term": {
        "nl": "We pakken uw melding binnen N werkdagen op.",
        "en": "We take up your report within N working days.",
    },
    "report_follow_help": {
        "nl": (
            "Bewaar deze link: hiermee volgt u uw melding en kunt u hem heropenen als het probleem niet"
            " is opgelost. Wie de link heeft, ziet de melding."
        ),
        "en": (
            "Keep this link: it lets you follow your report and reopen it if the problem is not solved."
            " Anyone with the link can see the report."
        ),
    },
    "report_nearby": {"nl": "Misschien al gemeld", "en": "Perhaps already reported"},
    "report_nearby_help": {
        "nl": (
            "Dichtbij (laatste 14 dagen) zijn meldingen van dezelfde soort gedaan; "
            "een medewerker voegt dubbele meldingen samen. De afstand is die tot de openbare plek van de "
            "melding, bij meldingen die niet openbaar zijn afgerond op ongeveer 100 meter."
        ),
        "en": (
            "Reports of the same kind were made nearby (last 14 days); staff merge "
            "duplicates. The distance is to the report's public place, rounded to about 100 metres for "
            "reports that are not public."
        ),
    },
    "report_within": {"nl": "binnen N m", "en": "within N m"},
    "report_another": {"nl": "Nog een melding doen", "en": "Report another problem"},
    "report_status": {"nl": "Status", "en": "Status"},
    "report_reopen_why": {
        "nl": "Is het probleem niet opgelost? Vertel wat er nog mis is.",
        "en": "Problem not solved? Tell what is still wrong.",
    },
    "report_reopen": {"nl": "Melding heropenen", "en": "Reopen report"},
    "reports_public_help": {
        "nl": (
            "Open meldingen in de openbare ruimte. Zonder namen of contactgegevens; de tekst alleen als"
            " een medewerker die heeft vrijgegeven. Meldingen over overlast door personen staan hier "
            "niet."
        ),
        "en": (
            "Open reports about public space. No names or contact data; the text only when staff "
            "released it. Reports about nuisance by people are not shown."
        ),
    },
    "report_date": {"nl": "Datum", "en": "Date"},
    "report_text": {"nl": "Omschrijving", "en": "Description"},
    "reports_none": {
        "nl": "Er zijn op dit moment geen open meldingen om te tonen.",
        "en": "There are no open reports to show at the moment.",
    },
    "staff_reports": {"nl": "Meldingen behandelen", "en": "Handle reports"},
    "reports_none_staff": {
        "nl": "Geen meldingen met deze status in uw gemeenten.",
        "en": "No reports with this status in your municipalities.",
    },
    "report_only_buurt": {"nl": "alleen de buurt is opgegeven", "en": "only the neighbourhood was given"},
    "report_text_public": {"nl": "Tekst openbaar", "en": "Text public"},
    "report_duplicate_of": {"nl": "Dubbel van", "en": "Duplicate of"},
    "report_history": {"nl": "Geschiedenis", "en": "History"},
    "report_new_status": {"nl": "Nieuwe status", "en": "New status"},
    "report_note": {"nl": "Notitie (komt in de geschiedenis)", "en": "Note (kept in the history)"},
    "report_change": {"nl": "Status wijzigen", "en": "Change status"},
    "report_show_text": {
        "nl": "Tekst openbaar maken (gelezen: geen namen of adressen van mensen)",
        "en": "Make the text public (read: no names or people's addresses)",
    },
    "report_hide_text": {"nl": "Tekst weer verbergen", "en": "Hide the text again"},
    "report_merge_into": {"nl": "Dubbele melding van nummer", "en": "Duplicate of report number"},
    "report_merge": {"nl": "Samenvoegen", "en": "Merge"},
    "report_show_contact": {"nl": "Contactgegevens tonen (wordt vastgelegd)", "en": "Show contact data (logged)"},
    "report_no_contact": {
        "nl": "De melder heeft geen contactgegevens achtergelaten (of ze zijn gewist).",
        "en": "The reporter left no contact data (or they were erased).",
    },
    "yes": {"nl": "ja", "en": "yes"},
    "no": {"nl": "nee", "en": "no"},
    "notices": {"nl": "Berichten voor de buurt", "en": "News for the neighbourhood"},
    "notices_none": {
        "nl": "Er zijn op dit moment geen berichten voor deze buurt.",
        "en": "There is no news for this neighbourhood at the moment.",
    },
    "notices_feed": {"nl": "Berichten volgen (Atom-feed)", "en": "Follow the news (Atom feed)"},
    "questions": {"nl": "Vraag aan de buurt", "en": "A question for the neighbourhood"},
    "answer": {"nl": "Antwoorden", "en": "Answer"},
    "results": {"nl": "Uitslag in deze buurt", "en": "Results in this neighbourhood"},
    "results_after": {
        "nl": "De uitslag komt hier na de sluiting op DATE, als minstens N verschillende adressen uit de buurt "
        "hebben geantwoord.",
        "en": "The results appear here after the question closes on DATE, if at least N different addresses in "
        "the neighbourhood have answered.",
    },
    "question_closed": {"nl": "gesloten op DATE", "en": "closed on DATE"},
    "results_option": {"nl": "Antwoord", "en": "Answer"},
    "results_share": {"nl": "Aandeel", "en": "Share"},
    "results_caveat": {
        "nl": "Percentages afgerond op STEP %, dus samen niet altijd 100 %. Getoond omdat minstens N verschillende "
        "adressen uit de buurt antwoordden. Dit is een peiling, geen stemming.",
        "en": "Percentages rounded to STEP %, so they do not always add up to 100 %. Shown because at least N "
        "different addresses in the neighbourhood answered. This is a poll, not a vote.",
    },
    "results_too_few": {
        "nl": "Te weinig verschillende adressen uit de buurt hebben geantwoord (minder dan N) om een uitslag te tonen.",
        "en": "Too few different addresses in the neighbourhood answered (fewer than N) to show results.",
    },
    "staff_notices": {"nl": "Bericht of vraag plaatsen", "en": "Post news or a question"},
    "notice_kind": {"nl": "Soort", "en": "Kind"},
    "notice_announcement": {"nl": "Bericht (wat er gaat gebeuren)", "en": "News (what is going to happen)"},
    "notice_question": {
        "nl": "Snelle vraag (een vraag, opties per regel)",
        "en": "Quick question (one question, options one per line)",
    },
    "notice_title": {"nl": "Titel of vraag", "en": "Title or question"},
    "notice_text": {"nl": "Tekst (bericht)", "en": "Text (news)"},
    "notice_options": {"nl": "Opties (vraag; een per regel)", "en": "Options (question; one per line)"},
    "notice_from": {"nl": "Van", "en": "From"},
    "notice_to": {"nl": "Tot en met", "en": "Until"},
    "notice_post": {"nl": "Plaatsen", "en": "Post"},
    "iso_report": {"nl": "ISO 37120-rapport", "en": "ISO 37120 report"},
    "iso_intro": {
        "nl": "ISO 37120:2018 (duurzame steden en gemeenschappen) noemt indicatoren voor stedelijke diensten en "
        "levenskwaliteit. Per indicator: de vrijgegeven waarde, en waar die ontbreekt de bron die hem zou aanvullen.",
        "en": "ISO 37120:2018 (sustainable cities and communities) lists indicators for city services and quality "
        "of life. For each indicator: its released value and, where it is missing, the source that would complete it.",
    },
    "iso_coverage": {
        "nl": "COMPUTED van de APPLICABLE toepasbare indicatoren beschikbaar (PERCENT %); SKIPPED niet van toepassing.",
        "en": "COMPUTED of the APPLICABLE applicable indicators available (PERCENT %); SKIPPED not applicable.",
    },
    "iso_number": {"nl": "Nr.", "en": "No."},
    "iso_indicator": {"nl": "Indicator", "en": "Indicator"},
    "iso_source": {
        "nl": "Bron die hem aanvult, of waarom niet van toepassing",
        "en": "Source that would complete it, or why it does not apply",
    },
    "iso_per_municipality": {"nl": "ISO 37120-rapport per gemeente", "en": "ISO 37120 report per municipality"},
    "iso_state_available": {"nl": "beschikbaar", "en": "available"},
    "iso_state_no_value": {
        "nl": "geen vrijgegeven waarde voor deze gemeente",
        "en": "no released value for this municipality",
    },
    "iso_state_not_imported": {"nl": "nog niet geïmporteerd", "en": "not yet imported"},
    "iso_state_no_source": {"nl": "geen bron gekoppeld", "en": "no source linked"},
    "iso_state_not_applicable": {"nl": "niet van toepassing", "en": "not applicable"},
    "method_details": {"nl": "Over de rekenmethode", "en": "About the calculation"},
    "method_technical": {
        "nl": "Technisch: het effect is geschat met een gewogen kleinste-kwadratenregressie (WLS) op vier "
        "samengenomen cellen (programma- en vergelijkingsgebieden, vóór en na de start), gewogen met de bekende "
        "onzekerheid van elk aantal inclusief de ruis die de bescherming toevoegt; het 95 %-interval volgt uit "
        "de normale benadering.",
        "en": "Technically: the effect is estimated by weighted least squares (WLS) on four pooled cells "
        "(programme and comparison areas, before and after the start), weighted by each count's known "
        "uncertainty including the noise protection adds; the 95 % interval follows the normal approximation.",
    },
    "harmonised_note": {
        "nl": "Gebiedsindeling van het gekozen jaar; waar grenzen veranderden, zie de notities bij de tabel.",
        "en": "Boundaries of the chosen year; where boundaries changed, see the table's notes.",
    },
    "builder_filters": {"nl": "Filters (optioneel)", "en": "Filters (optional)"},
    "builder_years": {"nl": "Jaren", "en": "Years"},
    "builder_area": {"nl": "Gebied", "en": "Area"},
    "builder_all_areas": {"nl": "alle gebieden", "en": "all areas"},
    "builder_age_from": {"nl": "Leeftijd vanaf", "en": "Age from"},
    "builder_age_to": {"nl": "tot", "en": "to below"},
    "builder_age_open": {"nl": "en ouder", "en": "and older"},
    "builder_snapshot_refused": {
        "nl": "Deze tabel telt iedereen één keer per jaar (een stand op 1 januari): kies één jaar of neem het jaar op "
        "als indeling, anders telt iedereen meerdere keren mee.",
        "en": "This table counts everyone once per year (a count on 1 January): choose one year or add the year as "
        "a dimension, otherwise everyone is counted several times.",
    },
    "builder_forced": {
        "nl": "Geteld voor het jaar YEAR: deze tabel telt iedereen één keer per jaar, dus zonder jaar als indeling "
        "toont de tabelbouwer één jaar (het laatste). Kies een ander jaar bij de filters of neem het jaar op als "
        "indeling.",
        "en": "Counted for the year YEAR: this table counts everyone once per year, so without the year as a "
        "dimension the builder shows one year (the latest). Choose another year in the filters or add the year as "
        "a dimension.",
    },
    "builder_too_few": {
        "nl": "Deze filters laten minder dan N personen over: zo'n kleine groep kan iemand herkenbaar maken. Kies "
        "ruimere filters.",
        "en": "These filters leave fewer than N people: a group that small could single someone out. Choose wider "
        "filters.",
    },
    "builder_cells": {"nl": "cellen", "en": "cells"},
    "builder_other": {"nl": "overig (samen geteld)", "en": "other (counted together)"},
    "builder_withheld_n": {"nl": "afgeschermd", "en": "withheld"},
    "builder_policy": {"nl": "beleid", "en": "policy"},
    "builder_noise": {
        "nl": "Alle aantallen hebben een kleine willekeurige afwijking (cell-key-methode), zodat niemand "
        "herkenbaar is; "
        "totalen zijn daardoor niet precies de som van hun delen.",
        "en": "Every count carries a small random deviation (cell-key method) so that nobody can be singled out; "
        "totals are therefore not exactly the sum of their parts.",
    },
    "builder_withheld": {
        "nl": "Afgeschermd: het aantal is te klein om te publiceren (minder dan N, nul inbegrepen).",
        "en": "Withheld: the count is too small to publish (fewer than N, zero included).",
    },
    "builder_zeros": {
        "nl": "Een combinatie zonder personen wordt net zo afgeschermd als een kleine: de tabel laat niet zien of een "
        "combinatie niet kan bestaan of toevallig leeg is, want dat zou kleine aantallen verraden.",
        "en": "A combination without people is withheld like a small one: the table does not show whether a "
        "combination cannot exist or happens to be empty, as that would give small counts away.",
    },
}


def translator(lang: str):
    """``t('key')`` in the chosen language (Dutch when a word has no translation)."""
    lang = lang if lang in LANGUAGES else "nl"
    return lambda key: TEXT.get(key, {}).get(lang) or TEXT.get(key, {}).get("nl") or key


# Participation (issue 28 item 7): the residents' pages say everything in the page's language — the confirmation of
# an answer, and the refusals the participation library raises with a key (udc.participation.messages).
TEXT.update(
    {
        "answer_saved": {"nl": "Bedankt, je antwoord is opgeslagen.", "en": "Thank you, your answer has been saved."},
        "answer_given": {
            "nl": "Je hebt deze vraag al beantwoord op dit apparaat.",
            "en": "You have already answered this question on this device.",
        },
        "back_to_buurt": {"nl": "Terug naar de buurt", "en": "Back to the neighbourhood"},
        "report_map": {"nl": "Kaart van de buurten", "en": "Map of the neighbourhoods"},
        "report_map_help": {
            "nl": "Klik op de kaart op uw buurt; de keuze verschijnt in de lijst hieronder.",
            "en": "Click your neighbourhood on the map; the choice appears in the list below.",
        },
        "report_map_chosen": {"nl": "Gekozen buurt", "en": "Chosen neighbourhood"},
        "report_in_buurt": {"nl": "in of bij dezelfde buurt", "en": "in or near the same neighbourhood"},
        "local_time_note": {"nl": "tijden in Nederlandse tijd", "en": "times in Dutch local time"},
        "err_answered_twice": {
            "nl": "Je hebt deze vraag al beantwoord op dit apparaat.",
            "en": "You have already answered this question on this device.",
        },
        "err_network_full": {
            "nl": "Vanaf dit adres zijn al {n} antwoorden op deze vraag gegeven.",
            "en": "This address has already given {n} answers to this question.",
        },
        "err_no_question": {"nl": "Deze vraag bestaat niet.", "en": "This question does not exist."},
        "err_question_closed": {"nl": "Deze vraag is gesloten.", "en": "This question is closed."},
        "err_not_asked_here": {
            "nl": "Deze vraag wordt niet in deze buurt gesteld.",
            "en": "This question is not asked in this neighbourhood.",
        },
        "err_choose_option": {"nl": "Kies een van de antwoorden.", "en": "Choose one of the answers."},
        "err_field_invalid": {
            "nl": "Controleer ‘{field}’: dit veld is niet goed ingevuld.",
            "en": "Check ‘{field}’: this field is not filled in correctly.",
        },
        "err_place_outside": {
            "nl": "De plek ligt buiten elk bekend gebied; meldingen worden aangenomen voor {served}.",
            "en": "The place is outside every known area; reports are taken for {served}.",
        },
        "err_place_elsewhere": {
            "nl": "De plek ligt in {place}; meldingen worden aangenomen voor {served}.",
            "en": "The place is in {place}; reports are taken for {served}.",
        },
        "err_place_outside_any": {
            "nl": "De plek ligt buiten elk bekend gebied; meldingen worden aangenomen voor de ingelezen gebieden.",
            "en": "The place is outside every known area; reports are taken for the imported areas.",
        },
        "err_place_elsewhere_any": {
            "nl": "De plek ligt in {place}; meldingen worden aangenomen voor de ingelezen gebieden.",
            "en": "The place is in {place}; reports are taken for the imported areas.",
        },
        "err_unknown_buurt": {
            "nl": "Deze buurt is niet bekend; kies een buurt uit de lijst.",
            "en": "This neighbourhood is not known; choose one from the list.",
        },
        "err_place_needed": {
            "nl": "Geef aan waar het is: kies een buurt (op de kaart of in de lijst) of gebruik uw locatie.",
            "en": "Say where it is: choose a neighbourhood (on the map or in the list) or use your location.",
        },
        "err_photo_too_large": {
            "nl": "De foto is te groot: hoogstens {mb} MB.",
            "en": "The photo is too large: at most {mb} MB.",
        },
        "err_photo_pixels": {
            "nl": "De foto heeft te veel pixels: hoogstens {mp} megapixel.",
            "en": "The photo has too many pixels: at most {mp} megapixels.",
        },
        "err_photo_unreadable": {
            "nl": "Dit bestand is geen leesbare foto (JPEG, PNG of WebP).",
            "en": "This file is not a readable photo (JPEG, PNG or WebP).",
        },
        "err_reopen_not_done": {
            "nl": "Alleen een afgehandelde melding kan worden heropend.",
            "en": "Only a report marked done can be reopened.",
        },
        "err_reopen_reason": {
            "nl": "Zeg wat er nog mis is: zonder reden kan de melding niet worden heropend.",
            "en": "Say what is still wrong: a reason is needed to reopen.",
        },
        "err_no_report_link": {"nl": "Er is geen melding met deze link.", "en": "There is no report with this link."},
        "err_unknown_category": {
            "nl": "Deze soort melding bestaat niet; kies er een uit de lijst.",
            "en": "This kind of problem does not exist; choose one from the list.",
        },
    }
)
FIELD_WORDS = {  # a form field named in a refusal → the form's own label for it
    "service_code": "report_category",
    "description": "report_what",
    "lat": "report_lat",
    "long": "report_long",
    "address_string": "report_address",
    "email": "report_email",
    "phone": "report_phone",
}


def said(error: BaseException, lang: str) -> str:
    """An error as a page in ``lang`` says it: its key's text filled with its values (a form field by the form's
    label), else its own (English) first line — a refusal without a key stays readable, just not translated."""
    t = translator(lang)
    key = getattr(error, "key", None)
    values = dict(getattr(error, "values", {}) or {})
    if not key or f"err_{key}" not in TEXT:
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    if "field" in values:
        values["field"] = t(FIELD_WORDS.get(str(values["field"]), "")) or str(values["field"])
    return t(f"err_{key}").format(**values)
