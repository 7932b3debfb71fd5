"""Dates, ages and addresses written in Spanish, French or Portuguese.

Bilingual notes (an interpreter's summary, a border-town clinic, a Quebec transfer letter) write
"el 2 de octubre", "le mardi 21", "de 96 años", "Calle Cuauhtémoc 218, Col. Centro". The English
patterns never see them, so this recognizer reads the forms the three languages share: a day
number with a month name, a month after "in", a weekday with its day, ages over 89 in digits or
words, holidays that date an event, streets with the type first and the number after, and a town
named before a Mexican state or a Canadian province.
"""

from __future__ import annotations

import re
from typing import Final

from service.deid.prefix_search import any_of, rare_led
from service.deid.recognizers import Recognizer
from service.deid.spans import Span

_MONTHS: Final = (
    # Spanish
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre|"
    # French
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|"
    r"d[ée]cembre|"
    # Portuguese
    r"janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
_WEEKDAYS: Final = (
    r"lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    # Portuguese weekdays only with "-feira": "segunda" and "quinta" alone are ordinals too
    r"(?:segunda|ter[çc]a|quarta|quinta|sexta)-feira"
)
#: "2 de octubre", "2 de octubre de 2025", "1er octobre 2025", "15 de março", with the weekday
#: before it ("mardi 15 juillet", "el martes 2 de octubre").
_DAY_MONTH: Final = re.compile(
    rf"(?i)(?<![\w/.-])(?:(?:{_WEEKDAYS})[ \t]+(?:(?:el|le)[ \t]+)?)?"
    rf"(?:[12]\d|3[01]|0?[1-9])(?:er|º|°)?[ \t]+(?:de[ \t]+)?(?:{_MONTHS})\b"
    r"(?:[ \t]+(?:de[ \t]+)?\d{4}(?!\d))?"
)
#: "en julio", "depuis juillet", "em julho": a month after a preposition names a specific month.
_IN_MONTH: Final = re.compile(
    r"(?i)\b(?:en|desde|hasta|para|a fines de|a principios de|depuis|jusqu'en|em|at[ée])[ \t]+"
    rf"(?:(?:el[ \t]+)?mes[ \t]+de[ \t]+)?({_MONTHS})\b(?![ \t]+(?:de[ \t]+)?\d)"
)
#: "en mars 2022", "marzo de 2024": a month with its year.
_MONTH_YEAR: Final = re.compile(rf"(?i)\b(?:{_MONTHS})[ \t]+(?:de[ \t]+)?(?:19|20)\d\d(?!\d)")
#: "el martes 21", "le mardi 21", "na terça 21": a weekday and its day of the month.
_WEEKDAY_DAY: Final = re.compile(
    rf"(?i)\b(?:{_WEEKDAYS})[ \t]+((?:[12]\d|3[01]|0?[1-9]))(?![\w/:.,]\d|[\w/:])"
)
_HOLIDAYS: Final = re.compile(
    r"\b(?:D[íi]a de (?:los )?Muertos|D[íi]a de la Madre|D[íi]a del Padre|D[íi]a de Reyes|"
    r"Nochebuena|Nochevieja|Navidad|A[ñn]o Nuevo|Semana Santa|Jueves Santo|Viernes Santo|"
    r"No[ëe]l|Jour de l'An|Toussaint|F[êe]te nationale|(?:Saint|St)-Jean-Baptiste(?: Day)?|"
    r"Natal|Ano Novo|Dia das M[ãa]es|Dia dos Pais|Carnaval)\b"
)
#: "de 96 años", "96 ans", "96 anos": an age in digits (kept when 89 or under).
_AGE_DIGITS: Final = re.compile(r"(?i)(?<![\w.,])(\d{2,3})[ \t]+(?:años|anos|ans)\b")
_TENS_90: Final = r"(?:noventa|quatre-vingt-dix|nonante)"
#: "noventa y seis", "quatre-vingt-seize", "noventa e seis", "cien años": 90 and over in words.
_AGE_WORDS: Final = re.compile(
    rf"(?i)\b(?:{_TENS_90}(?:[ \t]+(?:y|e)[ \t]+(?:uno|una|dos|tres|cuatro|cinco|seis|siete|"
    r"ocho|nueve|um|uma|tr[êe]s|quatro|sete|oito|nove)|-(?:et-onze|douze|treize|quatorze|"
    r"quinze|seize|dix-sept|dix-huit|dix-neuf))?|quatre-vingt-(?:onze|douze|treize|quatorze|"
    r"quinze|seize|dix-sept|dix-huit|dix-neuf))(?=[ \t]*(?:\)|años|anos|ans|,|\.|$))",
    re.MULTILINE,
)
#: "Calle Cuauhtémoc 218, Col. Centro", "Av. Reforma #1500 int. 4", "Rua das Flores, 87".
_STREET_TYPE_FIRST: Final = re.compile(
    r"\b(?:Calle|Avenida|Av\.|Calzada|Privada|Callej[óo]n|Carretera|Rua|Travessa|Estrada)[ \t]+"
    r"(?:(?:de(?:l| la| los| las)?|das|dos|da|do)[ \t]+)?[A-ZÁÉÍÓÚÑ][\w'\u2019.-]*"
    r"(?:[ \t]+(?:de(?:l| la)?|[A-ZÁÉÍÓÚÑ][\w'\u2019.-]*)){0,3},?[ \t]+(?:#[ \t]*|n[º°o]\.?[ \t]*)?"
    r"\d{1,5}[A-Z]?(?:[ \t]+(?:int|interior|depto|apto)\.?[ \t]*\w{1,5})?"
    r"(?:,[ \t]*(?:Col\.|Colonia|Fracc\.|Fraccionamiento|Barrio|Bairro)[ \t]+"
    r"[A-ZÁÉÍÓÚÑ][\w'\u2019-]*(?:[ \t]+[A-ZÁÉÍÓÚÑ][\w'\u2019-]*){0,2})?"
)
#: "12 rue de la Paix", "4bis, avenue du Parc".
_NUMBER_FIRST_STREET: Final = re.compile(
    r"(?<![\w-])\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:rue|avenue|boulevard|bd|chemin|all[ée]e|"
    r"impasse|place|route|quai|rang|mont[ée]e)[ \t]+(?:(?:de la|de l'|du|des|de|d')[ \t]*)?"
    r"[A-ZÉÈ][\w'\u2019-]*(?:[ \t-][A-ZÉÈ][\w'\u2019-]*){0,2}"
)
_REGIONS: Final = (
    # the 32 Mexican states and the Canadian provinces and territories
    r"Aguascalientes|Baja California(?: Sur)?|Campeche|Chiapas|Chihuahua|Coahuila|Colima|"
    r"Durango|Guanajuato|Guerrero|Hidalgo|Jalisco|Michoac[áa]n|Morelos|Nayarit|Nuevo Le[óo]n|"
    r"Oaxaca|Puebla|Quer[ée]taro|Quintana Roo|San Luis Potos[íi]|Sinaloa|Sonora|Tabasco|"
    r"Tamaulipas|Tlaxcala|Veracruz|Yucat[áa]n|Zacatecas|Ciudad de M[ée]xico|CDMX|"
    r"Estado de M[ée]xico|"
    r"Alberta|British Columbia|Manitoba|New Brunswick|Newfoundland(?: and Labrador)?|"
    r"Nova Scotia|Ontario|Prince Edward Island|Qu[ée]bec|Saskatchewan|Yukon|Nunavut|"
    r"Northwest Territories"
)
#: "Reynosa, Tamaulipas", "Trois-Rivières (Québec)": the town before its state or province.
_TOWN_REGION: Final = re.compile(
    r"(?<![\w'\u2019-])([A-ZÁÉÍÓÚÑ][\w'\u2019-]+"
    r"(?:[ \t-](?:de(?:l| la)?|[A-ZÁÉÍÓÚÑ][\w'\u2019-]+)){0,2})"
    rf"(?:,[ \t]*|[ \t]+\()(?:{_REGIONS})\b"
)
#: Words of Spanish, French and Portuguese prose: a note with two of them is read for dates.
_FUNCTION_WORDS: Final = (
    " de ",
    " el ",
    " la ",
    " los ",
    " las ",
    " en ",
    " con ",
    " su ",
    " para ",
    " y ",
    " que ",
    " le ",
    " les ",
    " et ",
    " des ",
    " du ",
    " au ",
    " pour ",
    " une ",
    " em ",
    " do ",
    " da ",
    " com ",
)
#: Literal cues, each a necessary condition of one pattern (English notes pay for ``in`` checks,
#: not for a dozen scans).
_HOLIDAY_CUES: Final = (
    "D\u00eda",
    "Dia ",
    "No\u00ebl",
    "Navidad",
    "Noche",
    "A\u00f1o",
    "Semana",
    "Santo",
    "Toussaint",
    "Jour de",
    "Natal",
    "Ano Novo",
    "Carnaval",
    "Reyes",
    "F\u00eate",
    "Saint-Jean",
    "St-Jean",
)
#: Finds something exactly when one of the cues or words above occurs (one scan, not one ``in``
#: test per cue: English notes have none of them).
_ANY_HOLIDAY_CUE: Final = re.compile(any_of(_HOLIDAY_CUES))
_ANY_FUNCTION_WORD: Final = re.compile(any_of(_FUNCTION_WORDS))
#: The month names of ``_MONTHS`` as plain substrings of the lower-cased note (the gate of a
#: day-month-year outside a note in the language; "mars" and "mai" only with a blank after).
_MONTH_STEMS: Final = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "janvier",
    "vrier",
    "mars ",
    "avril",
    "mai ",
    "juin",
    "juillet",
    "août",
    "aout",
    "cembre",
    "janeiro",
    "fevereiro",
    "março",
    "marco ",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
_AGE_CUES: Final = ("a\u00f1os", "anos", " ans")
_AGE_WORD_CUES: Final = ("noventa", "quatre-vingt", "nonante", "Noventa", "Quatre-vingt")
_STREET_CUES: Final = (
    "Calle",
    "Avenida",
    "Av.",
    "Calzada",
    "Privada",
    # (no "Callej": every text with it holds "Calle" above, so it never decided)
    "Carretera",
    "Rua ",
    "Travessa",
    "Estrada",
)
_FRENCH_STREET_CUES: Final = (
    " rue ",
    " avenue ",
    " boulevard ",
    " chemin ",
    " all\u00e9e ",
    " impasse ",
    " place ",
    " route ",
    " quai ",
    " rang ",
    " mont\u00e9e ",
)
#: What every town-region match holds, led by its comma or bracket (a fast scan): one pattern
#: for each, led by it as a literal (found faster than the class of the two).
_REGION_GATES: Final = tuple(
    re.compile(rf"{re.escape(lead)}[ \t]*(?:{_REGIONS})\b") for lead in ",("
)


# --- German, Dutch, Italian, Polish and Tagalog month names --------------------------------
#: Bilingual notes and letters from abroad date events in the writer's own language too: "am
#: 4. Juni 2024", "4 giugno", "dnia 4 czerwca", "w maju 2024", "noong Hunyo 4, 2024", "ika-4 ng
#: Hunyo", "4 juni 2024". A month name that is also an English month ("April", "August") is
#: listed for the German "6. April 1952" (a dot after the day); Polish months are listed in the
#: cases a date takes (genitive "czerwca", locative "czerwcu", nominative "czerwiec"), with and
#: without their accents (typists drop them).
_EU_MONTHS: Final = (
    # German (and "Jänner", Austrian)
    r"januar|j[äa]nner|februar|m[äa]rz|maerz|mai|juni|juli|oktober|dezember|"
    r"april|august|september|november|"
    # Dutch
    r"januari|februari|maart|mei|augustus|december|"
    # Italian
    r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|"
    r"dicembre|"
    # Polish
    r"stycz(?:nia|niu|e[ńn])|lut(?:ego|ym|y)|mar(?:ca|cu|zec)|kwie(?:tnia|tniu|cie[ńn])|"
    r"maj[au]?|czerw(?:ca|cu|iec)|lip(?:ca|cu|iec)|sierp(?:nia|niu|ie[ńn])|"
    r"wrze(?:[śs]nia|[śs]niu|sie[ńn])|pa[źz]dziernik(?:a|u)?|listopad(?:a|zie)?|"
    r"grud(?:nia|niu|zie[ńn])|"
    # Tagalog (the months it shares with Spanish are read in Spanish notes already)
    r"enero|pebrero|marso|abril|mayo|hunyo|hulyo|setyembre|oktubre|nobyembre|disyembre"
)
#: Tagalog months, written before the day ("Hunyo 4, 2024"); those shared with Spanish only
#: with a year after the day (see ``_european_dates``).
_MONTH_FIRST_TL: Final = re.compile(
    r"(?i)(?<![\w-])(pebrero|marso|hunyo|hulyo|setyembre|oktubre|nobyembre|disyembre|enero|"
    r"abril|mayo|agosto)[ \t]+(?:[12]\d|3[01]|0?[1-9])(?![\d:./%])"
    r"(,?[ \t]+(?:19|20)\d\d(?!\d))?"
)
#: "4. Juni 2024", "4 giugno", "4 czerwca 2024", "ika-4 ng Hunyo": a day, then its month
#: (a dot after the day in German; "ng" in Tagalog), then perhaps a four-digit year.
_DAY_EU_MONTH: Final = re.compile(
    r"(?i)(?<![\w/.,-])(?:ika-?[ \t]*)?(?:[12]\d|3[01]|0?[1-9])(?:\.[ \t]*|[ \t]+)"
    rf"(?:ng[ \t]+)?({_EU_MONTHS})\b(?:[ \t]+(?:19|20)\d\d(?!\d))?"
)
#: "Mai 2024", "giugno 2024", "maju 2024", "Oktober 2024": a month and its year.
_EU_MONTH_YEAR: Final = re.compile(rf"(?i)(?<![\w-])({_EU_MONTHS})[ \t]+(?:19|20)\d\d(?!\d)")
#: Month words that are also given names, an English word or a clinic ("Mai", "Juli", "Mayo",
#: "Maj."): as a month-year only after a preposition of one of these languages, and never
#: before a capitalised word (a name's surname) without a year.
_NAME_LIKE_MONTHS: Final = frozenset(["mai", "juli", "mayo", "maj", "maja", "luty", "marca"])
_PREPOSITIONS_BEFORE_MONTH: Final = frozenset(
    # Tagalog, German, Polish, Italian, Dutch
    [
        "noong",
        "nung",
        "sa",
        "ng",
        "mula",
        "hanggang",
        "im",
        "seit",
        "ab",
        "bis",
        "vom",
        "zum",
        "w",
        "we",
        "od",
        "do",
        "z",
        "nel",
        "del",
        "dal",
        "di",
        "a",
        "op",
        "van",
        "tot",
        "sinds",
    ]
)
_CAPITAL_WORD_AFTER: Final = re.compile(r"[ \t]+[A-Z][a-z]")
#: The gate: one of the month words above (as substrings of the lower-cased note; the short
#: ones with the blank or the mark that follows a month, since "mai" is in "email" and "maj" in
#: "major"). English notes rarely hold any, so the patterns above rarely run. Speed: each word
#: led by its rarest letter (``rare_led``: found exactly where ``any_of`` finds one; it is only
#: searched for, its match never read).
_EU_MONTH_GATE: Final = re.compile(
    rare_led(
        (
            "januar",
            "jänner",
            "februar",
            "märz",
            "maerz",
            "mai ",
            "mai.",
            "mai,",
            "juni",
            "juli",
            "oktober",
            "dezember",
            ". april",
            ". august",
            ". september",
            ". november",
            "maart",
            "mei ",
            "mei,",
            "mei.",
            "augustus",
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
            "stycz",
            "lutego",
            "lutym",
            "luty",
            "marca",
            "marcu",
            "marzec",
            "kwie",
            "maj ",
            "maja",
            "maju",
            "czerw",
            "lipca",
            "lipcu",
            "lipiec",
            "sierp",
            "wrze",
            "dziernik",
            "listopad",
            "grudn",
            "grudzie",
            "enero",
            "pebrero",
            "marso",
            "abril",
            "mayo",
            "hunyo",
            "hulyo",
            "setyembre",
            "oktubre",
            "nobyembre",
            "disyembre",
        )
    )
)


#: Speed: the Tagalog months of ``_MONTH_FIRST_TL`` as the lower-cased note holds them. In an
#: ASCII note a case-blind match of one of them is one of these words in the lower-cased note
#: (the only other letters a case-blind ASCII letter matches, the dotted capital I, the dotless
#: i, the long s and the Kelvin sign, are not ASCII), so a note with none of them needs no scan.
_TL_MONTH_WORDS: Final = (
    "pebrero",
    "marso",
    "hunyo",
    "hulyo",
    "setyembre",
    "oktubre",
    "nobyembre",
    "disyembre",
    "enero",
    "abril",
    "mayo",
    "agosto",
)
#: Speed: a year after a blank, where ``_EU_MONTH_YEAR`` is tried (see ``_month_years``).
_YEAR_AFTER_BLANK: Final = re.compile(r"[ \t](?:19|20)\d\d(?!\d)")


def _month_years(text: str) -> list[re.Match[str]]:
    """What ``_EU_MONTH_YEAR.finditer(text)`` finds, led by the year instead of trying the
    months' alternation at every word of the note (the gate above opens on every English
    "January" and "February"). A match is a month (letters, all word characters), blanks and a
    year after them, so its month is the whole run of word characters that ends where the
    blanks before the year begin (its look-behind rejects a start inside a run): for each year
    after a blank there is one place to try, and the regex itself decides there. Matches never
    overlap (one ends in its year's digits, the next starts at a month), so finditer's
    left-to-right scan finds each of these too, and in the same order."""
    out: list[re.Match[str]] = []
    for year in _YEAR_AFTER_BLANK.finditer(text):
        end = year.start()
        while end > 0 and text[end - 1] in " \t":
            end -= 1
        start = end
        # (``\w`` is ``str.isalnum()`` or the underscore)
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        if start < end and (m := _EU_MONTH_YEAR.match(text, start)) is not None:
            out.append(m)
    return out


def _european_dates(text: str, lowered: str) -> list[Span]:
    """Dates written with a German, Dutch, Italian, Polish or Tagalog month name (``lowered``:
    the note lower-cased, as ``OtherLanguageRecognizer.analyze`` has it)."""
    out: list[Span] = []
    for m in _DAY_EU_MONTH.finditer(text):
        month = m.group(1).lower()
        if (
            month in _NAME_LIKE_MONTHS
            and not m.group().rstrip()[-1:].isdigit()
            and _CAPITAL_WORD_AFTER.match(text, m.end())
        ):
            continue  # "2. Mai Nguyen, RN": a numbered list of names
        out.append(Span("DATE", *m.span(), 0.8, "languages"))
    for m in _month_years(text):
        if m.group(1).lower() in _NAME_LIKE_MONTHS:
            words = text[max(0, m.start() - 12) : m.start()].split()
            if not words or words[-1].lower() not in _PREPOSITIONS_BEFORE_MONTH:
                continue  # "Mayo 2019": the clinic, not May
        out.append(Span("DATE", *m.span(), 0.8, "languages"))
    if not text.isascii() or any(word in lowered for word in _TL_MONTH_WORDS):
        for m in _MONTH_FIRST_TL.finditer(text):
            if m.group(1).lower() in ("enero", "abril", "mayo", "agosto") and not m.group(2):
                continue  # Spanish months before a number: "Mayo 4 West" is a ward
            out.append(Span("DATE", *m.span(), 0.8, "languages"))
    return out


class OtherLanguageRecognizer(Recognizer):
    """Dates, ages over 89 and addresses in Spanish, French and Portuguese."""

    name = "languages"

    def analyze(self, text: str) -> list[Span]:
        # "Toronto, Ontario" is written in English notes too
        spans = _towns(text) if any(g.search(text) for g in _REGION_GATES) else []
        lowered = " " + text.lower()
        if (
            _ANY_FUNCTION_WORD.search(lowered)
            and sum(word in lowered for word in _FUNCTION_WORDS) >= 2
        ):
            for m in _DAY_MONTH.finditer(text):
                spans.append(Span("DATE", *m.span(), 0.8, self.name))
            for m in _MONTH_YEAR.finditer(text):
                spans.append(Span("DATE", *m.span(), 0.8, self.name))
            for regex in (_IN_MONTH, _WEEKDAY_DAY):
                spans.extend(Span("DATE", *m.span(1), 0.7, self.name) for m in regex.finditer(text))
            if any(cue in lowered for cue in _FRENCH_STREET_CUES):
                spans.extend(
                    Span("ADDRESS", *m.span(), 0.9, self.name)
                    for m in _NUMBER_FIRST_STREET.finditer(text)
                )
        elif any(stem in lowered for stem in _MONTH_STEMS):
            # "Fecha: 15 de marzo de 2024", "vue le 3 avril 2024": a day, a month of these
            # languages and a four-digit year is a date even in a line of English or a short
            # field without the function words that mark a note in the language
            for m in _DAY_MONTH.finditer(text):
                if m.group()[-1:].isdigit():
                    spans.append(Span("DATE", *m.span(), 0.8, self.name))
        if _EU_MONTH_GATE.search(lowered):
            spans.extend(_european_dates(text, lowered))
        if _ANY_HOLIDAY_CUE.search(text):
            spans.extend(Span("DATE", *m.span(), 0.8, self.name) for m in _HOLIDAYS.finditer(text))
        if any(cue in text for cue in _AGE_CUES):
            for m in _AGE_DIGITS.finditer(text):
                if int(m.group(1)) > 89:
                    spans.append(Span("AGE", *m.span(1), 0.8, self.name))
        if any(cue in text for cue in _AGE_WORD_CUES):
            spans.extend(Span("AGE", *m.span(), 0.8, self.name) for m in _AGE_WORDS.finditer(text))
        if any(cue in text for cue in _STREET_CUES):
            spans.extend(
                Span("ADDRESS", *m.span(), 0.9, self.name)
                for m in _STREET_TYPE_FIRST.finditer(text)
            )
        return spans


def _towns(text: str) -> list[Span]:
    """Towns named before a state or province, and again wherever they recur in Title case."""
    found = [m.span(1) for m in _TOWN_REGION.finditer(text)]
    out = [Span("LOCATION", start, end, 0.75, "languages") for start, end in found]
    for town in {text[start:end] for start, end in found}:
        for m in re.finditer(rf"(?<![\w'\u2019-]){re.escape(town)}(?![\w'\u2019-])", text):
            out.append(Span("LOCATION", *m.span(), 0.7, "languages"))
    return out
