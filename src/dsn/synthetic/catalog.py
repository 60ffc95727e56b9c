"""What synthetic records are made of: conditions, drugs, allergies, vaccines, lab tests.

Codes come from public terminologies and are the ones real Canadian records carry:
SNOMED CT (conditions, allergens, encounter types), LOINC (lab tests, reported in the SI
units Quebec laboratories use: glucose 14749-6 in mmol/L rather than 2345-7 in mg/dL,
creatinine 14682-9 in µmol/L, LDL 39469-2 in mmol/L), RxNorm (drugs; the codes Synthea
uses, so the same loaders and rules work on both), CVX (vaccines), UCUM (units).
Displays are the terminology's English; ``text_fr`` is what a Quebec chart shows.

Conditions carry the HL7 v3 ActCode sensitivity (``PSY``, ``ETH``, ``SEX``, ``STD``,
``HIV``) consent rules would restrict them under, so tests can find sensitive records:
see :data:`SENSITIVE_CONDITION_CODES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "ALLERGIES",
    "CONDITIONS",
    "CVX",
    "LABS",
    "LOINC",
    "MEDICATIONS",
    "PANELS",
    "RXNORM",
    "SENSITIVE_CONDITION_CODES",
    "SNOMED",
    "UCUM",
    "VACCINES",
    "AllergySpec",
    "ConditionSpec",
    "LabSpec",
    "MedicationSpec",
    "PanelSpec",
    "VaccineSpec",
]

SNOMED: Final = "http://snomed.info/sct"
LOINC: Final = "http://loinc.org"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX: Final = "http://hl7.org/fhir/sid/cvx"
UCUM: Final = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    """A condition and how it shows up in a population.

    Chronic conditions: ``rate`` is the share of people who have it by ``peak_age``
    (rising linearly from ``min_age``), onset between ``min_age`` and ``max_age``;
    ``remission_rate`` of them resolve after a few years.  Acute conditions: ``rate`` is a
    relative weight among acute episodes for eligible ages, seen in ``encounter_class``.
    """

    key: str
    code: str
    display: str
    text_fr: str
    chronic: bool
    min_age: int
    max_age: int
    rate: float
    peak_age: int = 0
    sex: str | None = None
    sensitivity: str | None = None
    medications: tuple[str, ...] = ()
    monitoring: tuple[str, ...] = ()
    encounter_class: str = "AMB"
    remission_rate: float = 0.0


@dataclass(frozen=True, slots=True)
class MedicationSpec:
    """A drug product (RxNorm) with its usual French directions.

    ``course_days`` is None for long-term drugs; ``contraindicated_by`` names an allergy
    key that rules the drug out (nobody allergic to penicillin gets amoxicillin).
    """

    key: str
    code: str
    display: str
    directions_fr: str
    frequency: int
    period: float
    period_unit: str
    as_needed: bool = False
    course_days: int | None = None
    contraindicated_by: str | None = None


@dataclass(frozen=True, slots=True)
class AllergySpec:
    """An allergy or intolerance: SNOMED code, FHIR category and type, typical reactions."""

    key: str
    code: str
    display: str
    text_fr: str
    category: str
    type: str
    rate: float
    high_criticality_rate: float
    reactions: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class VaccineSpec:
    key: str
    code: str
    display: str
    text_fr: str


@dataclass(frozen=True, slots=True)
class LabSpec:
    """A lab test: LOINC code, UCUM unit, distribution and reference interval by sex.

    ``female``/``male`` are (mean, standard deviation, low, high); a bound of None means
    the interval is open on that side.  ``shifts`` moves the mean for people with a
    condition (diabetics have a higher HbA1c); values are clamped to ``floor``.
    """

    key: str
    code: str
    display: str
    unit: str
    ucum: str
    decimals: int
    female: tuple[float, float, float | None, float | None]
    male: tuple[float, float, float | None, float | None]
    shifts: Mapping[str, float] = field(default_factory=dict)
    floor: float = 0.0
    critical_low: float | None = None
    critical_high: float | None = None


@dataclass(frozen=True, slots=True)
class PanelSpec:
    """An order grouping tests in one DiagnosticReport (a single test is its own panel)."""

    key: str
    code: str
    display: str
    text_fr: str
    members: tuple[str, ...]


_C = ConditionSpec
CONDITIONS: Final = {
    spec.key: spec
    for spec in (
        # chronic
        _C("hypertension", "38341003", "Hypertension", "Hypertension artérielle", True,
           30, 90, 0.35, 70, medications=("lisinopril", "amlodipine", "hydrochlorothiazide"),
           monitoring=("bmp",)),
        _C("diabetes", "44054006", "Diabetes mellitus type 2 (disorder)", "Diabète de type 2",
           True, 30, 90, 0.14, 70, medications=("metformin",),
           monitoring=("a1c", "bmp", "lipids")),
        _C("hyperlipidemia", "55822004", "Hyperlipidemia", "Hyperlipidémie", True, 30, 85,
           0.25, 65, medications=("simvastatin",), monitoring=("lipids",)),
        _C("asthma", "195967001", "Asthma", "Asthme", True, 2, 60, 0.09, 12,
           medications=("albuterol", "fluticasone")),
        _C("copd", "13645005", "Chronic obstructive lung disease (disorder)",
           "Maladie pulmonaire obstructive chronique", True, 45, 90, 0.08, 80,
           medications=("fluticasone_salmeterol", "albuterol")),
        _C("hypothyroidism", "40930008", "Hypothyroidism (disorder)", "Hypothyroïdie", True,
           20, 85, 0.06, 65, medications=("levothyroxine",), monitoring=("tsh",)),
        _C("ckd", "709044004", "Chronic kidney disease (disorder)",
           "Insuffisance rénale chronique", True, 50, 95, 0.09, 85,
           monitoring=("bmp", "cbc")),
        _C("atrial_fibrillation", "49436004", "Atrial Fibrillation", "Fibrillation auriculaire",
           True, 55, 95, 0.08, 85, medications=("warfarin",), monitoring=("cbc",)),
        _C("osteoarthritis", "396275006", "Osteoarthritis (disorder)", "Arthrose", True,
           45, 95, 0.20, 80, medications=("acetaminophen",)),
        _C("migraine", "37796009", "Migraine (disorder)", "Migraine", True, 12, 50, 0.10, 35,
           medications=("ibuprofen",), remission_rate=0.3),
        _C("gerd", "235595009", "Gastroesophageal reflux disease (disorder)",
           "Reflux gastro-œsophagien", True, 20, 85, 0.10, 55),
        _C("anemia", "271737000", "Anemia (disorder)", "Anémie", True, 1, 95, 0.04, 30,
           medications=("ferrous_sulfate",), monitoring=("cbc",), remission_rate=0.5),
        _C("depression", "35489007", "Depressive disorder (disorder)", "Trouble dépressif",
           True, 12, 85, 0.13, 35, sensitivity="PSY", medications=("sertraline",),
           remission_rate=0.45),
        _C("anxiety", "197480006", "Anxiety disorder (disorder)", "Trouble anxieux", True,
           10, 85, 0.11, 30, sensitivity="PSY", medications=("sertraline",),
           remission_rate=0.4),
        _C("bipolar", "13746004", "Bipolar disorder (disorder)", "Trouble bipolaire", True,
           16, 60, 0.015, 35, sensitivity="PSY"),
        _C("alcohol_use_disorder", "7200002", "Alcoholism (disorder)",
           "Trouble lié à l'usage de l'alcool", True, 18, 75, 0.045, 45, sensitivity="ETH",
           medications=("naltrexone",), monitoring=("alt", "cbc"), remission_rate=0.3),
        _C("opioid_use_disorder", "5602001", "Opioid abuse (disorder)",
           "Trouble lié à l'usage des opioïdes", True, 18, 65, 0.012, 35, sensitivity="ETH",
           remission_rate=0.25),
        _C("hiv", "86406008", "Human immunodeficiency virus infection (disorder)",
           "Infection par le VIH", True, 18, 70, 0.008, 45, sensitivity="HIV",
           medications=("biktarvy",), monitoring=("cbc", "alt")),
        # acute
        _C("acute_bronchitis", "10509002", "Acute bronchitis (disorder)", "Bronchite aiguë",
           False, 0, 100, 3.0),
        _C("viral_pharyngitis", "195662009", "Acute viral pharyngitis (disorder)",
           "Pharyngite virale aiguë", False, 0, 100, 3.0),
        _C("strep_throat", "43878008", "Streptococcal sore throat (disorder)",
           "Pharyngite streptococcique", False, 3, 60, 1.5,
           medications=("penicillin_v", "amoxicillin")),
        _C("viral_sinusitis", "444814009", "Viral sinusitis (disorder)", "Sinusite virale",
           False, 5, 100, 3.0),
        _C("uti", "301011002", "Escherichia coli urinary tract infection",
           "Infection urinaire à E. coli", False, 15, 100, 1.5, sex="female",
           medications=("nitrofurantoin",)),
        _C("ankle_sprain", "44465007", "Sprain of ankle", "Entorse de la cheville", False,
           8, 80, 1.2, encounter_class="EMER", medications=("ibuprofen",)),
        _C("concussion", "62106007", "Concussion with no loss of consciousness",
           "Commotion cérébrale sans perte de conscience", False, 5, 90, 0.4,
           encounter_class="EMER"),
        _C("clavicle_fracture", "58150001", "Fracture of clavicle", "Fracture de la clavicule",
           False, 3, 90, 0.2, encounter_class="EMER", medications=("acetaminophen",)),
        _C("pneumonia", "233604007", "Pneumonia", "Pneumonie", False, 0, 100, 0.25,
           encounter_class="IMP", medications=("amoxicillin_clavulanate",)),
        _C("appendicitis", "74400008", "Appendicitis", "Appendicite", False, 5, 70, 0.06,
           encounter_class="IMP"),
        _C("chlamydia", "105629000", "Chlamydial infection (disorder)",
           "Infection à Chlamydia", False, 15, 45, 0.4, sensitivity="STD"),
        _C("gonorrhea", "15628003", "Gonorrhea (disorder)", "Gonorrhée", False, 15, 45, 0.12,
           sensitivity="STD"),
        _C("genital_herpes", "33839006", "Genital herpes simplex (disorder)",
           "Herpès génital", False, 16, 60, 0.15, sensitivity="STD"),
        _C("pregnancy", "72892002", "Normal pregnancy", "Grossesse normale", False, 18, 44,
           0.0, sex="female", sensitivity="SEX"),
    )
}  # fmt: skip
"""All conditions by key; ``pregnancy`` is drawn by its own rule, not as an acute episode."""

SENSITIVE_CONDITION_CODES: Final = {spec.code: spec.sensitivity for spec in CONDITIONS.values() if spec.sensitivity}
"""SNOMED code → HL7 v3 ActCode sensitivity (PSY, ETH, HIV, STD, SEX) of generated conditions."""

_M = MedicationSpec
MEDICATIONS: Final = {
    spec.key: spec
    for spec in (
        _M("lisinopril", "314076", "lisinopril 10 MG Oral Tablet",
           "1 comprimé par jour", 1, 1, "d"),
        _M("amlodipine", "197361", "Amlodipine 5 MG Oral Tablet",
           "1 comprimé par jour", 1, 1, "d"),
        _M("hydrochlorothiazide", "316049", "Hydrochlorothiazide 25 MG",
           "1 comprimé le matin", 1, 1, "d"),
        _M("metformin", "860975",
           "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
           "1 comprimé deux fois par jour avec les repas", 2, 1, "d"),
        _M("simvastatin", "312961", "Simvastatin 20 MG Oral Tablet",
           "1 comprimé au coucher", 1, 1, "d"),
        _M("albuterol", "745679", "200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
           "2 inhalations toutes les 4 à 6 heures au besoin", 1, 4, "h", as_needed=True),
        _M("fluticasone", "895994",
           "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler",
           "2 inhalations deux fois par jour", 2, 1, "d"),
        _M("fluticasone_salmeterol", "896209",
           "60 ACTUAT Fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT "
           "Dry Powder Inhaler", "1 inhalation deux fois par jour", 2, 1, "d"),
        _M("levothyroxine", "966222", "Levothyroxine Sodium 0.075 MG Oral Tablet",
           "1 comprimé le matin à jeun", 1, 1, "d"),
        _M("warfarin", "855332", "Warfarin Sodium 5 MG Oral Tablet",
           "1 comprimé par jour selon l'INR", 1, 1, "d"),
        _M("acetaminophen", "313782", "Acetaminophen 325 MG Oral Tablet",
           "1 à 2 comprimés toutes les 6 heures au besoin", 1, 6, "h", as_needed=True),
        _M("ibuprofen", "310965", "Ibuprofen 200 MG Oral Tablet",
           "1 à 2 comprimés toutes les 8 heures au besoin", 1, 8, "h", as_needed=True,
           course_days=10),
        _M("sertraline", "312938", "Sertraline 50 MG Oral Tablet",
           "1 comprimé par jour", 1, 1, "d"),
        _M("naltrexone", "1483744", "naltrexone hydrochloride 50 MG Oral Tablet",
           "1 comprimé par jour", 1, 1, "d"),
        _M("biktarvy", "1999667",
           "bictegravir 50 MG / emtricitabine 200 MG / tenofovir alafenamide 25 MG Oral Tablet",
           "1 comprimé par jour", 1, 1, "d"),
        _M("ferrous_sulfate", "310325", "ferrous sulfate 325 MG Oral Tablet",
           "1 comprimé par jour", 1, 1, "d"),
        _M("penicillin_v", "834061", "Penicillin V Potassium 250 MG Oral Tablet",
           "1 comprimé quatre fois par jour pendant 10 jours", 4, 1, "d", course_days=10,
           contraindicated_by="penicillin"),
        _M("amoxicillin", "308192", "Amoxicillin 500 MG Oral Tablet",
           "1 comprimé trois fois par jour pendant 10 jours", 3, 1, "d", course_days=10,
           contraindicated_by="penicillin"),
        _M("amoxicillin_clavulanate", "562251",
           "Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet",
           "1 comprimé trois fois par jour pendant 7 jours", 3, 1, "d", course_days=7,
           contraindicated_by="penicillin"),
        _M("nitrofurantoin", "311995", "NITROFURANTOIN, MACROCRYSTALS 50 MG Oral Capsule",
           "1 capsule quatre fois par jour pendant 5 jours", 4, 1, "d", course_days=5),
    )
}  # fmt: skip

_SKIN = ("271807003", "Eruption of skin (disorder)", "Éruption cutanée")
_HIVES = ("126485001", "Urticaria (disorder)", "Urticaire")
_ANAPHYLAXIS = ("39579001", "Anaphylaxis (disorder)", "Anaphylaxie")
_NAUSEA = ("422587007", "Nausea (finding)", "Nausées")
_WHEEZE = ("56018004", "Wheezing (finding)", "Respiration sifflante")
_RHINITIS = ("68235000", "Nasal congestion (finding)", "Congestion nasale")

_A = AllergySpec
ALLERGIES: Final = {
    spec.key: spec
    for spec in (
        _A("penicillin", "764146007", "Penicillin (substance)", "Pénicilline", "medication",
           "allergy", 0.08, 0.35, (_SKIN, _HIVES, _ANAPHYLAXIS)),
        _A("sulfonamide", "387406002", "Sulfonamide (substance)", "Sulfamides", "medication",
           "allergy", 0.03, 0.2, (_SKIN, _HIVES)),
        _A("aspirin", "387458008", "Aspirin (substance)", "Acide acétylsalicylique",
           "medication", "allergy", 0.015, 0.2, (_HIVES, _WHEEZE)),
        _A("codeine", "387494007", "Codeine (substance)", "Codéine", "medication",
           "intolerance", 0.02, 0.0, (_NAUSEA,)),
        _A("peanut", "762952008", "Peanut (substance)", "Arachides", "food", "allergy",
           0.02, 0.7, (_HIVES, _ANAPHYLAXIS)),
        _A("shellfish", "300913006", "Shellfish allergy", "Fruits de mer", "food", "allergy",
           0.015, 0.5, (_HIVES, _ANAPHYLAXIS)),
        _A("latex", "300916003", "Latex allergy", "Latex", "environment", "allergy", 0.01,
           0.3, (_SKIN, _HIVES)),
        _A("dust_mite", "232350006", "House dust mite allergy", "Acariens", "environment",
           "allergy", 0.05, 0.0, (_RHINITIS, _WHEEZE)),
        _A("tree_pollen", "419263009", "Allergy to tree pollen", "Pollen d'arbres",
           "environment", "allergy", 0.06, 0.0, (_RHINITIS,)),
        _A("animal_dander", "232347008", "Dander (animal) allergy", "Squames d'animaux",
           "environment", "allergy", 0.04, 0.0, (_RHINITIS, _WHEEZE)),
    )
}  # fmt: skip

_V = VaccineSpec
VACCINES: Final = {
    spec.key: spec
    for spec in (
        _V("dtap_ipv_hib_hepb", "146", "DTaP,IPV,Hib,HepB", "DCaT-HB-VPI-Hib"),
        _V("pcv13", "133", "Pneumococcal conjugate PCV 13", "Pneumocoque conjugué"),
        _V("mmr", "03", "MMR", "RRO"),
        _V("mmrv", "94", "MMRV", "RRO-Var"),
        _V("men_c", "103", "meningococcal C conjugate", "Méningocoque C conjugué"),
        _V("dtap_ipv", "130", "DTaP-IPV", "DCaT-VPI"),
        _V("hpv9", "165", "HPV9", "VPH-9"),
        _V("tdap", "115", "Tdap", "dcaT"),
        _V("td", "113", "Td (adult) preservative free", "d2T5"),
        _V("influenza", "140", "Influenza, seasonal, injectable, preservative free",
           "Influenza"),
        _V("covid19", "208",
           "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, "
           "30 mcg/0.3mL dose", "COVID-19 ARNm"),
        _V("ppsv23", "33", "pneumococcal polysaccharide vaccine, 23 valent",
           "Pneumocoque polysaccharidique 23-valent"),
        _V("zoster", "187", "zoster vaccine recombinant", "Zona recombinant"),
    )
}  # fmt: skip

_L = LabSpec
LABS: Final = {
    spec.key: spec
    for spec in (
        _L("hemoglobin", "718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", "g/L", 0,
           (136, 10, 120, 160), (150, 11, 135, 175),
           {"anemia": -28, "ckd": -12, "hiv": -6}, floor=50, critical_low=70),
        _L("leukocytes", "6690-2", "Leukocytes [#/volume] in Blood by Automated count",
           "10*9/L", "10*9/L", 1, (7.0, 1.8, 4.0, 11.0), (7.0, 1.8, 4.0, 11.0),
           {"hiv": -1.8}, floor=1.0),
        _L("platelets", "777-3", "Platelets [#/volume] in Blood by Automated count",
           "10*9/L", "10*9/L", 0, (260, 60, 150, 400), (240, 55, 150, 400),
           {"alcohol_use_disorder": -50}, floor=20),
        _L("sodium", "2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L",
           "mmol/L", 0, (140, 2.2, 135, 145), (140, 2.2, 135, 145), floor=115,
           critical_low=120, critical_high=160),
        _L("potassium", "2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L",
           "mmol/L", 1, (4.3, 0.35, 3.5, 5.0), (4.3, 0.35, 3.5, 5.0), {"ckd": 0.5},
           floor=2.5, critical_low=2.8, critical_high=6.0),
        _L("glucose", "14749-6", "Glucose [Moles/volume] in Serum or Plasma", "mmol/L",
           "mmol/L", 1, (5.2, 0.6, 3.6, 6.0), (5.3, 0.6, 3.6, 6.0), {"diabetes": 3.0},
           floor=2.5, critical_low=2.8, critical_high=25.0),
        _L("creatinine", "14682-9", "Creatinine [Moles/volume] in Serum or Plasma",
           "umol/L", "umol/L", 0, (68, 12, 45, 90), (85, 14, 60, 110), {"ckd": 75},
           floor=25),
        _L("egfr", "62238-1",
           "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, "
           "Plasma or Blood by Creatinine-based formula (CKD-EPI)",
           "mL/min/1.73 m2", "mL/min/{1.73_m2}", 0, (92, 15, 60, None), (92, 15, 60, None),
           {"ckd": -50}, floor=8),
        _L("hba1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%", 1,
           (5.4, 0.3, 4.0, 6.0), (5.4, 0.3, 4.0, 6.0), {"diabetes": 2.0}, floor=3.8),
        _L("cholesterol", "14647-2", "Cholesterol [Moles/volume] in Serum or Plasma",
           "mmol/L", "mmol/L", 1, (5.0, 0.8, None, 5.2), (4.8, 0.8, None, 5.2),
           {"hyperlipidemia": 1.3}, floor=2.0),
        _L("hdl", "14646-4", "Cholesterol in HDL [Moles/volume] in Serum or Plasma",
           "mmol/L", "mmol/L", 2, (1.5, 0.3, 1.0, None), (1.2, 0.25, 1.0, None),
           {"diabetes": -0.2}, floor=0.4),
        _L("ldl", "39469-2",
           "Cholesterol in LDL [Moles/volume] in Serum or Plasma by calculation", "mmol/L",
           "mmol/L", 1, (2.9, 0.7, None, 3.5), (3.0, 0.7, None, 3.5),
           {"hyperlipidemia": 1.1}, floor=0.8),
        _L("triglycerides", "14927-8", "Triglyceride [Moles/volume] in Serum or Plasma",
           "mmol/L", "mmol/L", 1, (1.3, 0.45, None, 1.7), (1.5, 0.5, None, 1.7),
           {"diabetes": 0.7, "alcohol_use_disorder": 0.6}, floor=0.3),
        _L("tsh", "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "mIU/L",
           "m[IU]/L", 2, (1.9, 0.7, 0.4, 4.0), (1.8, 0.7, 0.4, 4.0),
           {"hypothyroidism": 4.5}, floor=0.05),
        _L("alt", "1742-6",
           "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L",
           "U/L", 0, (20, 7, None, 35), (26, 9, None, 45),
           {"alcohol_use_disorder": 30, "hiv": 8}, floor=5),
    )
}  # fmt: skip

PANELS: Final = {
    spec.key: spec
    for spec in (
        PanelSpec("cbc", "58410-2", "CBC panel - Blood by Automated count",
                  "Formule sanguine complète", ("hemoglobin", "leukocytes", "platelets")),
        PanelSpec("bmp", "51990-0", "Basic metabolic panel - Blood", "Bilan biochimique de base",
                  ("sodium", "potassium", "glucose", "creatinine", "egfr")),
        PanelSpec("lipids", "24331-1", "Lipid 1996 panel - Serum or Plasma", "Bilan lipidique",
                  ("cholesterol", "hdl", "ldl", "triglycerides")),
        PanelSpec("a1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood",
                  "Hémoglobine glyquée (HbA1c)", ("hba1c",)),
        PanelSpec("tsh", "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma",
                  "TSH", ("tsh",)),
        PanelSpec("alt", "1742-6",
                  "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
                  "ALT", ("alt",)),
    )
}  # fmt: skip
