"""The Farandole text export's wording and shapes, shared by its reader (`farandole`, whose
docstring describes the format) and its writer (`farandole_writer`): keywords, header variables,
perspectives, qualifier words, the blank and the dash, and the patterns that recognise them."""

import re

SOURCE_FORMAT = "farandole_text"
DOCUMENT_TYPES = ("PAP", "RAP")
# The real export of a programme has a few hundred lines (448 for P352), the largest a few thousand.
MAX_LINES = 200_000

# The format's wording, shared with its writer (orchestration.lib.ingest.farandole_writer).
OBJECTIVE_KEYWORD, INDICATOR_KEYWORD, MISSION_MARK = "OBJECTIF", "INDICATEUR", "mission"
YEAR_VARIABLE, PROGRAMME_VARIABLE, PROGRAMME_LABEL_VARIABLE = "annee", "numProg", "libelleProg"
UNIT_HEADING, PRECISIONS_HEADING = "Unité", "Précisions méthodologiques"
# The RAP pages (2019 on) head the same prose 'Commentaires techniques'; either ends a table.
TECHNICAL_COMMENTS_HEADING = "Commentaires techniques"
PERSPECTIVES = {  # perspective -> its wording, printed in parentheses under the indicator's label
    "citoyen": "du point de vue du citoyen",
    "usager": "du point de vue de l'usager",
    "contribuable": "du point de vue du contribuable",
}
# A year column's qualifier words as printed ('Prévision PAP 2019', 'Cible', 'Prévision actualisée'),
# besides years; the first word is one of the first three. _QUALIFIER_*_RE accept them (any accents).
QUALIFIER_WORDS = ("Réalisation", "Prévision", "Cible", "finale", "actualisée", "du", "PAP")
BLANK = "\xa0"  # the content of an "empty" paragraph (padding, or a blank last cell)
DASH = "–"  # between a number and its label ('1 – label'); a hyphen or em dash is read too
# What surrounds a line's content and is not content: ASCII whitespace, no-break spaces, BOM.
WHITESPACE = " \t\r\n\x0b\x0c\xa0\u2007\u202f\ufeff"

HEADER_VAR_RE = re.compile(r"\$@FwLOVariable\(\s*([^#,()\s]+)\s*[#,](.*)\)")
STYLE_RE = re.compile(r"\$@FwLOStyle\(.*\)")
# 'OBJECTIF' / 'INDICATEUR' alone (PAP 2024), or with the number (RAP, older PAP), 'mission' after it.
KEYWORD_RE = re.compile(
    rf"{OBJECTIVE_KEYWORD}(?:\s+(?P<obj>\d+))?"
    rf"|{INDICATOR_KEYWORD}(?:\s+(?P<ind>\d+\.\d+)(?:\s+(?P<mission>(?i:{MISSION_MARK})))?)?"
)
# a keyword and a number that is neither layout ('INDICATEUR 1.2 transversal'); longer lines are text
KEYWORD_LIKE_RE = re.compile(rf"(?:{OBJECTIVE_KEYWORD}|{INDICATOR_KEYWORD})\s+\d[\d.]*(?:\s+\S+)?")
MISSION_REF = "(Indicateur Mission)"  # ref_programme of a mission indicator's programme row (CSV)
OBJECTIVE_RE = re.compile(r"(\d+)\s*[–—-]\s*(\S.*)")
INDICATOR_RE = re.compile(r"(\d+)\.(\d+)\s*[–—-]\s*(\S.*)")
PERSPECTIVE_RE = re.compile(
    r"\(\s*du\s+point\s+de\s+vue\s+(?:du\s+|de\s+la\s+|de\s+l['’]\s*)?(\w+)\s*\)", re.I
)
PERSPECTIVE_NAMES = tuple(PERSPECTIVES)
UNIT_HEADER = (UNIT_HEADING, "Unite", "UNITÉ", "UNITE")
YEAR_RE = re.compile(r"(\d{4})(?:\s*(\(.*\)))?")
NOT_A_YEAR_RE = re.compile(r"\d{1,3}|\d{5,}|\d{4}\S.*|\d+\s*\(.*\)")
QUALIFIER_WORD = r"(?:r[ée]alisation|pr[ée]vision|cible|finale|actualis[ée]e|du|pap|\d{4})"
# a bare qualifier's first line ('Réalisation', 'Prévision', 'Cible', 'Prévision PAP 2019'…)
QUALIFIER_FIRST_RE = re.compile(rf"(?i:(?:r[ée]alisation|pr[ée]vision|cible)(?:\s+{QUALIFIER_WORD})*)")
# and its continuation lines ('PAP 2019', 'actualisée', 'finale'): qualifier words, not a lone year
QUALIFIER_NEXT_RE = re.compile(rf"(?i:(?!\d){QUALIFIER_WORD}(?:\s+{QUALIFIER_WORD})*)")
# the heading of the methodology prose that follows a table and ends it (PAP: 'Précisions
# méthodologiques'; RAP pages: 'Commentaires techniques')
PRECISIONS_RE = re.compile(r"(?:pr[ée]cisions\s+m[ée]thodologiques|commentaires?\s+techniques)\s*:?", re.I)
# a unit that is a number is a cell: the measure before it is a cell short or long
NUMBER_RE = re.compile(r"[-+−]?\s*\d[\d\s\xa0\u202f]*(?:[,.]\d+)?")
HEADING_RE = re.compile(
    r"(?P<h>sources?\s+des?\s+donn[ée]es|modes?\s+de\s+calcul|justifications?\s+des\s+cibles"
    r"|n\.?\s?b\.?(?=\s*:))\s*(?::\s*(?P<rest>.*))?",
    re.I,
)
SECTION_BY_INITIAL = {
    "s": "source_des_donnees",
    "m": "mode_de_calcul",
    "j": "justification_des_cibles",
    "n": "note",
}
HAS_LETTER_RE = re.compile(r"[^\W\d_]")


def quoted(s: str, limit: int = 70) -> str:
    return repr(s if len(s) <= limit else s[: limit - 1] + "…")


def looks_like_label(s: str) -> bool:
    """A measure label rather than a cell value: long text of several words (diagnostics only)."""
    return len(s) >= 40 and sum(1 for w in s.split() if HAS_LETTER_RE.search(w)) >= 5


class Indicator:
    """An indicator heading of the export, with its objective: what the reader and its table parser
    share while they read the indicator's tables."""

    __slots__ = (
        "code",
        "label",
        "mission",
        "number",
        "objective_code",
        "objective_label",
        "objective_number",
        "perspective",
    )

    def __init__(
        self,
        *,
        objective_code,
        objective_number,
        objective_label,
        code,
        number,
        label,
        perspective,
        mission=False,
    ):
        self.objective_code = objective_code
        self.objective_number = objective_number
        self.objective_label = objective_label
        self.code = code
        self.number = number
        self.label = label
        self.perspective = perspective
        self.mission = mission  # 'INDICATEUR 1.1 mission': a mission-level indicator
