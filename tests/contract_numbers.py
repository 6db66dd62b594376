"""The numbers anyone can check on the shipped sources (docs/contract.md), declared once for the tests."""

# document_id -> (source file under raw/, data records read (None for a text export), year cells)
SHIPPED_DOCUMENTS: dict[str, tuple[str, int | None, int]] = {
    "PAP-2024-P352": ("pap/2024/000_9fa5ff6774201ab1.txt", None, 54),
    "PAP-2025": ("pap/2025/plf-2025-performance.csv", 2141, 12846),
    "RAP-2012": ("rap/2012/PERF_SSI_RAP_2012_20131219_123202265.csv", 2380, 14037),
    "RAP-2013": ("rap/2013/PERF_SSI_RAP_2013_20141219_103540142.csv", 2387, 14116),
    "RAP-2014": ("rap/2014/PERF_SSI_RAP_2014_20151222_181223175.csv", 2331, 13792),
    "RAP-2016": ("rap/2016/PERF_SSI_RAP_2016_DATAGOUV.csv", 2040, 12012),
    "RAP-2017": ("rap/2017/PERF_SSI_RAP_2017_20180517_122845769.csv", 1999, 11796),
}
SHIPPED_IDS = sorted(SHIPPED_DOCUMENTS)
TOTAL_CELLS = sum(cells for _file, _records, cells in SHIPPED_DOCUMENTS.values())
RAP_IDS = [doc for doc in SHIPPED_IDS if doc.startswith("RAP-")]
# Records of the RAP files that carry no indicator (programmes without a performance section).
RAP_RECORDS_WITHOUT_INDICATOR = {
    "RAP-2012": 37,
    "RAP-2013": 32,
    "RAP-2014": 30,
    "RAP-2016": 38,
    "RAP-2017": 33,
}
# Official verdicts printed by RAP 2017 ('Degré de réalisation'), rows per value as published.
RAP_2017_OFFICIAL_VERDICTS = {
    "Cible atteinte": 830,
    "Absence d'amélioration": 434,
    "Données non renseignées": 286,
    "Amélioration": 239,
    "Données non retenues": 120,
    "": 90,
}
# The seed and the PLF 2025 file.
SEED_CELLS = SHIPPED_DOCUMENTS["PAP-2024-P352"][2]
PLF_2025_VALUES = 11_880  # fct_indicator_value rows of PAP-2025 (mission twins folded)
# fct_indicator_value rows per document: one per measure x year x value kind (a mission row that
# repeats a programme row folds into it: PLF 2025, RAP 2016 and RAP 2017 have such twins).
FCT_INDICATOR_VALUE_ROWS = {
    "PAP-2024-P352": 54,
    "PAP-2025": 11_880,
    "RAP-2012": 14_037,
    "RAP-2013": 14_116,
    "RAP-2014": 13_792,
    "RAP-2016": 10_878,
    "RAP-2017": 10_692,
}
FCT_INDICATOR_VALUE_TOTAL = sum(FCT_INDICATOR_VALUE_ROWS.values())
# raw/pap/ alone (the tests' small runs): the two PAP documents.
PAP_IDS = [doc for doc in SHIPPED_IDS if doc.startswith("PAP-")]
PAP_CELLS = sum(SHIPPED_DOCUMENTS[doc][2] for doc in PAP_IDS)
PAP_FCT_INDICATOR_VALUE_ROWS = {doc: FCT_INDICATOR_VALUE_ROWS[doc] for doc in PAP_IDS}
PAP_FCT_INDICATOR_VALUE_TOTAL = sum(PAP_FCT_INDICATOR_VALUE_ROWS.values())
MART_TABLES = (
    "dim_document",
    "dim_programme",
    "dim_objective",
    "dim_indicator",
    "dim_measure",
    "fct_indicator_value",
    "fct_target_attainment",
    "fct_target_revision",
    "fct_target_trajectory",
    "rpt_attainment_rate",
    "rpt_measure_attainment",
    "rpt_scorecard_mission_rate",
    "rpt_scorecard_programme",
    "rpt_scorecard_year",
)
# dim_measure: one row per measure version; a key reused for another measure is split
# (int_measure_keys), the later versions counted by why they start.
MEASURE_KEYS_BEFORE_VERSIONING = 4_575
MEASURE_VERSIONS_BY_REASON = {"label_change": 128, "unit_change": 92}
DIM_MEASURE_ROWS = MEASURE_KEYS_BEFORE_VERSIONING + sum(MEASURE_VERSIONS_BY_REASON.values())
