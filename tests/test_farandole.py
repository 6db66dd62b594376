"""Tests of the Farandole text reader on the real PAP 2024 programme 352 export and broken copies of it."""

import re
from collections import Counter
from pathlib import Path

import pytest

from orchestration.lib.ingest.cells import parse_cell
from orchestration.lib.ingest.farandole import read_farandole
from orchestration.lib.ingest.loader import SourceFile, document_id_for, parse_source
from orchestration.lib.ingest.records import CellRecord, ParsedDocument, SourceFormatError

REAL = Path(__file__).resolve().parents[1] / "raw" / "pap" / "2024" / "000_9fa5ff6774201ab1.txt"
RAW = REAL.read_bytes()
TEXT = RAW.decode("utf-8")
LINES = TEXT.split("\n")  # the real file uses LF line endings

YEARS = [2021, 2022, 2023, 2024, 2025, 2026]
HEADERS = ["2021", "2022", "2023 (Cible PAP 2023)", "2024 (Cible)", "2025 (Cible)", "2026 (Cible)"]
KINDS = ["realisation", "realisation", "target_of_record", "target", "target", "target"]

# (indicator, measure position, unit, values 2021..2026) as published.
ROWS = [
    ("1.1", 1, "Nb", ["5", "6", "6", "7", "7", "7"]),
    ("1.2", 1, "Nb", ["19", "9", "12", "15", "15", "15"]),
    ("1.3", 1, "Nb", ["Non déterminé", "6", "8", "8", "8", "8"]),
    ("2.1", 1, "Nb", ["39", "45", "70", "25", "15", "15"]),
    ("2.1", 2, "%", ["49", "45", "50", "50", "50", "50"]),
    ("2.2", 1, "Nb", ["20", "13", "18", "10", "10", "10"]),
    ("2.2", 2, "%", ["30", "54", "50", "50", "50", "50"]),
    ("2.3", 1, "Nb", ["180", "165", "210", "220", "230", "230"]),
    ("2.3", 2, "%", ["53", "47", "50", "50", "50", "50"]),
]

# (indicator, section) -> a distinctive substring of the text.
METHODOLOGY = {
    ("1.1", "source_des_donnees"): "tableau de suivi de l’incubateur des services numériques de la DINUM",
    ("1.1", "mode_de_calcul"): "Cet indicateur mesure un flux et non un stock",
    ("1.1", "justification_des_cibles"): "jalonné de quatre phases",
    ("1.2", "source_des_donnees"): "tableau de suivi des lauréats du FAST",
    ("1.2", "mode_de_calcul"): "comités d’investissements du FAST en année N",
    ("1.2", "justification_des_cibles"): "deux promotions sont constituées",
    ("1.3", "source_des_donnees"): "?incubateur=dinum_produits_interministeriels",
    ("1.3", "mode_de_calcul"): "somme des produits interministériels et des produits ministériels",
    ("1.3", "justification_des_cibles"): "la valorisation des stages pro",
    ("2.1", "source_des_donnees"): "Le département Étalab de la DINUM pilote la sélection",
    ("2.1", "mode_de_calcul"): "comptage manuel effectué chaque année",
    ("2.1", "justification_des_cibles"): "relancé fin 2023/début 2024",
    ("2.2", "source_des_donnees"): "quelle que soit la durée du contrat",
    ("2.2", "mode_de_calcul"): "comptage réalisé auprès de tous les EIG",
    ("2.2", "justification_des_cibles"): "sera maintenant ciblé sur des profils de haut niveau",
    ("2.3", "source_des_donnees"): "https\xa0://beta.gouv.fr/communaute",
    ("2.3", "mode_de_calcul"): "formés à la méthode Startups d’État en année N",
    ("2.3", "justification_des_cibles"): "reste en hausse sur la période 2022-2025.",
}


@pytest.fixture(scope="module")
def doc() -> ParsedDocument:
    return read_farandole(REAL)


def parse_text(
    tmp_path: Path, text: str, name: str = "broken.txt", encoding: str = "utf-8"
) -> ParsedDocument:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_farandole(path)


def parse_error(tmp_path: Path, data: bytes, name: str = "broken.txt") -> SourceFormatError:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceFormatError) as info:
        read_farandole(path)
    err = info.value
    assert err.path == str(path)
    assert err.line is not None
    assert str(err).startswith(f"{path}:{err.line}: ")
    return err


def without_lines(*numbers: int) -> str:
    """The real text without the given 1-based lines."""
    return "\n".join(line for n, line in enumerate(LINES, 1) if n not in numbers)


def cell_tuples(doc: ParsedDocument) -> list[tuple]:
    return [
        (
            c.source_line,
            c.indicator_code,
            c.measure_position,
            c.column_position,
            c.year,
            c.value_kind,
            c.value_raw,
        )
        for c in doc.cells
    ]


def labels(doc: ParsedDocument) -> list[tuple[str, str, str]]:
    return [(c.objective_label, c.indicator_label, c.measure_label) for c in doc.cells]


def cell(doc: ParsedDocument, indicator: str, measure: int, year: int) -> CellRecord:
    (found,) = [
        c
        for c in doc.cells
        if c.indicator_number == indicator and c.measure_position == measure and c.year == year
    ]
    return found


# -- the real file -----------------------------------------------------------------------------


def test_document_header(doc: ParsedDocument) -> None:
    assert doc.source_format == "farandole_text"
    assert doc.vintage_year == 2024
    assert doc.programme_code == "P352"
    assert doc.programme_label == "Innovation et transformation numériques"
    assert doc.header == {
        "annee": "2024",
        "numProg": "352",
        "libelleProg": "Innovation et transformation numériques",
        "enteteSousTitre": "Objectifs et indicateurs de performance",
    }
    assert doc.encoding == "utf-8"
    assert doc.line_count == 449  # 448 line feeds, the last line has none


def test_structure(doc: ParsedDocument) -> None:
    assert len(doc.cells) == 54
    assert sorted({(c.objective_code, c.objective_number) for c in doc.cells}) == [
        ("P352-1", "1"),
        ("P352-2", "2"),
    ]
    indicators = sorted({(c.indicator_code, c.indicator_number) for c in doc.cells})
    assert indicators == [
        ("P352-1-1", "1.1"),
        ("P352-1-2", "1.2"),
        ("P352-1-3", "1.3"),
        ("P352-2-1", "2.1"),
        ("P352-2-2", "2.2"),
        ("P352-2-3", "2.3"),
    ]
    measures = {(c.indicator_number, c.measure_position) for c in doc.cells}
    assert len(measures) == 9
    assert {(c.column_position, c.column_header, c.year) for c in doc.cells} == set(
        zip(range(1, 7), HEADERS, YEARS, strict=True)
    )
    for c in doc.cells:
        assert c.record_number is None
        assert c.programme_code == "P352"
        assert c.programme_label == "Innovation et transformation numériques"
        assert (c.mission_code, c.mission_label, c.budget_type) == (None, None, None)
        assert c.sector_type == "programme"
        assert c.perspective == "citoyen"
        assert c.indicator_code == f"P352-{c.indicator_number.replace('.', '-')}"
        assert c.objective_code == f"P352-{c.objective_number}"
        assert c.indicator_number.startswith(c.objective_number + ".")


def test_labels(doc: ParsedDocument) -> None:
    c = cell(doc, "1.1", 1, 2021)
    assert (
        c.objective_label == "Favoriser l'émergence de produits numériques utiles aux usagers et aux agents"
    )
    assert c.indicator_label == (
        "Nombre de produits devenus des services public à impact national majeur au cours de l'année"
    )
    # the measure label uses a curly apostrophe where the indicator label has a straight one
    assert c.measure_label == (
        "Nombre de produits devenus des services public à impact national majeur au cours de l’année"
    )
    c = cell(doc, "2.1", 2, 2021)
    assert (
        c.objective_label
        == "Développer des méthodes de recrutement innovantes pour résoudre des défis publics"
    )
    assert c.measure_label.endswith("sélectionnés dans l'année .")  # kept as printed
    assert cell(doc, "2.3", 1, 2026).indicator_label == (
        "Nombre de nouveaux agents publics impliqués dans la diffusion de l'approche Startup d'État"
    )


def test_every_row(doc: ParsedDocument) -> None:
    rows = {}
    for c in doc.cells:
        rows.setdefault((c.indicator_number, c.measure_position, c.unit_raw), []).append(
            (c.column_position, c.value_raw)
        )
    expected = {(ind, pos, unit): list(enumerate(values, 1)) for ind, pos, unit, values in ROWS}
    assert rows == expected
    share = {c.indicator_number for c in doc.cells if c.measure_label.startswith("Part des femmes")}
    assert share == {"2.1", "2.2", "2.3"}
    assert {c.unit_raw for c in doc.cells if c.measure_label.startswith("Part des femmes")} == {"%"}


def test_value_kinds(doc: ParsedDocument) -> None:
    for c in doc.cells:
        assert c.value_kind == KINDS[c.year - 2021]
        assert c.column_header == HEADERS[c.year - 2021]


def test_single_non_determine(doc: ParsedDocument) -> None:
    found = [c for c in doc.cells if c.value_raw == "Non déterminé"]
    assert len(found) == 1
    assert (found[0].indicator_number, found[0].year, found[0].source_line) == ("1.3", 2021, 181)


def test_source_lines(doc: ParsedDocument) -> None:
    # checked with grep -n / sed -n on the file
    assert cell(doc, "1.1", 1, 2021).source_line == 51
    assert cell(doc, "1.1", 1, 2023).source_line == 55
    assert cell(doc, "1.1", 1, 2026).source_line == 61
    assert cell(doc, "1.2", 1, 2021).source_line == 121
    assert cell(doc, "2.1", 1, 2024).source_line == 258
    assert cell(doc, "2.3", 2, 2026).source_line == 437
    for c in doc.cells:  # every source_line points at the value itself
        assert LINES[c.source_line - 1].strip(" \xa0") == c.value_raw


def test_methodology(doc: ParsedDocument) -> None:
    by_key: dict[tuple[str, str], list] = {}
    for m in doc.methodology:
        by_key.setdefault((m.indicator_code, m.section), []).append(m)
    expected_keys = {(f"P352-{ind.replace('.', '-')}", section) for ind, section in METHODOLOGY}
    expected_keys.add(("P352-1-2", "note"))
    assert set(by_key) == expected_keys
    assert all(len(records) == 1 for records in by_key.values())
    headings = {"source_des_donnees": "Source des données", "mode_de_calcul": "Mode de calcul"}
    headings |= {"justification_des_cibles": "Justification des cibles", "note": "NB"}
    for (ind, section), substring in METHODOLOGY.items():
        (m,) = by_key[(f"P352-{ind.replace('.', '-')}", section)]
        assert substring in m.text, (ind, section)
        assert m.heading == headings[section]
        assert m.text == m.text.strip(" \xa0\n")
        assert "\n\n\n" not in m.text
        assert m.source_line_start <= m.source_line_end
    (note,) = by_key[("P352-1-2", "note")]
    assert note.text.startswith("le FAST peut également cofinancer la création de nouveaux incubateurs")
    assert (note.heading, note.source_line_start, note.source_line_end) == ("NB", 143, 143)


def test_methodology_layouts(doc: ParsedDocument) -> None:
    def get(code: str, section: str):
        (m,) = [m for m in doc.methodology if m.indicator_code == code and m.section == section]
        return m

    # inline heading 'Source des données\xa0: text'
    m = get("P352-1-1", "source_des_donnees")
    assert (
        m.text
        == "tableau de suivi de l’incubateur des services numériques de la DINUM\xa0; beta.gouv.fr/startups"
    )
    assert (m.source_line_start, m.source_line_end) == (67, 67)
    # heading alone on its line (trailing NBSP), text on the next paragraphs
    m = get("P352-2-1", "source_des_donnees")
    assert m.text.startswith("Chaque année, un appel à candidatures d’EIG")
    assert m.text.count("\n\n") == 1
    assert (m.source_line_start, m.source_line_end) == (284, 288)
    # an unrecognised 'Produits interministériels\xa0: …' paragraph stays in the current section
    m = get("P352-1-3", "source_des_donnees")
    assert m.text.split("\n\n") == [
        "site internet de beta.gouv.fr",
        "Produits interministériels\xa0: https\xa0://beta.gouv.fr/startups/\xa0?incubateur=dinum_produits_interministeriels",
        "Produits lancés par la DINUM pour le compte d’autres ministères\xa0:\xa0https\xa0://beta.gouv.fr/startups/"
        "\xa0?incubateur=dinum",
    ]
    # multi-paragraph mode de calcul, NBSP-only lines dropped
    m = get("P352-1-1", "mode_de_calcul")
    assert m.text.count("\n\n") == 5  # 6 paragraphs at lines 71, 73, 75, 77, 79 and 83
    assert m.text.startswith("Le programme beta.gouv.fr a pour objectif principal")
    assert "• a) Le service a prouvé son utilité" in m.text
    assert (m.source_line_start, m.source_line_end) == (71, 83)
    # last section of the file (no trailing line break)
    m = get("P352-2-3", "justification_des_cibles")
    assert m.source_line_end == 449
    assert m.text.endswith("sur la période 2022-2025.")


def test_reads_path_when_no_data(tmp_path: Path) -> None:
    path = tmp_path / "copy.txt"
    path.write_bytes(RAW)
    assert cell_tuples(read_farandole(path)) == cell_tuples(read_farandole(path, RAW))


# -- robust to variants --------------------------------------------------------------------------


def test_crlf_gives_identical_cells(tmp_path: Path, doc: ParsedDocument) -> None:
    crlf = parse_text(tmp_path, TEXT.replace("\n", "\r\n"))
    assert cell_tuples(crlf) == cell_tuples(doc)
    assert labels(crlf) == labels(doc)
    assert crlf.methodology == doc.methodology
    assert crlf.line_count == doc.line_count


def test_crlf_with_final_line_break(tmp_path: Path, doc: ParsedDocument) -> None:
    crlf = parse_text(tmp_path, TEXT.replace("\n", "\r\n") + "\r\n")
    assert cell_tuples(crlf) == cell_tuples(doc)
    assert crlf.line_count == doc.line_count


def test_lone_cr_line_endings(tmp_path: Path, doc: ParsedDocument) -> None:
    assert cell_tuples(parse_text(tmp_path, TEXT.replace("\n", "\r"))) == cell_tuples(doc)


def test_bom(tmp_path: Path, doc: ParsedDocument) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + RAW)
    bom = read_farandole(path)
    assert bom.vintage_year == 2024 and bom.header == doc.header
    assert cell_tuples(bom) == cell_tuples(doc)
    assert bom.methodology == doc.methodology


def test_cp1252(tmp_path: Path, doc: ParsedDocument) -> None:
    # Every character of the file exists in cp1252 (é, ’, –, «, •, €, U+00A0…); replace any that would not.
    text = "".join(ch if _in_cp1252(ch) else "?" for ch in TEXT)
    assert text == TEXT
    legacy = parse_text(tmp_path, text, encoding="cp1252")
    assert legacy.encoding == "cp1252"
    assert legacy.programme_label == doc.programme_label
    assert labels(legacy) == labels(doc)
    assert cell_tuples(legacy) == cell_tuples(doc)
    assert legacy.methodology == doc.methodology


def _in_cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def test_hyphen_instead_of_en_dash(tmp_path: Path, doc: ParsedDocument) -> None:
    assert TEXT.count(" – ") == 8  # 2 objectives, 6 indicators
    hyphen = parse_text(tmp_path, TEXT.replace(" – ", " - "))
    assert labels(hyphen) == labels(doc)
    assert cell_tuples(hyphen) == cell_tuples(doc)


def test_straight_apostrophes(tmp_path: Path, doc: ParsedDocument) -> None:
    straight = parse_text(tmp_path, TEXT.replace("’", "'"))
    assert cell_tuples(straight) == cell_tuples(doc)
    assert labels(straight) == [tuple(s.replace("’", "'") for s in row) for row in labels(doc)]
    assert [(m.indicator_code, m.section) for m in straight.methodology] == [
        (m.indicator_code, m.section) for m in doc.methodology
    ]


def test_old_comma_header(tmp_path: Path, doc: ParsedDocument) -> None:
    text = re.sub(r"\$@FwLOVariable\((\w+)#", r"$@FwLOVariable(\1,", TEXT).replace(
        "(annee,2024)", "(annee,2019)"
    )
    assert "$@FwLOVariable(annee,2019)" in text
    old = parse_text(tmp_path, text)
    assert old.vintage_year == 2019
    assert old.programme_code == "P352"
    assert old.header["libelleProg"] == "Innovation et transformation numériques"
    assert cell_tuples(old) == cell_tuples(doc)


def test_missing_perspective(tmp_path: Path) -> None:
    parsed = parse_text(tmp_path, without_lines(25))
    assert {c.perspective for c in parsed.cells if c.indicator_number == "1.1"} == {None}
    assert {c.perspective for c in parsed.cells if c.indicator_number != "1.1"} == {"citoyen"}


def test_year_and_qualifier_on_one_line(tmp_path: Path, doc: ParsedDocument) -> None:
    text = TEXT.replace("2023\n(Cible PAP 2023)", "2023 (Cible PAP 2023)")
    parsed = parse_text(tmp_path, text)
    assert [c.column_header for c in parsed.cells] == [c.column_header for c in doc.cells]
    assert [c.value_kind for c in parsed.cells] == [c.value_kind for c in doc.cells]


# -- errors ------------------------------------------------------------------------------------


def test_truncated_mid_table(tmp_path: Path) -> None:
    data = "\n".join(LINES[:55]).encode() + b"\n"  # ends after the 2023 cell of indicator 1.1
    err = parse_error(tmp_path, data)
    assert err.line == 55
    assert "table cut short" in err.message
    assert "has 3 cells for 6 year columns at end of file (line 55)" in err.message


def values(doc: ParsedDocument) -> list[tuple[str, int, int, str]]:
    """The cells without their lines (for copies with lines removed)."""
    return [(c.indicator_code, c.measure_position, c.column_position, c.value_raw) for c in doc.cells]


def without_measures(doc: ParsedDocument, *held: tuple[str, int]) -> list[tuple[str, int, int, str]]:
    return [v for v in values(doc) if v[:2] not in held]


def test_table_cut_short_by_next_indicator(tmp_path: Path, doc: ParsedDocument) -> None:
    # 1.1 loses 3 cells and its methodology: its measure is held, the other indicators land
    parsed = parse_text(tmp_path, without_lines(*range(57, 91)))
    (held,) = parsed.skipped
    assert (held.source_line, held.programme_code, held.record_number) == (47, "P352", None)
    assert held.reason.startswith("measure 1 of indicator P352-1-1 held (lines 47-55): missing cell:")
    assert "has 3 cells for 6 year columns before 'INDICATEUR' (line 57)" in held.reason
    assert values(parsed) == without_measures(doc, ("P352-1-1", 1))


def test_missing_cell_last_measure(tmp_path: Path, doc: ParsedDocument) -> None:
    parsed = parse_text(tmp_path, without_lines(55))  # the 2023 cell of indicator 1.1
    (held,) = parsed.skipped
    assert held.source_line == 47  # the measure label
    assert "missing cell" in held.reason
    assert "has 5 cells for 6 year columns before 'Précisions méthodologiques' (line 64)" in held.reason
    assert "(table of indicator 1.1 at line 29)" in held.reason
    assert values(parsed) == without_measures(doc, ("P352-1-1", 1))
    # the methodology after the held measure is read, one line up
    assert [(m.indicator_code, m.section, m.text, m.source_line_start + 1) for m in parsed.methodology] == [
        (m.indicator_code, m.section, m.text, m.source_line_start) for m in doc.methodology
    ]


def test_missing_cell_first_of_two_measures(tmp_path: Path, doc: ParsedDocument) -> None:
    # the 2024 cell of 2.1's first measure: the next measure's label would be its 6th cell
    parsed = parse_text(tmp_path, without_lines(258))
    (held,) = parsed.skipped
    assert held.source_line == 248
    assert held.reason.startswith("measure 1 of indicator P352-2-1 held (lines 248-261): missing cell:")
    assert "has 5 cells for 6 year columns: line 263" in held.reason
    assert "looks like the next measure's label" in held.reason
    # the second measure of the same table lands, at its own position
    assert values(parsed) == without_measures(doc, ("P352-2-1", 1))
    assert cell(parsed, "2.1", 2, 2026).source_line == 277


def test_missing_and_extra_cell_compensating(tmp_path: Path, doc: ParsedDocument) -> None:
    lines = list(LINES)
    del lines[257]  # 2.1 first measure loses its 2024 cell…
    lines.insert(266, "77")  # …and the second measure gains one: neither reads, both are held
    parsed = parse_text(tmp_path, "\n".join(lines))
    (held,) = parsed.skipped
    assert held.source_line == 248
    assert held.reason.startswith("measure 1 of indicator P352-2-1 held (lines 248-278): missing cell:")
    assert values(parsed) == without_measures(doc, ("P352-2-1", 1), ("P352-2-1", 2))


def test_empty_file(tmp_path: Path) -> None:
    err = parse_error(tmp_path, b"", name="empty.txt")
    assert err.line == 1
    assert "empty file" in err.message
    err = parse_error(tmp_path, b" \r\n\r\n", name="blank.txt")
    assert "empty file" in err.message


def test_nbsp_only_file_has_no_objective(tmp_path: Path) -> None:
    err = parse_error(tmp_path, "\xa0\n\xa0\n".encode())
    assert "no OBJECTIF" in err.message


def test_no_objective(tmp_path: Path) -> None:
    err = parse_error(tmp_path, "\n".join(LINES[:12]).encode())  # 11 lines and a final line break
    assert err.line == 11
    assert "no OBJECTIF" in err.message


def test_duplicate_indicator(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("\n1.2 – ", "\n1.1 – ").encode())
    assert err.line == 93
    assert "duplicate indicator 1.1, first at line 23" in err.message


def test_duplicate_objective(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("\n2 – ", "\n1 – ").replace("\n2.", "\n1.").encode())
    assert err.line == 217
    assert "duplicate objective 1, first at line 16" in err.message


def test_unknown_column_qualifier(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("(Cible)", "(Objectif interne)", 1).encode())
    assert err.line == 39
    assert "unknown value kind" in err.message
    assert "Objectif interne" in err.message


def test_missing_header_variables(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("$@FwLOVariable(annee#2024)", "").encode())
    assert err.line == 14
    assert "missing header variable annee" in err.message
    err = parse_error(tmp_path, TEXT.replace("$@FwLOVariable(numProg#352)", "").encode())
    assert "missing header variable numProg" in err.message


def test_indicator_before_objective(tmp_path: Path) -> None:
    err = parse_error(tmp_path, without_lines(14).encode())
    assert err.line == 20  # the first INDICATEUR, moved up one line
    assert "INDICATEUR before any OBJECTIF" in err.message


def test_indicator_of_another_objective(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("\n1.2 – ", "\n2.2 – ").encode())
    assert err.line == 93
    assert "indicator 2.2 does not belong to the current objective 1 (line 16)" in err.message


def test_table_without_year_columns(tmp_path: Path) -> None:
    err = parse_error(tmp_path, without_lines(*range(31, 46)).encode())
    assert err.line == 32  # the measure label, moved up
    assert "table of indicator 1.1 at line 29 has no year columns" in err.message


def test_year_not_four_digits(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("\n2022\n", "\n202\n", 1).encode())
    assert err.line == 33
    assert "year column header '202' is not a 4-digit year" in err.message


def test_bad_objective_line(tmp_path: Path) -> None:
    err = parse_error(tmp_path, TEXT.replace("\n1 – Favoriser", "\nFavoriser", 1).encode())
    assert err.line == 16
    assert "expected objective number and label like '1 – label' after OBJECTIF (line 14)" in err.message


def test_unknown_perspective(tmp_path: Path) -> None:
    err = parse_error(
        tmp_path, TEXT.replace("(du point de vue du citoyen)", "(du point de vue du ministre)", 1).encode()
    )
    assert err.line == 25
    assert "perspective" in err.message


def test_binary_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(TEXT.encode("utf-16"))
    with pytest.raises(SourceFormatError) as info:
        read_farandole(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("(du point de vue de l’usager)", "usager"),
        ("(du point de vue de l'usager)", "usager"),
        ("(du point de vue du contribuable)", "contribuable"),
        ("(du point de vue du Citoyen)", "citoyen"),
    ],
)
def test_perspectives(tmp_path: Path, printed: str, expected: str) -> None:
    parsed = parse_text(tmp_path, TEXT.replace("(du point de vue du citoyen)", printed))
    assert {c.perspective for c in parsed.cells} == {expected}


def test_heading_alone_with_ascii_trailing_spaces(tmp_path: Path, doc: ParsedDocument) -> None:
    text = TEXT.replace(
        "Source des données\xa0: tableau de suivi de l’incubateur",
        "Source des données   \n\ntableau de suivi de l’incubateur",
    )
    parsed = parse_text(tmp_path, text)
    (m,) = [
        m for m in parsed.methodology if m.indicator_code == "P352-1-1" and m.section == "source_des_donnees"
    ]
    (original,) = [
        m for m in doc.methodology if m.indicator_code == "P352-1-1" and m.section == "source_des_donnees"
    ]
    assert (m.heading, m.text) == (original.heading, original.text)
    assert (m.source_line_start, m.source_line_end) == (67, 69)


def test_text_before_any_heading_is_commentaire(tmp_path: Path) -> None:
    text = TEXT.replace(
        "Précisions méthodologiques\n\nSource des données\xa0: tableau de suivi des lauréats",
        "Précisions méthodologiques\n\nUn commentaire libre.\n\n"
        "Source des données\xa0: tableau de suivi des lauréats",
    )
    parsed = parse_text(tmp_path, text)
    (m,) = [m for m in parsed.methodology if m.section == "commentaire"]
    assert (m.indicator_code, m.heading, m.text, m.source_line_start) == (
        "P352-1-2",
        "",
        "Un commentaire libre.",
        137,
    )


# -- RAP one-programme pages and older PAP vintages (hand-built pages in tests/fixtures) ----------

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAP_PAGE = FIXTURES / "rap_2019_p129_page.txt"
RAP_TEXT = RAP_PAGE.read_bytes().decode("utf-8")
RAP_LINES = RAP_TEXT.split("\n")[:-1]  # the file ends with a line break
OLDER_PAP = FIXTURES / "pap_2023_p129_older_layout.txt"

RAP_HEADERS = [
    "2017 Réalisation",
    "2018 Réalisation",
    "2019 Prévision PAP 2019",
    "2019 Prévision actualisée",
    "2019 Réalisation",
    "2020 Cible PAP 2019",
]
RAP_YEARS = [2017, 2018, 2019, 2019, 2019, 2020]
RAP_KINDS = ["realisation", "realisation", "target_of_record", "updated_forecast", "realisation", "target"]
# (indicator, measure position, unit, the six cells as published)
RAP_ROWS = [
    ("1.1", 1, "%", ["86", "89", "100", "95", "91", "100"]),
    ("1.1", 2, "mois", ["5,8", "5,1", "6", "6", "4,9", "\xa0"]),
    ("1.2", 1, "%", ["0,7", "0,6", "0,5", "0,5", "0,8", "0,5"]),
    ("2.1", 1, "m²/poste", ["12,8", "12,6", "12", "12,4", "12,3", "\xa0"]),
    ("2.1", 2, "€/m²", ["24", "26", "25", "25", "24,1", "25"]),
]


@pytest.fixture(scope="module")
def rap() -> ParsedDocument:
    return read_farandole(RAP_PAGE, document_type="RAP")


def rap_with(changes: dict[int, str | None]) -> str:
    """The RAP page with lines replaced (1-based line -> new text; None deletes the line)."""
    out = []
    for n, line in enumerate(RAP_LINES, 1):
        new = changes.get(n, line)
        if new is not None:
            out.append(new)
    return "\n".join(out) + "\n"


def rows_by_measure(doc: ParsedDocument) -> dict[tuple[str, int, str], list[str]]:
    rows: dict[tuple[str, int, str], list[str]] = {}
    for c in doc.cells:
        rows.setdefault((c.indicator_number, c.measure_position, c.unit_raw), []).append(c.value_raw)
    return rows


def cell_at(doc: ParsedDocument, indicator: str, measure: int, column: int) -> CellRecord:
    (found,) = [
        c
        for c in doc.cells
        if (c.indicator_number, c.measure_position, c.column_position) == (indicator, measure, column)
    ]
    return found


def test_rap_page_header(rap: ParsedDocument) -> None:
    assert rap.source_format == "farandole_text"
    assert (rap.vintage_year, rap.programme_code) == (2019, "P129")
    assert rap.programme_label == "Coordination du travail gouvernemental"
    # the $@FwLOStyle(…) lines between the variables are skipped
    assert rap.header == {
        "annee": "2019",
        "numProg": "129",
        "libelleProg": "Coordination du travail gouvernemental",
        "enteteSousTitre": "Objectifs et indicateurs de performance",
    }
    assert rap.line_count == 239


def test_rap_page_structure(rap: ParsedDocument) -> None:
    assert len(rap.cells) == 30
    assert sorted({(c.objective_code, c.objective_number, c.objective_label) for c in rap.cells}) == [
        ("P129-1", "1", "Coordonner le travail gouvernemental et veiller à l’application des lois"),
        ("P129-2", "2", "Optimiser le coût et la gestion des fonctions support"),  # a style line before it
    ]
    assert sorted(
        {(c.indicator_code, c.indicator_number, c.indicator_label, c.perspective) for c in rap.cells}
    ) == [
        ("P129-1-1", "1.1", "Taux d’exécution des lois", "citoyen"),
        ("P129-1-2", "1.2", "Transposition des directives européennes", "citoyen"),
        ("P129-2-1", "2.1", "Efficience de la gestion immobilière", "contribuable"),
    ]
    assert len({(c.indicator_number, c.measure_position) for c in rap.cells}) == 5
    assert Counter(c.value_kind for c in rap.cells) == {
        "realisation": 15,
        "target_of_record": 5,
        "updated_forecast": 5,
        "target": 5,
    }
    assert {(c.column_position, c.column_header, c.year, c.value_kind) for c in rap.cells} == set(
        zip(range(1, 7), RAP_HEADERS, RAP_YEARS, RAP_KINDS, strict=True)
    )
    # the target of record of RAP 2019 is the 'Prévision 2019 PAP 2019' column
    assert {c.column_header for c in rap.cells if c.value_kind == "target_of_record"} == {
        "2019 Prévision PAP 2019"
    }
    for c in rap.cells:
        assert (c.programme_code, c.record_number, c.sector_type) == ("P129", None, "programme")
        assert c.indicator_code == f"P129-{c.indicator_number.replace('.', '-')}"
        assert "$@" not in c.objective_label + c.indicator_label + c.measure_label + c.unit_raw


def test_rap_page_every_row(rap: ParsedDocument) -> None:
    assert rows_by_measure(rap) == {(ind, pos, unit): values for ind, pos, unit, values in RAP_ROWS}
    assert cell_at(rap, "1.1", 2, 1).measure_label == (
        "Délai moyen de publication des textes d’application des lois promulguées dans l’année"
    )
    assert (
        cell_at(rap, "2.1", 2, 1).measure_label == "Coût de l’entretien courant au m² de surface utile brute"
    )


def test_rap_page_blank_last_cells(rap: ParsedDocument) -> None:
    blank = [c for c in rap.cells if not c.value_raw.strip()]
    assert [
        (
            c.source_line,
            c.indicator_number,
            c.measure_position,
            c.column_position,
            c.column_header,
            c.value_kind,
        )
        for c in blank
    ] == [
        (88, "1.1", 2, 6, "2020 Cible PAP 2019", "target"),  # last measure: a padding line follows (90)
        (211, "2.1", 1, 6, "2020 Cible PAP 2019", "target"),  # the next measure's label follows (213)
    ]
    for c in blank:
        assert c.value_raw == "\xa0" == RAP_LINES[c.source_line - 1]  # kept as published
        parsed = parse_cell(c.value_raw)
        assert (parsed.value_status, parsed.value_raw) == ("empty", "\xa0")
    # the measure after a blank last cell starts where it should
    assert cell_at(rap, "2.1", 2, 1).source_line == 217
    assert cell_at(rap, "2.1", 2, 1).measure_label.startswith("Coût de l’entretien")


def test_rap_page_mission_indicator(rap: ParsedDocument) -> None:
    """'INDICATEUR 1.1     mission': kept as the CSV keeps it on a mission indicator's programme row."""
    mission = [c for c in rap.cells if c.ref_programme is not None]
    assert {c.indicator_code for c in mission} == {"P129-1-1"}
    assert len(mission) == 12
    assert {(c.ref_programme, c.sector_type, c.programme_code, c.objective_code) for c in mission} == {
        ("(Indicateur Mission)", "programme", "P129", "P129-1")
    }
    assert {c.indicator_code for c in rap.cells if c.ref_programme is None} == {"P129-1-2", "P129-2-1"}


def test_rap_page_source_lines(rap: ParsedDocument) -> None:
    # checked with grep -n / sed -n on the file
    assert cell_at(rap, "1.1", 1, 1).source_line == 62
    assert cell_at(rap, "1.1", 1, 6).source_line == 72
    assert cell_at(rap, "1.1", 2, 1).source_line == 78
    assert cell_at(rap, "1.2", 1, 3).source_line == 141
    assert cell_at(rap, "2.1", 1, 1).source_line == 201
    assert cell_at(rap, "2.1", 2, 6).source_line == 227
    for c in rap.cells:
        assert RAP_LINES[c.source_line - 1] == c.value_raw


def test_rap_page_methodology(rap: ParsedDocument) -> None:
    assert [
        (m.indicator_code, m.section, m.source_line_start, m.source_line_end) for m in rap.methodology
    ] == [
        ("P129-1-1", "source_des_donnees", 94, 94),
        ("P129-1-1", "mode_de_calcul", 98, 98),
        ("P129-1-2", "source_des_donnees", 153, 153),
        ("P129-2-1", "source_des_donnees", 233, 233),
        ("P129-2-1", "mode_de_calcul", 235, 239),
    ]
    assert rap.methodology[-1].text.split("\n\n") == [
        "Ratio SUN / poste de travail : surface utile nette rapportée au nombre de postes de travail.",
        "La cible 2020 du ratio n’est pas renseignée : le schéma pluriannuel de stratégie immobilière"
        " était en cours de révision.",
    ]


def test_rap_page_is_document_rap_year_programme() -> None:
    source = SourceFile(
        path=RAP_PAGE,
        relpath="rap/2019/p129.txt",
        document_type="RAP",
        vintage_year=2019,
        source_format="farandole_text",
        is_synthetic=False,
    )
    doc = parse_source(source, RAP_PAGE.read_bytes())
    assert document_id_for(source, doc) == "RAP-2019-P129"
    assert len(doc.cells) == 30


def test_rap_page_crlf_and_cp1252(tmp_path: Path, rap: ParsedDocument) -> None:
    crlf = parse_text(tmp_path, RAP_TEXT.replace("\n", "\r\n"))
    assert cell_tuples(crlf) == cell_tuples(rap)
    legacy = parse_text(tmp_path, RAP_TEXT, name="cp1252.txt", encoding="cp1252")
    assert legacy.encoding == "cp1252"
    assert cell_tuples(legacy) == cell_tuples(rap)
    assert labels(legacy) == labels(rap)


def test_blank_last_cell_of_ascii_spaces(tmp_path: Path, rap: ParsedDocument) -> None:
    parsed = parse_text(tmp_path, rap_with({88: "   ", 211: " \xa0\t"}))
    expected = [(*t[:6], {88: "   ", 211: " \xa0\t"}.get(t[0], t[6])) for t in cell_tuples(rap)]
    assert cell_tuples(parsed) == expected
    assert {parse_cell(c.value_raw).value_status for c in parsed.cells if c.source_line in (88, 211)} == {
        "empty"
    }


def test_blank_line_inside_a_measure_is_padding(tmp_path: Path, rap: ParsedDocument) -> None:
    # a U+00A0 line between two cells (not after the last but one) is not a cell
    parsed = parse_text(tmp_path, rap_with({81: "\xa0", 204: "\xa0"}))
    assert cell_tuples(parsed) == cell_tuples(rap)


def test_style_directives_anywhere_are_skipped(tmp_path: Path, rap: ParsedDocument) -> None:
    # on the empty separator lines: between a measure label and its unit, between two cells,
    # after an INDICATEUR line, in a methodology section
    style = "$@FwLOStyle(Cellule#droite)"
    parsed = parse_text(tmp_path, rap_with({59: style, 65: style, 28: style, 97: style}))
    assert cell_tuples(parsed) == cell_tuples(rap)
    assert labels(parsed) == labels(rap)
    assert parsed.methodology == rap.methodology
    assert parsed.header == rap.header


def test_older_pap_layout() -> None:
    doc = read_farandole(OLDER_PAP, document_type="PAP")
    assert (doc.vintage_year, doc.programme_code, doc.line_count) == (2023, "P129", 135)
    assert doc.header["annee"] == "2023"
    assert len(doc.cells) == 18
    assert sorted({(c.indicator_code, c.indicator_number) for c in doc.cells}) == [
        ("P129-1-1", "1.1"),
        ("P129-1-2", "1.2"),
    ]
    assert {(c.column_position, c.column_header, c.year, c.value_kind) for c in doc.cells} == {
        (1, "2020 Réalisation", 2020, "realisation"),
        (2, "2021 Réalisation", 2021, "realisation"),
        (3, "2022 Prévision PAP 2022", 2022, "target_of_record"),
        (4, "2022 Prévision actualisée", 2022, "updated_forecast"),
        (5, "2023 Cible PAP 2023", 2023, "target_of_record"),
        (6, "2025 Cible", 2025, "target"),
    }
    assert rows_by_measure(doc) == {
        ("1.1", 1, "%"): ["90", "92", "100", "95", "100", "100"],
        ("1.2", 1, "%"): ["0,5", "0,7", "0,5", "0,6", "0,5", "0,5"],
        ("1.2", 2, "Nb"): ["7", "10", "5", "8", "5", "≤ 5"],
    }
    assert {c.ref_programme for c in doc.cells if c.indicator_number == "1.1"} == {"(Indicateur Mission)"}
    assert {c.ref_programme for c in doc.cells if c.indicator_number == "1.2"} == {None}
    assert [cell_at(doc, *key).source_line for key in (("1.1", 1, 1), ("1.1", 1, 6), ("1.2", 2, 6))] == [
        50,
        60,
        129,
    ]
    assert [(m.indicator_code, m.source_line_start) for m in doc.methodology] == [
        ("P129-1-1", 66),
        ("P129-1-2", 135),
    ]


def test_seed_with_numbers_on_the_keyword_lines(tmp_path: Path, doc: ParsedDocument) -> None:
    """The real export rewritten as 'OBJECTIF 1' / label and 'INDICATEUR 1.1' / label: same reading."""
    text = re.sub(r"(OBJECTIF)[ \xa0]*\n\n(\d+) – ", r"\1 \2\n\n", TEXT)
    text = re.sub(r"(INDICATEUR)[ \xa0]*\n\n(\d+\.\d+) – ", r"\1 \2\n\n", text)
    assert text.count("\nOBJECTIF ") == 2 and text.count("\nINDICATEUR ") == 6
    parsed = parse_text(tmp_path, text)
    assert cell_tuples(parsed) == cell_tuples(doc)
    assert labels(parsed) == labels(doc)
    assert parsed.methodology == doc.methodology
    assert {c.ref_programme for c in parsed.cells} == {None}


# -- RAP pages: errors ------------------------------------------------------------------------------


def test_rap_unknown_qualifier_line(tmp_path: Path) -> None:
    err = parse_error(tmp_path, rap_with({49: "révisée"}).encode())  # '2019' / 'Prévision' / 'révisée'
    assert err.line == 49
    assert "unknown value kind in column header qualifier 'Prévision révisée'" in err.message
    assert "after year column 2019 (line 47)" in err.message


def test_rap_unknown_qualifier_of_the_last_column(tmp_path: Path) -> None:
    # '2020' / 'Estimation' then the first measure label: not read as a label
    err = parse_error(tmp_path, rap_with({55: "Estimation", 56: ""}).encode())
    assert err.line == 55
    assert "year column 2020 has no qualifier while the other columns of the table of indicator 1.1" in (
        err.message
    )
    assert "'Estimation' (line 55) is not a known qualifier" in err.message


def test_rap_qualifier_words_that_make_no_kind(tmp_path: Path) -> None:
    err = parse_error(
        tmp_path, rap_with({45: "Réalisation"}).encode()
    )  # '2019' / 'Prévision' / 'Réalisation'
    assert err.line == 44
    assert "unknown value kind in column header qualifier 'Prévision Réalisation'" in err.message


def test_rap_blank_last_cell_missing_before_next_measure(tmp_path: Path, rap: ParsedDocument) -> None:
    parsed = parse_text(tmp_path, rap_with({211: None, 212: None}))
    (held,) = parsed.skipped
    assert (held.source_line, held.programme_code) == (197, "P129")
    assert 'missing cell: measure "Ratio SUN / Poste de travail" (line 197) has 5 cells' in held.reason
    assert "line 211 'Coût de l’entretien courant au m² de surface utile brute' looks like the next" in (
        held.reason
    )
    assert values(parsed) == without_measures(rap, ("P129-2-1", 1))


def test_rap_missing_cell_not_shifted_into_the_blank_one(tmp_path: Path, rap: ParsedDocument) -> None:
    # the 2019 forecast of 2.1's first measure is gone, its blank last cell stays: no shift
    parsed = parse_text(tmp_path, rap_with({205: None, 206: None}))
    (held,) = parsed.skipped
    assert held.source_line == 197
    assert 'missing cell: measure "Ratio SUN / Poste de travail" (line 197) has 4 cells' in held.reason
    assert values(parsed) == without_measures(rap, ("P129-2-1", 1))


def test_rap_last_measure_missing_its_blank_cell(tmp_path: Path, rap: ParsedDocument) -> None:
    # the padding line after the table is never a cell: 1.1's last measure is one cell short
    parsed = parse_text(tmp_path, rap_with({88: None, 89: None}))
    (held,) = parsed.skipped
    assert held.source_line == 74
    assert held.reason == (
        'measure 2 of indicator P129-1-1 held (lines 74-86): missing cell: measure "Délai moyen de'
        ' publication des textes d’application des lois promulguées dans l’année" (line 74) has 5 cells'
        " for 6 year columns before 'Précisions méthodologiques' (line 90) (table of indicator 1.1 at"
        " line 35)"
    )
    assert values(parsed) == without_measures(rap, ("P129-1-1", 2))


def test_keyword_line_of_neither_layout(tmp_path: Path) -> None:
    err = parse_error(tmp_path, rap_with({102: "INDICATEUR 1.2 transversal"}).encode())
    assert err.line == 102
    assert "expected 'OBJECTIF', 'OBJECTIF 1', 'INDICATEUR' or 'INDICATEUR 1.1'" in err.message


def test_numbered_objective_without_label(tmp_path: Path) -> None:
    err = parse_error(tmp_path, rap_with({161: ""}).encode())  # the style line before it is skipped
    assert err.line == 166
    assert "expected the label of objective 2 after 'OBJECTIF 2' (line 157), found 'INDICATEUR 2.1'" in (
        err.message
    )


# -- RAP pages of 2019 on: 'Commentaires techniques', 'Pour information' rows, blank last cells ----

from orchestration.lib.ingest.farandole_writer import (  # noqa: E402 (this section's own tools)
    RAP_2019,
    RAP_2021,
    Column,
    Document,
    Indicator,
    Measure,
    Objective,
    write_farandole,
)

RAP_2021_COLUMNS = [
    Column(2019, "Réalisation"),
    Column(2020, "Réalisation"),
    Column(2021, "Prévision PAP 2021"),
    Column(2021, "Prévision actualisée"),
    Column(2021, "Réalisation"),
    Column(2023, "Cible PAP 2021"),
]
RAP_2021_KINDS = [
    "realisation",
    "realisation",
    "target_of_record",
    "updated_forecast",
    "realisation",
    "target",
]
# the structures of FR_2021_PLR_BG_PGM_124_PERF and _159_PERF, figures illustrative
RAP_2021_MEASURES = [
    Measure(
        "Ratio d'efficience de la gestion des ressources humaines",
        "%",
        ["3,96", "4,02", "3,68", "2,88", "3,12", "3,68"],
    ),
    Measure(
        "Pour information : effectifs gérés",
        "Nb",
        ["17 971", "17 283", "Non déterminé", "13 294", "12 366", "Non déterminé"],
    ),
    Measure("Délai moyen de recrutement", "jours", ["52", "48", "45", "45", BLANK := "\xa0", BLANK]),
]


def rap_document(vintage: int, measures: list[Measure], columns: list[Column]) -> Document:
    return Document(
        vintage,
        "124",
        "Conduite et soutien des politiques sanitaires et sociales",
        [
            Objective(
                "1",
                "Faire de la Gestion des Ressources Humaines (GRH) un levier de performance",
                [
                    Indicator(
                        "1.1",
                        "Ratio d'efficience de la gestion des ressources humaines",
                        columns,
                        measures,
                        "contribuable",
                        methodology=["Source des données :", "Direction des ressources humaines (DRH)"],
                    )
                ],
            )
        ],
    )


def rows(doc: ParsedDocument) -> list[tuple[int, str, str, list[str]]]:
    out: dict[int, tuple] = {}
    for c in doc.cells:
        out.setdefault(c.measure_position, (c.measure_position, c.measure_label, c.unit_raw, []))[3].append(
            c.value_raw
        )
    return list(out.values())


@pytest.mark.parametrize("layout", [RAP_2021, RAP_2019], ids=lambda layout: layout.name)
def test_rap_page_written_reads_exact_cells(layout) -> None:
    text = write_farandole(rap_document(2021, RAP_2021_MEASURES, RAP_2021_COLUMNS), layout)
    assert "\nCommentaires techniques\n" in text
    assert ("$@FwLOVariable(annee,2021)" if layout is RAP_2019 else "$@FwLOVariable(annee#2021)") in text
    doc = read_farandole("written.txt", text.encode(), document_type="RAP")
    assert (doc.vintage_year, doc.programme_code, doc.skipped) == (2021, "P124", [])
    assert rows(doc) == [(k, m.label, m.unit, list(m.cells)) for k, m in enumerate(RAP_2021_MEASURES, 1)]
    assert [c.column_header for c in doc.cells[:6]] == [
        "2019 Réalisation",
        "2020 Réalisation",
        "2021 Prévision PAP 2021",
        "2021 Prévision actualisée",
        "2021 Réalisation",
        "2023 Cible PAP 2021",
    ]
    assert [c.value_kind for c in doc.cells[:6]] == RAP_2021_KINDS
    # the two blank last cells are cells, read 'empty'; the padding line after them is not
    assert [parse_cell(c.value_raw).value_status for c in doc.cells[-2:]] == ["empty", "empty"]
    # the prose after 'Commentaires techniques' is the methodology, not a measure
    (m,) = doc.methodology
    assert (m.section, m.heading, m.text) == (
        "source_des_donnees",
        "Source des données",
        "Direction des ressources humaines (DRH)",
    )


def test_rap_page_written_broken_measure_held(tmp_path: Path) -> None:
    # the last measure loses its 2020 realisation: with its two blank last cells and the table's
    # padding it is one cell short; it is held, the measures before it land
    text = write_farandole(rap_document(2021, RAP_2021_MEASURES, RAP_2021_COLUMNS), RAP_2021)
    lines = text.split("\n")
    (gone,) = [n for n, line in enumerate(lines) if line == "48"]
    parsed = parse_text(tmp_path, "\n".join(lines[:gone] + lines[gone + 2 :]))
    (held,) = parsed.skipped
    assert held.source_line == lines.index("Délai moyen de recrutement") + 1
    assert held.reason.startswith("measure 3 of indicator P124-1-1 held")
    assert "has 3 cells for 6 year columns before 'Commentaires techniques'" in held.reason
    assert rows(parsed) == [
        (k, m.label, m.unit, list(m.cells)) for k, m in enumerate(RAP_2021_MEASURES[:2], 1)
    ]


# -- pages transcribed from real RAP pages (tests/fixtures/README.md) ---------------------------


def test_real_rap_2021_p124_page_reads() -> None:
    doc = read_farandole(FIXTURES / "rap_2021_p124_transcribed.txt", document_type="RAP")
    assert (doc.vintage_year, doc.programme_code, doc.skipped) == (2021, "P124", [])
    assert [
        (c.source_line, c.measure_position, c.column_header, c.value_kind, c.value_raw) for c in doc.cells
    ] == [
        (61 + 2 * k, 1, h, kind, v)
        for k, (h, kind, v) in enumerate(
            zip(
                [f"{c.year} {c.qualifier}" for c in RAP_2021_COLUMNS],
                RAP_2021_KINDS,
                ["3,96", "4,02", "3,68", "2,88", "3,12", "3,68"],
                strict=True,
            )
        )
    ] + [
        (77 + 2 * k, 2, h, kind, v)
        for k, (h, kind, v) in enumerate(
            zip(
                [f"{c.year} {c.qualifier}" for c in RAP_2021_COLUMNS],
                RAP_2021_KINDS,
                ["17 971", "17 283", "Non déterminé", "13 294", "12 366", "Non déterminé"],
                strict=True,
            )
        )
    ]
    assert doc.cells[6].measure_label == "Pour information : effectifs gérés"
    assert [(m.section, m.source_line_start) for m in doc.methodology] == [
        ("source_des_donnees", 93),
        ("mode_de_calcul", 97),
    ]


def test_real_rap_2019_p307_page_holds_its_short_measure() -> None:
    path = FIXTURES / "rap_2019_p307_transcribed.txt"
    doc = read_farandole(path, document_type="RAP")
    assert (doc.vintage_year, doc.programme_code, doc.header["annee"]) == (2019, "P307", "2019")
    assert [c.value_raw for c in doc.cells] == ["80,4", "81,8", "80", "80", "78,7", "80"]
    assert {c.ref_programme for c in doc.cells} == {"(Indicateur Mission)"}
    assert [c.value_kind for c in doc.cells] == RAP_KINDS
    (held,) = doc.skipped
    assert (held.source_line, held.programme_code) == (68, "P307")
    assert held.reason == (
        'measure 2 of indicator P307-1-1 held (lines 68-80): missing cell: measure "Taux de préfectures'
        " ayant réalisé au moins 4 exercices dans l'année\" (line 68) has 5 cells for 6 year columns"
        " before 'Commentaires techniques' (line 84) (table of indicator 1.1 at line 29)"
    )
    assert [m.section for m in doc.methodology] == ["source_des_donnees", "mode_de_calcul"]
