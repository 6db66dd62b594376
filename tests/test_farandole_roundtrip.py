"""The Farandole writer against the reader: what is written reads back as the same cells.

A property test (hypothesis) writes random documents in each layout (the PAP 2024 export, the RAP
page, the older PAP) and reads them back with `read_farandole`; the real seed export and the two
hand-built pages are re-written in their own layout and must read as they did. The writer's refusals
are the documents the reader would not read back as given.
"""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.lib.ingest.farandole import BLANK, PERSPECTIVES, read_farandole
from orchestration.lib.ingest.farandole_writer import (
    LAYOUTS,
    OLDER_PAP,
    PAP,
    RAP_PAGE,
    SUBTITLE,
    SUBTITLE_VARIABLE,
    Column,
    Document,
    Indicator,
    Layout,
    Measure,
    Objective,
    write_farandole,
)
from orchestration.lib.ingest.records import ParsedDocument

from .conftest import SEED_FILE

FIXTURES = Path(__file__).parent / "fixtures"
# per layout; fewer when the profile asks for fewer than its default (`make test-fast`)
EXAMPLES = 150 if settings.default.max_examples >= 100 else settings.default.max_examples

# -- random documents --------------------------------------------------------------------------

_MEASURE_LEADS = ("Taux", "Nombre", "Délai", "Part", "Coût", "Ratio", "Écart", "Indice", "Montant", "Qualité")
_OBJECTIVE_LEADS = ("Améliorer", "Garantir", "Optimiser", "Renforcer", "Coordonner", "Maîtriser")
_TEXT_LEADS = ("Le", "La", "Les", "Cet", "Une", "Pour")
_WORDS = (
    "d’exécution",
    "de l'usager",
    "l’État",
    "des dossiers",
    "traités",
    "à",
    "–",
    "-",
    "—",
    "%",
    "(hors DOM)",
    "Île-de-France",
    "N-1",
    "au 31 décembre",
    "m²",
    "€",
    "«\xa0guichet\xa0»",
    "1er",
)
_UNITS = (
    "%",
    "Nb",
    "jours",
    "mois",
    "€",
    "M€",
    "ratio",
    "m²/poste",
    "€/m²",
    "sans unité",
    "Note sur 20",
    "‰",
)
_TEXT_CELLS = (
    "Non déterminé",
    "ND",
    "n.d.",
    "Sans objet",
    "> 10",
    "En hausse",
    "2 à 4,5",
    "–",
    "-",
    "(a)",
    "2024",
)
_SECTIONS = (  # (heading as printed, section); 'NB' is a heading only before a colon
    ("Source des données", "source_des_donnees", False),
    ("Mode de calcul", "mode_de_calcul", False),
    ("Justification des cibles", "justification_des_cibles", False),
    ("NB", "note", True),
)


@st.composite
def french_numbers(draw) -> str:
    integer = draw(st.integers(0, 10**7))
    separator = draw(st.sampled_from(["", " ", "\u202f", "\xa0"]))
    text = f"{integer:,}".replace(",", separator)
    decimals = draw(st.none() | st.integers(0, 999))
    if decimals is not None:
        text += f",{decimals}"
    if draw(st.booleans()) and integer:
        text = "-" + text
    return text + draw(st.sampled_from(["", "", " %", "\xa0%", "%"]))


_random_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçôœ’'-", min_size=1, max_size=10)
_fragments = st.one_of(st.sampled_from(_WORDS), french_numbers(), _random_words)


def labels(leads: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda lead, rest: " ".join([lead, *rest]),
        st.sampled_from(leads),
        st.lists(_fragments, max_size=6),
    )


_cell_values = st.one_of(french_numbers(), st.sampled_from(_TEXT_CELLS), _random_words)
_KINDS = ("realisation", "target", "target_of_record", "updated_forecast")


@st.composite
def columns(draw, vintage: int, layout: Layout) -> list[tuple[Column, str]]:
    """1-7 year columns with the value kind each must read as."""
    out = []
    for kind in draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=7)):
        year = vintage + draw(st.integers(-3, 3))
        later, earlier = year + draw(st.integers(1, 3)), year - draw(st.integers(1, 3))
        options = {
            "realisation": ["Réalisation"] + ([] if layout.bare_qualifiers else [None]),
            "target": ["Cible", "Cible finale", f"Cible PAP {earlier}"],
            "target_of_record": [f"Cible PAP {year}", f"Prévision PAP {year}", f"Cible du PAP {year}"],
            "updated_forecast": ["Prévision actualisée", f"Prévision PAP {later}"],
        }[kind]
        out.append((Column(year, draw(st.sampled_from(options))), kind))
    return out


@st.composite
def methodologies(draw) -> tuple[list[str], list[tuple[str, str, str]]]:
    """(paragraphs, expected [(section, heading, text)])."""
    paragraphs: list[str] = []
    expected: list[tuple[str, str, str]] = []
    texts = st.lists(labels(_TEXT_LEADS), max_size=2)
    some_text = st.lists(labels(_TEXT_LEADS), min_size=1, max_size=2)
    if draw(st.booleans()):  # text before any heading
        comment = draw(some_text)
        paragraphs += comment
        expected.append(("commentaire", "", "\n\n".join(comment)))
    for heading, section, inline in draw(st.lists(st.sampled_from(_SECTIONS), max_size=4)):
        text = draw(some_text if inline else texts)
        if inline or (text and draw(st.booleans())):  # 'Source des données : …'
            colon = draw(st.sampled_from([f"{BLANK}: ", " : ", ": "]))
            paragraphs += [f"{heading}{colon}{text[0]}", *text[1:]]
        else:  # the heading alone on its line
            paragraphs += [heading, *text]
        if draw(st.booleans()):
            paragraphs.append(BLANK)  # padding between sections
        expected.append((section, heading, "\n\n".join(text)))
    return paragraphs, expected


@st.composite
def documents(draw, layout: Layout) -> tuple[Document, list[tuple], list[tuple]]:
    """A document, the cells it must read as and its methodology records."""
    vintage = draw(st.integers(2008, 2030))
    programme = str(draw(st.integers(100, 999)))
    label = draw(st.none() | labels(_OBJECTIVE_LEADS))
    cells: list[tuple] = []
    records: list[tuple] = []
    objectives = []
    for o in draw(st.lists(st.integers(1, 20), min_size=1, max_size=3, unique=True)):
        objective = Objective(str(o), draw(labels(_OBJECTIVE_LEADS)), [])
        objectives.append(objective)
        for j in draw(st.lists(st.integers(1, 15), min_size=1, max_size=3, unique=True)):
            cols = draw(columns(vintage, layout))
            mission = layout.number_on_keyword and draw(st.booleans())
            methodology, sections = draw(methodologies())
            indicator = Indicator(
                f"{o}.{j}",
                draw(labels(_MEASURE_LEADS)),
                [c for c, _ in cols],
                [],
                draw(st.none() | st.sampled_from(sorted(PERSPECTIVES))),
                mission,
                methodology,
            )
            objective.indicators.append(indicator)
            code = f"P{programme}-{o}-{j}"
            records += [(code, *section) for section in sections]
            for position in range(1, draw(st.integers(1, 4)) + 1):
                values = draw(st.lists(_cell_values, min_size=len(cols), max_size=len(cols)))
                if draw(st.integers(0, 3)) == 0:
                    # blank last cells (a RAP leaves the years not yet known blank)
                    for k in range(1, draw(st.integers(1, min(2, len(values)))) + 1):
                        values[-k] = BLANK
                measure = Measure(
                    draw(labels(_MEASURE_LEADS)), draw(st.sampled_from(_UNITS) | _random_words), values
                )
                indicator.measures.append(measure)
                for k, ((column, kind), value) in enumerate(zip(cols, values, strict=True), 1):
                    cells.append(
                        (
                            f"P{programme}-{o}",
                            objective.label,
                            code,
                            indicator.number,
                            indicator.label,
                            indicator.perspective,
                            "(Indicateur Mission)" if mission else None,
                            position,
                            measure.label,
                            measure.unit,
                            k,
                            column.header(layout),
                            column.year,
                            kind,
                            value,
                        )
                    )
    subtitle = draw(st.sampled_from([SUBTITLE, None]))
    return Document(vintage, programme, label, objectives, subtitle), cells, records


def _cells(doc: ParsedDocument) -> list[tuple]:
    return [
        (
            c.objective_code,
            c.objective_label,
            c.indicator_code,
            c.indicator_number,
            c.indicator_label,
            c.perspective,
            c.ref_programme,
            c.measure_position,
            c.measure_label,
            c.unit_raw,
            c.column_position,
            c.column_header,
            c.year,
            c.value_kind,
            c.value_raw,
        )
        for c in doc.cells
    ]


def _methodology(doc: ParsedDocument) -> list[tuple]:
    return [(m.indicator_code, m.section, m.heading, m.text) for m in doc.methodology]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_written_documents_read_back_as_the_same_cells(layout, data):
    document, cells, records = data.draw(documents(layout))
    text = write_farandole(document, layout)
    doc = read_farandole("written.txt", text.encode(), document_type="RAP" if layout is RAP_PAGE else "PAP")
    assert (doc.vintage_year, doc.programme_code, doc.programme_label) == (
        document.vintage,
        f"P{document.programme_number}",
        document.programme_label,
    )
    assert doc.header.get(SUBTITLE_VARIABLE) == document.subtitle
    assert {c.sector_type for c in doc.cells} == {"programme"}
    assert _cells(doc) == cells
    assert _methodology(doc) == records


# -- the real export and the hand-built pages, re-written --------------------------------------


def _document_of(doc: ParsedDocument) -> Document:
    """The writer's document for what the reader read (cells and methodology)."""
    objectives: dict[str, Objective] = {}
    indicators: dict[str, Indicator] = {}
    for c in doc.cells:
        objective = objectives.get(c.objective_number)
        if objective is None:
            objective = objectives[c.objective_number] = Objective(c.objective_number, c.objective_label, [])
        indicator = indicators.get(c.indicator_code)
        if indicator is None:
            paragraphs = []
            for m in doc.methodology:
                if m.indicator_code != c.indicator_code:
                    continue
                text = m.text.split("\n\n") if m.text else []
                if m.heading and text:  # inline: 'NB' is a heading only before a colon
                    paragraphs += [f"{m.heading}{BLANK}: {text[0]}", *text[1:]]
                else:
                    paragraphs += [m.heading, *text] if m.heading else text
            indicator = indicators[c.indicator_code] = Indicator(
                c.indicator_number,
                c.indicator_label,
                [],
                [],
                c.perspective,
                c.ref_programme is not None,
                paragraphs,
            )
            objective.indicators.append(indicator)
        if c.measure_position > len(indicator.measures):
            indicator.measures.append(Measure(c.measure_label, c.unit_raw, []))
        if c.measure_position == 1:
            qualifier = c.column_header[4:].strip().removeprefix("(").removesuffix(")")
            indicator.columns.append(Column(c.year, qualifier or None))
        indicator.measures[-1].cells.append(c.value_raw)
    return Document(
        doc.vintage_year,
        doc.programme_code.removeprefix("P"),
        doc.programme_label,
        list(objectives.values()),
        doc.header.get(SUBTITLE_VARIABLE),
    )


@pytest.mark.parametrize(
    ("path", "layout", "document_type"),
    [
        (SEED_FILE, PAP, "PAP"),
        (FIXTURES / "rap_2019_p129_page.txt", RAP_PAGE, "RAP"),
        (FIXTURES / "pap_2023_p129_older_layout.txt", OLDER_PAP, "PAP"),
    ],
    ids=["seed-pap-2024", "rap-2019-page", "pap-2023-older"],
)
def test_published_layouts_rewritten_read_the_same(path, layout, document_type):
    original = read_farandole(path, document_type=document_type)
    assert original.cells
    text = write_farandole(_document_of(original), layout)
    again = read_farandole("rewritten.txt", text.encode(), document_type=document_type)
    assert _cells(again) == _cells(original)
    assert _methodology(again) == _methodology(original)
    assert again.header == original.header
    if layout is RAP_PAGE:  # the blank last cells (U+00A0 lines) are kept as cells
        assert [c.value_raw for c in again.cells].count(BLANK) == 2


# -- what the writer refuses -------------------------------------------------------------------


def _one(indicator: Indicator, number: str = "1") -> Document:
    return Document(2024, "129", "Programme", [Objective(number, "Objectif", [indicator])])


_COLUMNS = [Column(2023), Column(2024, "Cible")]


@pytest.mark.parametrize(
    ("layout", "indicator", "message"),
    [
        (PAP, Indicator("1.1", "Taux", _COLUMNS, [Measure("Taux", "%", [BLANK, "5"])]), "blank cell"),
        (PAP, Indicator("1.1", "Taux", _COLUMNS, [Measure("Taux", "%", ["5"])]), "1 cells for 2"),
        (PAP, Indicator("1.1", "Taux", _COLUMNS, [Measure("Taux\nbis", "%", ["4", "5"])]), "one line"),
        (PAP, Indicator("1.1", "Taux", _COLUMNS, [Measure(" Taux", "%", ["4", "5"])]), "one line"),
        (PAP, Indicator("1.1", "Taux", _COLUMNS, [Measure("1 234", "%", ["4", "5"])]), "a letter"),
        (PAP, Indicator("1.1", "Taux", _COLUMNS, [Measure("Taux", "", ["4", "5"])]), "one line"),
        (
            PAP,
            Indicator("1.1", "Taux", _COLUMNS, [Measure("Taux", "%", ["4", "5"])], mission=True),
            "mission",
        ),
        (PAP, Indicator("2.1", "Taux", _COLUMNS, [Measure("Taux", "%", ["4", "5"])]), "expected 1.x"),
        (PAP, Indicator("1.1", "Taux", [Column(2024, "Objectif")], [Measure("T", "%", ["4"])]), "qualifier"),
        (RAP_PAGE, Indicator("1.1", "Taux", _COLUMNS, [Measure("Taux", "%", ["4", "5"])]), "every column"),
        (
            RAP_PAGE,
            Indicator("1.1", "Taux", [Column(2024, "Cible (PAP)")], [Measure("T", "%", ["4"])]),
            "word",
        ),
    ],
)
def test_the_writer_refuses_what_would_not_read_back(layout, indicator, message):
    with pytest.raises(ValueError, match=message):
        write_farandole(_one(indicator), layout)


def test_the_pap_layout_is_the_seed_s():
    """Lines the writer prints in the PAP layout are the seed export's own (keywords, padding)."""
    seed_lines = set(SEED_FILE.read_text(encoding="utf-8").split("\n"))
    measure = Measure("Taux", "%", ["4", "5"])
    text = write_farandole(_one(Indicator("1.1", "Taux", _COLUMNS, [measure], "citoyen", methodology=["x"])))
    for line in text.split("\n"):
        if (
            line.startswith(("OBJECTIF", "INDICATEUR", "$@FwLOVariable(enteteSousTitre", BLANK))
            or not line.strip()
        ):
            assert line in seed_lines, repr(line)
