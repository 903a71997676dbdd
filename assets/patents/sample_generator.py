"""Deterministic generator of qcm's embedded, SYNTHETIC patent sample.

Writes raw response bodies of the two patent services, gzipped, in the formats the live
connectors land; every family, number and company, university or person name is
invented, while the few government applicants carry the names of real public bodies
(US SEC OF NAVY, NIST, CEA, ...) so that name-based typing meets real forms (abstracts end with
"Synthetic record of the qcm offline sample."; family ids start at 99000000). Run
``python -m assets.patents.sample_generator [--out DIR]`` to rewrite the sample (default
``assets/patents/sample/patents``); the same seed always gives byte-identical files (a
test checks this).

Files:

* ``patentsview_patent_year=YYYY_page_NNN.json.gz``: PatentSearch ``/api/v1/patent/``
  pages of the US grants of YYYY, sorted by ``patent_id``, at most 100 records each,
  ``{"error": false, "count": n, "total_hits": N, "patents": [...]}`` with the same N on
  every page of the year; fields patent_id, patent_title, patent_type, patent_date,
  patent_abstract, withdrawn, patent_earliest_application_date, application, assignees,
  cpc_current, foreign_priority, granted_pregrant_crosswalk, inventors. As in the real
  API, an empty nested group (no foreign priority, say) is left out, not sent as ``[]``.
* ``patentsview_publication_year=YYYY_page_NNN.json.gz``: ``/api/v1/publication/`` pages
  of the US pre-grant publications of YYYY (``"publications": [...]``, sorted by
  ``document_number``, an integer as the real API sends it); the endpoint has no
  ``application`` group: the application number is in ``granted_pregrant_crosswalk``.
* ``epo_ops_search_year=YYYY_part=NN_range=BEGIN-END.xml.gz``:
  ``published-data/search/biblio`` pages (at most 100 ``exchange-document``, each in its
  own ``exchange-documents`` as OPS sends them) of the documents published in YYYY, in
  no useful order; ``part`` is a sub-query of the year: 01 is the whole year except in
  ``SPLIT_YEARS`` (01 and 02 are half-years, as a live client splits a year whose result
  count would pass OPS's cap).
* ``epo_ops_family_<FAMILYID>.xml.gz``: ``family/publication/docdb/...`` of every family
  with members at two or more offices in OPS; the members of single-office families
  (mostly Chinese domestic ones) are all in the search pages.

Content: about 2,000 families (1,997 with ``SEED``), priority years 2005-2026, growing
about 13% a year; the last two years thin out because documents publish about 18 months
after priority (OPS data as of ``EPO_AS_OF``, PatentsView as of ``PATENTSVIEW_AS_OF``).
Applicants come from 30 countries (plus the edge cases below); each family has 1-6
member publications at US, EP, WO, CN, JP, KR, DE, GB, AU and CA (a quarter of US
filings have a continuation with its own publications). China has the most families,
mostly at one office; the US has the most families at two or more offices. Titles and
abstracts carry keyword-rule terms of their approach
(``assets/reference/classification_rules.csv``; about 3% are quantum-dot LEDs that only
B82Y10/00 retrieves and the quantum-term exclusion keeps out of scope, 5% have only the
G06N10/00 code); CPC codes come from the in_scope / with_term
rows of ``assets/reference/patent_cpc_map.csv``, beside ordinary codes.
Applicants are companies, universities, government bodies and individuals (applicants
who are also the first inventor); about 12% of families have co-applicants, often from
another country. US applications filed before 16 September 2012 (pre-AIA) list their
inventors as applicants in OPS, as real DOCDB data does. About 10% of US-only families are
in PatentsView only (no OPS counterpart); US documents published after
``PATENTSVIEW_AS_OF`` are in OPS only; every other US document is in both.

US numbers: a grant is ``patent_id`` "11234567" in PatentsView and docdb US 11234567
B1/B2 (epodoc US11234567). Pre-grant publication 2021/0123456 is ``document_number``
20210123456 in PatentsView and docdb US 2021123456 A1 (epodoc US2021123456): DOCDB drops
the zero after the year, as in the recorded family of EP2400812 (US 2012057518 A1,
../shared/fixtures/epo_ops/get_family.response.xml) and in EPO's OPS forum thread
"Leading zeros in US Publication Numbers" (2020).

Edge cases (the test finds each; counts are exact unless said otherwise):

* applicant without a country: 3 families of "NORTHWIND QUANTUM LTD" (no ``[XX]`` in
  epodoc names, ``assignee_country`` null in PatentsView), and 6 more OPS documents whose
  epodoc names all lack the suffix, as many recent real documents do;
* invalid codes: PatentsView ``assignee_country`` "UK" (2 families), epodoc "[XX]" (2
  families, no US member); historical "SU" (2 families) and Kosovo "XK" (2 families), in
  both services;
* Unicode: a decomposed (NFD) name, a name with a zero-width space and a right-to-left
  (Hebrew) name, each in 1 OPS document and 1 PatentsView record (other documents of the
  same applicants spell it plainly);
* malformed CPC: "G06N 10/" and "XYZ123", 1 family each, in both services;
* withdrawn patents (``"withdrawn": true``): 2;
* members of one family on two search pages: 1 family placed across a page break on
  purpose (last of page 1, first of page 2); hundreds more happen naturally;
* the same record on two pages: 1 OPS document, 1 PatentsView publication
  (``total-result-count`` and ``total_hits`` count it once);
* no English title (only de and fr): 2 OPS documents;
* no priority claim: 3 OPS documents (the application date gives the priority year), one
  of them also a family-file member without ``priority-claim``;
* a record missing its id: 1 PatentsView patent (``patent_id`` null), 1 publication
  (``document_number`` null) and 1 OPS exchange-document without doc-number, each a copy
  of another record on another page;
* numbers as strings: 3 publications with ``document_number`` as text, 2 records with
  ``assignee_sequence`` as text.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from assets.reference.tables import patent_live_query_codes

SAMPLE_DIR = Path(__file__).parent / "sample" / "patents"
SEED = 20261124
FIRST_YEAR = 2005
LAST_YEAR = 2026
EPO_AS_OF = date(2026, 10, 31)
PATENTSVIEW_AS_OF = date(2026, 9, 30)
PAGE_SIZE = 100
FAMILIES_2005 = 22
FAMILY_GROWTH = 1.135
FIRST_FAMILY_ID = 99_000_000
AIA_DATE = date(2012, 9, 16)
SPLIT_YEARS = {2025: date(2025, 7, 1)}
LIVE_CODES = patent_live_query_codes()  # the codes a live OPS query names (reviewed map)
PV_ONLY_SHARE = 0.10
CONTINUATION_SHARE = 0.25
PV = "https://search.patentsview.org/api/v1"
ID_NAMESPACE = uuid.UUID("6f1c1a52-8e0c-4c38-9d7b-2b8d3a0c9e11")
OFFICES = ("US", "EP", "WO", "CN", "JP", "KR", "DE", "GB", "AU", "CA")
EUROPE = ("DE", "FR", "GB", "NL", "FI", "CH", "SE", "DK", "AT", "IT", "ES", "BE", "IE", "NO")
EUROPE += ("PL", "CZ")

# code: (families in 2005, yearly growth, share filed at 2+ offices, city, names, places)
COUNTRIES: dict[str, tuple[float, float, float, str, str, tuple[str, str]]] = {
    "US": (34.0, 0.1, 0.74, "Boston", "en", ("NORTHFIELD", "LAKEMONT")),
    "CN": (10.0, 0.22, 0.10, "Hefei", "zh", ("HAIXIN", "DONGLIN")),
    "JP": (13.0, 0.035, 0.55, "Tsukuba", "ja", ("KITAHARA", "MINAMISAWA")),
    "KR": (4.0, 0.095, 0.45, "Daejeon", "ko", ("HANBIT", "SEORAK")),
    "DE": (5.0, 0.07, 0.65, "Munich", "de", ("NORDHEIM", "ELBTAL")),
    "FR": (3.0, 0.07, 0.65, "Grenoble", "fr", ("VALMONT", "AUBRAC")),
    "GB": (4.0, 0.075, 0.65, "Oxford", "en", ("ASHCOMBE", "KINGSMERE")),
    "NL": (1.5, 0.10, 0.75, "Delft", "nl", ("WESTERVELD", "OOSTDAM")),
    "CA": (2.5, 0.075, 0.75, "Waterloo", "en", ("MAPLEWOOD", "LAURENTIA")),
    "AU": (1.5, 0.085, 0.70, "Sydney", "en", ("KOORALIE", "BANKSIA")),
    "IL": (1.0, 0.10, 0.80, "Rehovot", "he", ("GALILIT", "NEGEVA")),
    "FI": (0.8, 0.11, 0.75, "Espoo", "nordic", ("KUUSELA", "JARVIA")),
    "CH": (1.5, 0.07, 0.80, "Zurich", "de", ("ALPENTAL", "SEEWIL")),
    "IN": (0.5, 0.17, 0.35, "Bengaluru", "hi", ("SURYAPUR", "NEELGIRI")),
    "SG": (0.6, 0.10, 0.70, "Singapore", "zh", ("MERLION", "TEMASEKA")),
    "TW": (1.2, 0.085, 0.50, "Hsinchu", "zh", ("FENGYUAN", "TAIHE")),
    "HK": (0.5, 0.10, 0.50, "Hong Kong", "zh", ("KOWLOONA", "TSIMSHA")),
    "SE": (0.6, 0.08, 0.70, "Gothenburg", "nordic", ("BJORKVIK", "STRANDA")),
    "DK": (0.5, 0.10, 0.70, "Copenhagen", "nordic", ("SKOVLUND", "HAVNBY")),
    "AT": (0.6, 0.08, 0.70, "Innsbruck", "de", ("TALHEIM", "BERGAU")),
    "IT": (0.7, 0.07, 0.60, "Turin", "it", ("VALDORO", "CASTELNERO")),
    "ES": (0.5, 0.08, 0.60, "Barcelona", "es", ("VALVERDE", "SIERRALTA")),
    "BE": (0.3, 0.07, 0.70, "Leuven", "nl", ("DIJLEBEEK", "KEMPENAAR")),
    "IE": (0.3, 0.08, 0.70, "Dublin", "en", ("GLENMORE", "KILBRANE")),
    "NO": (0.3, 0.07, 0.70, "Trondheim", "nordic", ("FJORDVIK", "NORDAL")),
    "RU": (0.8, 0.05, 0.30, "Moscow", "ru", ("SEVERSK", "VOLZHANKA")),
    "PL": (0.3, 0.08, 0.50, "Warsaw", "pl", ("WISLANOWO", "BORKOWICE")),
    "CZ": (0.2, 0.07, 0.50, "Prague", "cs", ("VLTAVICE", "HORNIKOV")),
    "BR": (0.2, 0.07, 0.40, "Campinas", "pt", ("SERRA AZUL", "RIO VERDE")),
    "AE": (0.1, 0.15, 0.60, "Abu Dhabi", "ar", ("AL NOORA", "AL WAHRA")),
}
# Company legal forms (epodoc, original) by country; the first is the most common.
LEGAL_FORMS: dict[str, list[tuple[str, str]]] = {
    "US": [("INC", "Inc."), ("CORP", "Corporation"), ("LLC", "LLC")],
    "CN": [("CO LTD", "Co., Ltd.")],
    "JP": [("KK", "K.K."), ("CO LTD", "Co., Ltd.")],
    "KR": [("CO LTD", "Co., Ltd.")],
    "DE": [("GMBH", "GmbH"), ("AG", "AG")],
    "FR": [("SA", "SA"), ("SAS", "SAS")],
    "GB": [("LTD", "Limited")],
    "NL": [("BV", "B.V.")],
    "CA": [("INC", "Inc.")],
    "AU": [("PTY LTD", "Pty Ltd")],
    "IL": [("LTD", "Ltd.")],
    "FI": [("OY", "Oy")],
    "CH": [("AG", "AG"), ("SA", "SA")],
    "IN": [("PVT LTD", "Private Limited")],
    "SG": [("PTE LTD", "Pte. Ltd.")],
    "TW": [("CORP", "Corporation"), ("CO LTD", "Co., Ltd.")],
    "HK": [("LTD", "Limited")],
    "SE": [("AB", "AB")],
    "DK": [("AS", "A/S")],
    "AT": [("GMBH", "GmbH")],
    "IT": [("SPA", "S.p.A.")],
    "ES": [("SL", "S.L.")],
    "BE": [("NV", "NV")],
    "IE": [("LTD", "Limited")],
    "NO": [("AS", "AS")],
    "RU": [("LLC", "LLC")],
    "PL": [("SP Z O O", "Sp. z o.o.")],
    "CZ": [("SRO", "s.r.o.")],
    "BR": [("LTDA", "Ltda.")],
    "AE": [("LLC", "L.L.C.")],
}
STEM_HEADS = ["QU", "COHER", "PHOTO", "SPIN", "ATOM", "KRYO", "FLUX", "ION", "LUMI", "NOVA"]
STEM_HEADS += ["TERA", "OPTI", "HELIX", "ZENO", "AURA", "VECTA", "ORBI", "PRISMA"]
STEM_TAILS = ["TRON", "LOGIC", "WAVE", "NEXUS", "LABS", "SYSTEMS", "DYNAMICS", "WORKS"]
STEM_TAILS += ["TECH", "ONICS"]
# University name patterns (epodoc, original) around an invented place name.
UNIVERSITY_FORMS = [
    ("UNIV {P}", "University of {p}"),
    ("{P} INSTITUTE OF TECHNOLOGY", "{p} Institute of Technology"),
    ("{P} UNIVERSITY", "{p} University"),
    ("{P} COLLEGE", "{p} College"),
]
# Government applicants: (key, country, epodoc, original, PatentsView type code).
GOVERNMENT = [
    (
        "us-navy",
        "US",
        "US SEC OF NAVY",
        "The United States of America as represented by the Secretary of the Navy",
    ),
    (
        "us-nist",
        "US",
        "NAT INST OF STANDARDS & TECHNOLOGY",
        "Government of the United States of America, as represented by the Secretary of Commerce",
    ),
    (
        "fr-cea",
        "FR",
        "COMMISSARIAT ENERGIE ATOMIQUE",
        "Commissariat \u00e0 l'\u00c9nergie Atomique et aux \u00c9nergies Alternatives",
    ),
    ("kr-add", "KR", "AGENCY FOR DEFENSE DEVELOPMENT", "Agency for Defense Development"),
]
NAMES: dict[str, tuple[list[str], list[str]]] = {
    "en": (
        ["James", "Emily", "Michael", "Sarah", "David", "Laura", "Robert", "Anna"],
        ["Carter", "Hughes", "Bennett", "Foster", "Reid", "Walsh", "Porter", "Doyle"],
    ),
    "zh": (
        ["Wei", "Jing", "Hao", "Xiaoling", "Yong", "Mei", "Jun", "Lei"],
        ["Zhang", "Wang", "Li", "Chen", "Liu", "Zhao", "Huang", "Zhou"],
    ),
    "ja": (
        ["Hiroshi", "Yuki", "Takeshi", "Aiko", "Kenji", "Naomi"],
        ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"],
    ),
    "ko": (
        ["Minjun", "Seoyeon", "Jihoon", "Hyejin", "Dongwook"],
        ["Kim", "Lee", "Park", "Choi", "Jung", "Kang"],
    ),
    "de": (
        ["Thomas", "Katrin", "J\u00fcrgen", "Anja", "Stefan", "J\u00f6rg"],
        ["M\u00fcller", "Sch\u00e4fer", "Wei\u00df", "Becker", "Hoffmann", "Kr\u00fcger"],
    ),
    "fr": (
        ["Pierre", "Camille", "H\u00e9l\u00e8ne", "Julien", "\u00c9lodie", "Fran\u00e7ois"],
        ["Dubois", "Lef\u00e8vre", "Moreau", "Girard", "Rousseau", "Mercier"],
    ),
    "nl": (["Jan", "Sanne", "Pieter", "Femke"], ["de Vries", "van Dijk", "Jansen", "Bakker"]),
    "nordic": (
        ["Mikko", "Sanna", "Lars", "Ingrid", "Jari", "S\u00f8ren"],
        ["Virtanen", "Korhonen", "Lindqvist", "Johansson", "Nielsen", "Kylm\u00e4nen"],
    ),
    "he": (["Yossi", "Noa", "Avi", "Tamar"], ["Cohen", "Levi", "Mizrahi", "Friedman"]),
    "hi": (["Arjun", "Priya", "Rahul", "Ananya"], ["Sharma", "Iyer", "Patel", "Rao"]),
    "it": (["Marco", "Giulia", "Luca", "Chiara"], ["Rossi", "Bianchi", "Ferrari", "Romano"]),
    "es": (
        ["Javier", "Luc\u00eda", "Carlos", "Marta"],
        ["Garc\u00eda", "Mart\u00ednez", "L\u00f3pez", "S\u00e1nchez"],
    ),
    "ru": (["Ivan", "Olga", "Sergei", "Natalia"], ["Ivanov", "Petrova", "Smirnov", "Volkova"]),
    "pl": (["Piotr", "Agnieszka", "Tomasz"], ["Nowak", "Kowalski", "Wi\u015bniewski"]),
    "cs": (
        ["Ji\u0159\u00ed", "Petra", "Tom\u00e1\u0161"],
        ["Nov\u00e1k", "Dvo\u0159\u00e1k", "\u010cern\u00fd"],
    ),
    "pt": (["Jo\u00e3o", "Ana", "Rafael"], ["Silva", "Santos", "Oliveira"]),
    "ar": (["Omar", "Layla", "Khalid"], ["Al Mansouri", "Haddad", "Nasser"]),
}
APPROACH_WEIGHTS = {
    "superconducting": 12,
    "trapped_ion": 5,
    "neutral_atom": 4,
    "photonic": 7,
    "spin_silicon": 5,
    "topological": 3,
    "annealing": 3,
    "defect_centres": 4,
    "error_correction": 6,
    "algorithms_software": 12,
    "qkd": 12,
    "quantum_networks": 5,
    "sensing_magnetometry": 5,
    "sensing_inertial": 3,
    "clocks": 4,
    "quantum_imaging": 2,
    "cryogenics": 2,
    "control_electronics": 3,
    "generic": 6,  # CPC only (G06N10/00), no approach term
    "noise": 3,  # quantum-dot LEDs: retrieved by B82Y10/00, out of scope by the term exclusion
}
TILTS: dict[str, dict[str, float]] = {
    "CN": {"qkd": 3.0, "quantum_networks": 2.0, "photonic": 1.5},
    "CA": {"annealing": 5.0, "photonic": 2.0},
    "US": {"superconducting": 1.5, "algorithms_software": 1.3, "error_correction": 1.4},
    "JP": {"clocks": 2.5, "qkd": 1.5},
    "DE": {"sensing_magnetometry": 2.0, "defect_centres": 1.8},
    "GB": {"sensing_inertial": 2.5, "trapped_ion": 1.8},
    "FR": {"neutral_atom": 3.0},
    "NL": {"spin_silicon": 3.0, "topological": 2.5},
    "AU": {"spin_silicon": 4.0},
    "FI": {"cryogenics": 5.0, "superconducting": 2.0},
    "AT": {"trapped_ion": 3.0},
    "CH": {"qkd": 2.0},
    "KR": {"qkd": 2.0},
}
# Title templates: each carries phrases its approach's keyword rules recognise.
TITLES: dict[str, list[str]] = {
    "superconducting": [
        "Transmon qubit with {adj} Josephson junction",
        "Tunable coupler for superconducting qubits",
        "Superconducting quantum processor with {adj} readout resonators",
        "Flux qubit and method of operating the same",
    ],
    "trapped_ion": [
        "Trapped ion quantum computer with {adj} laser addressing",
        "Surface electrode ion trap for quantum computing",
        "Entangling gate for trapped-ion qubits",
    ],
    "neutral_atom": [
        "Neutral atom quantum processor with {adj} optical tweezers",
        "Rydberg atom array and method of entangling atoms",
    ],
    "photonic": [
        "Photonic quantum computing chip with {adj} waveguides",
        "Single-photon source for photonic quantum processors",
        "Squeezed light source for {adj} photonic quantum computing",
    ],
    "spin_silicon": [
        "Spin qubit device with {adj} gate electrodes",
        "Silicon quantum dot spin qubit and readout method",
        "Donor qubit in isotopically purified silicon",
    ],
    "topological": [
        "Majorana zero mode device and method of braiding",
        "Topological qubit with {adj} semiconductor-superconductor nanowires",
    ],
    "annealing": [
        "Quantum annealing system for {adj} combinatorial optimisation",
        "Embedding method for a quantum annealer",
    ],
    "defect_centres": [
        "Nitrogen-vacancy centre quantum sensor with {adj} microwave delivery",
        "Nitrogen-vacancy spin register in synthetic crystal",
    ],
    "error_correction": [
        "Quantum error correction with surface codes",
        "Fault-tolerant logical qubit with {adj} syndrome extraction",
    ],
    "algorithms_software": [
        "Variational quantum algorithm for {adj} molecular simulation",
        "Quantum circuit compiler with qubit routing",
        "Hybrid quantum-classical optimisation using QAOA",
    ],
    "qkd": [
        "Quantum key distribution system with {adj} decoy states",
        "Twin-field quantum key distribution transmitter",
        "Measurement-device-independent QKD receiver",
    ],
    "quantum_networks": [
        "Quantum repeater node with {adj} quantum memory",
        "Entanglement distribution in a quantum network",
    ],
    "sensing_magnetometry": [
        "Optically pumped magnetometer with {adj} vapour cell",
        "SQUID magnetometer for {adj} biomagnetic measurement",
    ],
    "sensing_inertial": [
        "Atom interferometer gravimeter",
        "Cold-atom gyroscope for {adj} inertial navigation",
    ],
    "clocks": [
        "Chip-scale atomic clock with {adj} vapour cell",
        "Optical lattice clock and frequency comparison method",
    ],
    "quantum_imaging": [
        "Quantum imaging apparatus using entangled photons",
        "Quantum radar with {adj} idler detection",
    ],
    "cryogenics": [
        "Dilution refrigerator for {adj} quantum processors",
        "Pulse tube cryocooler for quantum devices",
    ],
    "control_electronics": [
        "Cryo-CMOS control chip for qubits",
        "Qubit control electronics with {adj} FPGA sequencing",
    ],
    "generic": ["Quantum computing system and method", "Quantum information processing apparatus"],
    "noise": ["Quantum dot light-emitting diode with {adj} shell", "Quantum dot display panel"],
}
# One sentence per approach for the abstract (again with the approach's terms).
DETAILS = {
    "superconducting": "The superconducting qubit is coupled to a transmon readout circuit.",
    "trapped_ion": "Laser beams drive gates between trapped ions held in a Paul trap.",
    "neutral_atom": "Atoms held in optical tweezers are excited to Rydberg states.",
    "photonic": "Indistinguishable photons are routed through a photonic quantum circuit.",
    "spin_silicon": "Each spin qubit is defined in a gate-defined quantum dot.",
    "topological": "Majorana modes at the ends of a semiconductor nanowire are braided.",
    "annealing": "The problem is mapped onto the qubits of a quantum annealer.",
    "defect_centres": "Nitrogen-vacancy centres are read out optically.",
    "error_correction": "Syndrome extraction feeds a decoder for quantum error correction.",
    "algorithms_software": "A quantum algorithm is compiled for a variational quantum circuit.",
    "qkd": "The transmitter and receiver perform quantum key distribution over fibre.",
    "quantum_networks": "Heralded entanglement links the quantum memory of each node.",
    "sensing_magnetometry": "The magnetometer measures weak magnetic fields.",
    "sensing_inertial": "Cold atoms in free fall form an atom interferometer.",
    "clocks": "The atomic clock is stabilised to a narrow clock transition.",
    "quantum_imaging": "Quantum imaging with entangled photons suppresses background light.",
    "cryogenics": "The dilution refrigerator reaches millikelvin temperatures.",
    "control_electronics": "Cryo-CMOS circuits generate the qubit control pulses.",
    "generic": "A quantum processing unit exchanges data with a classical host.",
    "noise": "The emissive layer uses core-shell nanocrystals for a display.",
}
ADJECTIVES = ["tunable", "scalable", "low-loss", "compact", "high-fidelity", "integrated"]
ADJECTIVES += ["modular", "low-noise", "robust", "multiplexed"]
# German and French titles for EP documents (uppercased as OPS shows them).
TITLES_DE_FR = {
    "superconducting": (
        "Supraleitende Qubit-Vorrichtung",
        "Dispositif \u00e0 qubits supraconducteurs",
    ),
    "trapped_ion": (
        "Ionenfallen-Quantencomputer",
        "Ordinateur quantique \u00e0 ions pi\u00e9g\u00e9s",
    ),
    "neutral_atom": (
        "Quantenprozessor mit neutralen Atomen",
        "Processeur quantique \u00e0 atomes neutres",
    ),
    "photonic": ("Photonischer Quantenprozessor", "Processeur quantique photonique"),
    "spin_silicon": ("Spin-Qubit-Bauelement", "Dispositif \u00e0 qubits de spin"),
    "topological": ("Topologisches Qubit", "Qubit topologique"),
    "annealing": ("Quanten-Annealing-System", "Syst\u00e8me de recuit quantique"),
    "defect_centres": (
        "Quantensensor mit Stickstoff-Fehlstellen",
        "Capteur quantique \u00e0 centres NV",
    ),
    "error_correction": ("Quantenfehlerkorrektur", "Correction d'erreurs quantiques"),
    "algorithms_software": ("Quantenalgorithmus", "Algorithme quantique"),
    "qkd": ("Quantenschl\u00fcsselverteilung", "Distribution quantique de cl\u00e9s"),
    "quantum_networks": ("Quantenrepeater", "R\u00e9p\u00e9teur quantique"),
    "sensing_magnetometry": (
        "Optisch gepumptes Magnetometer",
        "Magn\u00e9tom\u00e8tre \u00e0 pompage optique",
    ),
    "sensing_inertial": ("Atominterferometer", "Interf\u00e9rom\u00e8tre atomique"),
    "clocks": ("Atomuhr", "Horloge atomique"),
    "quantum_imaging": ("Quantenbildgebung", "Imagerie quantique"),
    "cryogenics": ("Mischungskryostat", "R\u00e9frig\u00e9rateur \u00e0 dilution"),
    "control_electronics": ("Qubit-Steuerelektronik", "\u00c9lectronique de commande de qubits"),
    "generic": ("Quantencomputersystem", "Syst\u00e8me informatique quantique"),
    "noise": (
        "Quantenpunkt-Leuchtdiode",
        "Diode \u00e9lectroluminescente \u00e0 points quantiques",
    ),
}
# CPC codes by approach (in_scope / with_term rows of patent_cpc_map.csv); the first is main.
APPROACH_CPC = {
    "superconducting": ["G06N10/40", "H10N60/12"],
    "trapped_ion": ["G06N10/40"],
    "neutral_atom": ["G06N10/40"],
    "photonic": ["G06N10/40", "H04B10/70"],
    "spin_silicon": ["G06N10/40", "B82Y10/00"],
    "topological": ["G06N10/40", "B82Y10/00"],
    "annealing": ["G06N10/60"],
    "defect_centres": ["G01R33/032", "G06N10/40"],
    "error_correction": ["G06N10/70"],
    "algorithms_software": ["G06N10/60", "G06N10/80", "G06N10/20"],
    "qkd": ["H04L9/0852", "H04L9/0855", "H04L9/0858"],
    "quantum_networks": ["H04B10/70", "H04L9/0855"],
    "sensing_magnetometry": ["G01R33/26", "G01R33/0354", "G01R33/0358"],
    "sensing_inertial": ["G01V7/00", "G01C19/58"],
    "clocks": ["G04F5/14", "H03L7/26"],
    "quantum_imaging": ["H04B10/70"],
    "cryogenics": ["G06N10/40"],
    "control_electronics": ["G06N10/40"],
    "generic": ["G06N10/00"],
    "noise": ["B82Y10/00"],
}
ORDINARY_CPC = ["G06F9/5027", "G06F17/11", "H01L23/66", "H01P7/08", "H03K19/195"]
ORDINARY_CPC += ["G02B6/12004", "H01S5/183", "G01N21/64", "H04B10/25", "H04L63/0428"]
ORDINARY_CPC += ["G06F30/20", "F25B9/14", "H05K7/20", "G02F1/35", "H01J49/42"]
MALFORMED_CPC = ("G06N 10/", "XYZ123")
# First US grant number of each year (approximate), to number synthetic grants.
US_GRANT_FIRST = {2005: 6_836_000, 2006: 6_981_000, 2007: 7_155_000, 2008: 7_313_000}
US_GRANT_FIRST |= {2009: 7_472_000, 2010: 7_640_000, 2011: 7_861_000, 2012: 8_087_000}
US_GRANT_FIRST |= {2013: 8_341_000, 2014: 8_621_000, 2015: 8_925_000, 2016: 9_226_000}
US_GRANT_FIRST |= {2017: 9_532_000, 2018: 9_854_000, 2019: 10_165_000, 2020: 10_524_000}
US_GRANT_FIRST |= {2021: 10_881_000, 2022: 11_212_000, 2023: 11_540_000, 2024: 11_856_000}
US_GRANT_FIRST |= {2025: 12_185_000, 2026: 12_520_000, 2027: 12_850_000}
# US application series codes by filing year, and provisional series.
US_SERIES = [(2007, "11"), (2010, "12"), (2013, "13"), (2015, "14"), (2017, "15")]
US_SERIES += [(2018, "16"), (2021, "17"), (2023, "18"), (9999, "19")]
US_PROVISIONAL = [(2007, "60"), (2013, "61"), (2019, "62"), (9999, "63")]
TRANSLIT = str.maketrans({"\u00e4": "ae", "\u00f6": "oe", "\u00fc": "ue", "\u00df": "ss"})
TRANSLIT_UPPER = str.maketrans({"\u00c4": "AE", "\u00d6": "OE", "\u00dc": "UE"})

# Edge-case parties and name variants (see the module docstring).
EDGE_PARTY_FAMILIES = {"null": 3, "UK": 2, "XX": 2, "SU": 2, "XK": 2}
NO_SUFFIX_DOCUMENTS = 6
WITHDRAWN = 2
NO_ENGLISH_TITLE = 2
STRING_DOCUMENT_NUMBERS = 3
STRING_ASSIGNEE_SEQUENCES = 2
NFD_NAME = "Technische Universita\u0308t Nordheim"
ZWSP_NAME = ("QUANTUM\u200bWERK GMBH", "Quantum\u200bWerk GmbH")
RTL_NAME = (
    "\u05de\u05db\u05d5\u05df \u05e8\u05d7\u05d5\u05d1\u05d5\u05ea "
    "\u05dc\u05de\u05d7\u05e9\u05d5\u05d1 \u05e7\u05d5\u05d5\u05e0\u05d8\u05d9"
)


@dataclass(frozen=True)
class Party:
    """An applicant as each service writes it.

    ``country`` is the epodoc ``[XX]`` suffix (None: no suffix) and ``pv_country`` the
    PatentsView ``assignee_country``; ``kind`` is company, university, government or
    individual.
    """

    key: str
    kind: str
    epodoc: str
    original: str
    country: str | None
    pv_country: str | None
    city: str
    first: str | None = None
    last: str | None = None


@dataclass(frozen=True)
class Person:
    """An inventor: names, country, city and a running number (for PatentsView ids)."""

    first: str
    last: str
    country: str
    city: str
    number: int


@dataclass
class Filing:
    """One application (or priority filing) at one office, numbered after generation."""

    office: str
    date: date
    kind: str = "A"  # docdb application kind: A, P (US provisional), W (PCT)
    docdb: str = ""
    epodoc: str = ""
    original: str = ""
    doc_id: int = 0
    series: str = ""


@dataclass
class Publication:
    """One published document of a family (a member), numbered after generation."""

    office: str
    kind: str
    date: date
    filing: Filing
    first_publication: Publication | None = None  # the A publication a B keeps the number of
    number: str = ""
    serial: int = 0

    @property
    def key(self) -> str:
        """``CC.NUMBER.KIND``, as the OPS family service takes it."""
        return f"{self.office}.{self.number}.{self.kind}"


@dataclass
class Family:
    """A synthetic patent family: one invention, its applicants, filings and members."""

    family_id: int
    approach: str
    title: str
    abstract: str
    cpc: list[str]
    applicants: list[Party]
    inventors: list[Person]
    priorities: list[Filing]
    filings: list[Filing]
    publications: list[Publication] = field(default_factory=list)
    pv_only: bool = False

    @property
    def lead_country(self) -> str:
        """The country of the first applicant's registry entry (for the statistics)."""
        return self.applicants[0].key.split(":")[0]


@dataclass
class Edges:
    """Which documents and records carry which edge case (keys are publication keys)."""

    no_suffix: list[str] = field(default_factory=list)
    no_english_title: list[str] = field(default_factory=list)
    no_priority: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    string_document_numbers: list[str] = field(default_factory=list)
    string_sequences: list[str] = field(default_factory=list)
    epo_names: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    pv_names: dict[str, dict[str, str]] = field(default_factory=dict)
    families: list[int] = field(default_factory=list)  # ids of every family with an edge case


def _upper_ascii(text: str) -> str:
    """An epodoc-style name: uppercase, umlauts as AE/OE/UE, other accents dropped."""
    text = text.translate(TRANSLIT).translate(TRANSLIT_UPPER)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _parties(rng: random.Random) -> dict[str, list[Party]]:
    """The applicant registry: companies, universities and government bodies per country."""
    stems = [h + t for h in STEM_HEADS for t in STEM_TAILS]
    rng.shuffle(stems)
    registry: dict[str, list[Party]] = {}
    for index, (country, (_, _, _, city, _, places)) in enumerate(COUNTRIES.items()):
        parties = []
        forms = LEGAL_FORMS[country]
        for k in range(3):
            stem = stems[index * 3 + k]
            form_epodoc, form_original = forms[k % len(forms)]
            epodoc = f"{stem} {form_epodoc}"
            original = f"{stem.title()} {form_original}"
            if country == "CN":
                epodoc = f"{city.upper()} {stem} TECH {form_epodoc}"
                original = f"{city} {stem.title()} Technology {form_original}"
            parties.append(
                Party(f"{country}:c{k}", "company", epodoc, original, country, country, city)
            )
        for k, place in enumerate(places):
            pattern_epodoc, pattern_original = UNIVERSITY_FORMS[(index + k) % 4]
            epodoc = pattern_epodoc.format(P=place)
            original = pattern_original.format(p=place.title())
            parties.append(
                Party(f"{country}:u{k}", "university", epodoc, original, country, country, city)
            )
        registry[country] = parties
    for key, country, epodoc, original in GOVERNMENT:
        city = COUNTRIES[country][3]
        registry[country].append(
            Party(f"{country}:{key}", "government", epodoc, original, country, country, city)
        )
    # the Unicode edge cases live on ordinary parties of DE and IL
    registry["DE"][4] = Party(
        "DE:u1",
        "university",
        "UNIV NORDHEIM TECH",
        unicodedata.normalize("NFC", NFD_NAME),
        "DE",
        "DE",
        "Munich",
    )
    registry["DE"][0] = Party(
        "DE:c0", "company", "QUANTUMWERK GMBH", "QuantumWerk GmbH", "DE", "DE", "Munich"
    )
    registry["IL"][3] = Party(
        "IL:u0",
        "university",
        "REHOVOT INST FOR QUANTUM COMPUTING",
        "Rehovot Institute for Quantum Computing",
        "IL",
        "IL",
        "Rehovot",
    )
    return registry


EDGE_PARTIES = {
    "null": Party(
        "ZZ:null", "company", "NORTHWIND QUANTUM LTD", "Northwind Quantum Ltd", None, None, "Leeds"
    ),
    "UK": Party(
        "GB:uk",
        "company",
        "ALBION PHOTONICS LTD",
        "Albion Photonics Limited",
        "GB",
        "UK",
        "Bristol",
    ),
    "XX": Party(
        "ZZ:xx",
        "company",
        "OBSCURA QUANTUM SYSTEMS",
        "Obscura Quantum Systems",
        "XX",
        None,
        "Unknown",
    ),
    "SU": Party(
        "SU:su",
        "university",
        "ZVEZDA INST OF LASER PHYSICS",
        "Zvezda Institute of Laser Physics",
        "SU",
        "SU",
        "Novosibirsk",
    ),
    "XK": Party(
        "XK:xk",
        "company",
        "DARDANIA QUANTUM LLC",
        "Dardania Quantum L.L.C.",
        "XK",
        "XK",
        "Pristina",
    ),
}


def _weights(year: int) -> tuple[list[str], list[float]]:
    names = list(COUNTRIES)
    weights = [b * (1 + g) ** (year - FIRST_YEAR) for b, g, *_ in COUNTRIES.values()]
    return names, weights


def _approach(rng: random.Random, country: str) -> str:
    tilt = TILTS.get(country, {})
    names = list(APPROACH_WEIGHTS)
    weights = [w * tilt.get(a, 1.0) for a, w in APPROACH_WEIGHTS.items()]
    return rng.choices(names, weights=weights)[0]


def _person(rng: random.Random, country: str, number: int) -> Person:
    firsts, lasts = NAMES[COUNTRIES[country][4]]
    return Person(rng.choice(firsts), rng.choice(lasts), country, COUNTRIES[country][3], number)


def _individual(person: Person) -> Party:
    """An applicant who is also the family's first inventor."""
    return Party(
        f"{person.country}:ind{person.number}",
        "individual",
        f"{_upper_ascii(person.last)} {_upper_ascii(person.first)}",
        f"{person.last.upper()}, {person.first}",
        person.country,
        person.country,
        person.city,
        person.first,
        person.last,
    )


def _party(rng: random.Random, registry: dict[str, list[Party]], country: str) -> Party:
    """A company (65%), university (30%) or government body (5%, where there is one)."""
    parties = registry[country]
    draw = rng.random()
    government = [p for p in parties if p.kind == "government"]
    if government and draw < 0.05:
        return rng.choice(government)
    kind = "university" if draw < 0.35 else "company"
    return rng.choice([p for p in parties if p.kind == kind])


def _offices(rng: random.Random, country: str) -> list[str]:
    """The offices a family is filed at: one (domestic) or several (international)."""
    home = country if country in OFFICES else None
    if rng.random() >= COUNTRIES[country][2]:
        if home:
            return [home]
        return ["EP"] if country in EUROPE else ["US"]
    offices = [home] if home else []
    if rng.random() < 0.65:
        offices.append("WO")
    chances = [
        ("EP", 0.85 if country in EUROPE else 0.55),
        ("US", 0.9),
        ("CN", 0.3),
        ("JP", 0.18),
        ("KR", 0.12),
        ("AU", 0.08),
        ("CA", 0.08),
        ("DE", 0.03),
        ("GB", 0.03),
    ]
    for office, chance in chances:
        if office not in offices and rng.random() < chance:
            offices.append(office)
    if len(offices) < 2:
        offices.append(rng.choice([o for o in ("US", "EP", "WO") if o not in offices]))
    return offices


def _weekday(day: date, weekday: int | None) -> date:
    """The first ``weekday`` (0 = Monday) on or after ``day``; ``day`` when None."""
    if weekday is None:
        return day
    return day + timedelta(days=(weekday - day.weekday()) % 7)


PUBLICATION_WEEKDAY = {"US": 3, "EP": 2, "WO": 3, "CN": 4}
GRANT_WEEKDAY = {"US": 1, "EP": 2, "CN": 1}
A_KIND = {"US": "A1", "EP": "A1", "WO": "A1", "DE": "A1", "AU": "A1", "CA": "A1"}
GRANTS = {"US": (0.55, 900, 1800), "EP": (0.3, 1300, 2200), "CN": (0.45, 700, 1300)}


def _publications(rng: random.Random, filings: list[Filing], priority: Filing) -> list[Publication]:
    """The published members of a family (at most 6, none after ``EPO_AS_OF``)."""
    pubs: list[Publication] = []
    for filing in filings:
        office = filing.office
        if office == "WO":
            lag = 548 + rng.randrange(14)
        elif filing is priority and office == "CN" and rng.random() < 0.35:
            lag = rng.randrange(120, 330)  # early publication on request
        elif filing is priority:
            lag = 548 + rng.randrange(30)
        else:
            lag = rng.randrange(548, 1100)
        first = None
        if not (office == "US" and rng.random() < 0.06):  # 6% ask for no pre-grant publication
            day = max(priority.date + timedelta(days=lag), filing.date + timedelta(days=120))
            day = _weekday(day, PUBLICATION_WEEKDAY.get(office))
            first = Publication(office, A_KIND.get(office, "A"), day, filing)
            pubs.append(first)
        share, low, high = GRANTS.get(office, (0.0, 0, 0))
        if rng.random() < share or (office == "US" and first is None):
            day = filing.date + timedelta(days=rng.randrange(low, high))
            day = _weekday(day, GRANT_WEEKDAY.get(office))
            if first is not None and day <= first.date:
                day = first.date + timedelta(days=364)
            kind = {"US": "B2" if first else "B1", "EP": "B1", "CN": "B"}[office]
            pubs.append(Publication(office, kind, day, filing, first))
    pubs = sorted((p for p in pubs if p.date <= EPO_AS_OF), key=lambda p: (p.date, p.office))
    while len(pubs) > 6:
        grants = [p for p in pubs if not p.kind.startswith("A")]
        pubs.remove(grants[-1] if grants else pubs[-1])
    return pubs


def _family(
    rng: random.Random,
    family_id: int,
    year: int,
    registry: dict[str, list[Party]],
    people: Iterator[int],
) -> Family | None:
    """One family with priority in ``year``; None when nothing of it is published yet."""
    countries, weights = _weights(year)
    country = rng.choices(countries, weights=weights)[0]
    approach = _approach(rng, country)
    title = rng.choice(TITLES[approach]).format(adj=rng.choice(ADJECTIVES))
    phrase = title[0].lower() + title[1:] if title[1].islower() else title
    abstract = (
        f"This disclosure relates to {phrase}. {DETAILS[approach]} "
        "Synthetic record of the qcm offline sample."
    )
    cpc = [APPROACH_CPC[approach][0]]
    if len(APPROACH_CPC[approach]) > 1 and rng.random() < 0.5:
        cpc.append(rng.choice(APPROACH_CPC[approach][1:]))
    cpc += rng.sample(ORDINARY_CPC, rng.choice([0, 1, 1, 2]))
    inventors = []
    for _ in range(rng.choices([1, 2, 3, 4], weights=[3, 4, 3, 1])[0]):
        inventors.append(_person(rng, country, next(people)))
    draw = rng.random()
    applicants = [_individual(inventors[0]) if draw < 0.04 else _party(rng, registry, country)]
    if rng.random() < 0.12:  # co-applicants, often from another country
        for _ in range(rng.choice([1, 1, 1, 2])):
            other = country if rng.random() < 0.5 else rng.choices(countries, weights)[0]
            party = _party(rng, registry, other)
            if party not in applicants:
                applicants.append(party)
                if other != country:
                    inventors.append(_person(rng, other, next(people)))
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), EPO_AS_OF)
    priority_date = start + timedelta(days=rng.randrange((end - start).days + 1))
    offices = _offices(rng, country)
    home = country if country in OFFICES else None
    if country == "US" and rng.random() < 0.4:
        priority = Filing("US", priority_date, kind="P")
    elif home and home in offices:
        priority = Filing(home, priority_date)
    elif offices == ["EP"] and rng.random() < 0.5:
        priority = Filing("EP", priority_date)
    else:
        priority = Filing(country, priority_date)
    priorities = [priority]
    if rng.random() < 0.1:
        later = priority_date + timedelta(days=rng.randrange(30, 180))
        priorities.append(Filing(priority.office, later, kind=priority.kind))
    filings = []
    for office in offices:
        if office == priority.office and priority.kind == "A":
            filings.append(priority)
        else:
            day = priority_date + timedelta(days=365 - rng.randrange(20))
            filings.append(Filing(office, day, kind="W" if office == "WO" else "A"))
        if office == "US" and rng.random() < CONTINUATION_SHARE:  # a second US application
            day = filings[-1].date + timedelta(days=rng.randrange(300, 1100))
            filings.append(Filing("US", day))
    publications = _publications(rng, filings, priority)
    if not publications:
        return None
    return Family(
        family_id,
        approach,
        title,
        abstract,
        cpc,
        applicants,
        inventors,
        priorities,
        filings,
        publications,
    )


def _fraction(day: date) -> float:
    """How far into its year ``day`` is (0 to just under 1)."""
    return (day.timetuple().tm_yday - 1) / 366


def _series(table: list[tuple[int, str]], year: int) -> str:
    return next(code for last, code in table if year <= last)


FILING_SPANS = {"US": 800_000, "EP": 190_000, "WO": 280_000, "CN": 900_000, "JP": 190_000}
FILING_SPANS |= {"KR": 190_000, "DE": 190_000, "GB": 30_000, "AU": 300_000, "CA": 40_000}
PCT_OFFICES = ("US", "EP", "CN", "JP", "KR", "DE", "GB", "FR", "AU", "CA")


def _number_filing(filing: Filing, serial: int, receiving: str) -> None:
    """Write the docdb, epodoc and original numbers of a filing from its serial."""
    office, year = filing.office, filing.date.year
    yy = year % 100
    check = serial % 10
    if office == "US":
        table = US_PROVISIONAL if filing.kind == "P" else US_SERIES
        filing.series = _series(table, year)
        filing.docdb = f"{year}{filing.series}{100_000 + serial:06d}"
        filing.epodoc = f"US{filing.docdb}"
        filing.original = f"{filing.series}{100_000 + serial:06d}"
    elif office == "EP":
        filing.docdb = f"{yy:02d}{serial:06d}"
        filing.epodoc = f"EP{year}{serial:07d}"
        filing.original = f"{yy:02d}{serial:06d}.{check}"
    elif office == "WO":
        filing.docdb = f"{receiving}{year}{serial:06d}"
        filing.epodoc = f"WO{year}{receiving}{serial}"
        filing.original = f"{receiving}{year}/{serial:06d}"
    elif office == "CN":
        filing.docdb = f"{year}1{serial:07d}"
        filing.epodoc = f"CN{filing.docdb}"
        filing.original = f"{filing.docdb}.{check}"
    elif office == "KR":
        filing.docdb = f"{year}{serial:07d}"
        filing.epodoc = f"KR{filing.docdb}"
        filing.original = f"10-{year}-{serial:07d}"
    elif office == "DE":
        filing.docdb = f"10{year}{serial:06d}"
        filing.epodoc = f"DE{filing.docdb}"
        filing.original = f"{filing.docdb}.{check}"
    elif office == "GB":
        filing.docdb = f"{yy:02d}{serial:05d}"
        filing.epodoc = f"GB{year}{serial:07d}"
        filing.original = f"{filing.docdb}.{check}"
    elif office == "AU":
        filing.docdb = f"{year}{serial:06d}"
        filing.epodoc = f"AU{year}{serial:07d}"
        filing.original = filing.docdb
    elif office == "CA":
        filing.docdb = f"{2_500_000 + (year - FIRST_YEAR) * 40_000 + serial:07d}"
        filing.epodoc = f"CA{year}{filing.docdb}"
        filing.original = filing.docdb
    else:  # JP and the priority-only offices (FR, FI, IL, ...)
        filing.docdb = f"{year}{serial:06d}"
        filing.epodoc = f"{office}{year}{serial:07d}"
        filing.original = f"{year}-{serial:06d}" if office == "JP" else str(serial)


def _pub_number(pub: Publication, serial: int) -> str:
    """The docdb number of a publication (DE, AU and CA reuse the application number)."""
    office, year = pub.office, pub.date.year
    if office in ("DE", "AU", "CA"):
        return pub.filing.docdb
    if office == "US" and pub.kind == "A1":
        return f"{year}{serial:06d}"
    if office == "US":
        return str(US_GRANT_FIRST[year] + serial)
    if office == "EP":
        return str(1_480_000 + (year - FIRST_YEAR) * 145_000 + serial)
    if office == "CN" and year <= 2007:
        return str(1_700_000 + (year - FIRST_YEAR) * 150_000 + serial)
    if office == "CN":
        return str(101_000_000 + (year - 2008) * 1_150_000 + serial)
    if office == "KR":
        return f"{year}{serial:07d}"
    if office == "GB":
        return str(2_405_000 + (year - FIRST_YEAR) * 12_000 + serial)
    return f"{year}{serial:06d}"  # WO, JP


PUBLICATION_SPANS = {"US": 440_000, "EP": 140_000, "WO": 270_000, "CN": 1_100_000}
PUBLICATION_SPANS |= {"JP": 190_000, "KR": 150_000, "GB": 12_000}


def _serials(items: list[Any], span: int) -> list[int]:
    """Increasing serials for items sorted by date: their place in the years the items span
    (one year, or the years of a US application series), made unique."""
    first, years = items[0].date.year, items[-1].date.year - items[0].date.year + 1
    serials, last = [], 0
    for item in items:
        place = (item.date.year - first + _fraction(item.date)) / years
        serial = max(last + 1, 1 + int(place * span))
        serials.append(serial)
        last = serial
    return serials


def _numbering(filing: Filing) -> int | str:
    """What a filing's serial is counted within besides its office and kind: its US
    application series (which runs over several years, so numbers never repeat within
    it), otherwise its year."""
    if filing.office == "US":
        return _series(US_PROVISIONAL if filing.kind == "P" else US_SERIES, filing.date.year)
    return filing.date.year


def _number(rng: random.Random, families: list[Family]) -> None:
    """Give every filing and publication its numbers, in date order per office and year
    (per series for US applications)."""
    filings: dict[tuple[str, str, int | str], list[tuple[Filing, str]]] = {}
    for family in families:
        country = family.lead_country
        receiving = country if country in PCT_OFFICES else "IB"
        seen = []
        for filing in family.priorities + family.filings:
            if any(filing is s for s in seen):
                continue
            seen.append(filing)
            key = (filing.office, filing.kind, _numbering(filing))
            filings.setdefault(key, []).append((filing, receiving))
    for key in sorted(filings):
        group = sorted(filings[key], key=lambda item: item[0].date)
        span = FILING_SPANS.get(key[0], 90_000)
        for (filing, receiving), serial in zip(
            group, _serials([f for f, _ in group], span), strict=True
        ):
            _number_filing(filing, serial, receiving)
            filing.doc_id = rng.randrange(300_000_000, 700_000_000)
    publications: dict[tuple[str, str, int], list[Publication]] = {}
    for family in families:
        for pub in family.publications:
            if pub.first_publication is None or pub.office == "US":
                key = (pub.office, pub.kind[0], pub.date.year)
                publications.setdefault(key, []).append(pub)
    for key in sorted(publications):
        group = sorted(publications[key], key=lambda p: p.date)
        span = PUBLICATION_SPANS.get(key[0], 0)
        if key[0] == "CN" and key[2] <= 2007:  # seven-digit numbers before 2008
            span = 140_000
        if key[:2] == ("US", "B"):
            span = US_GRANT_FIRST[key[2] + 1] - US_GRANT_FIRST[key[2]] - 2_000
        for pub, serial in zip(group, _serials(group, span), strict=True):
            pub.serial = serial
            pub.number = _pub_number(pub, serial)
    for family in families:  # EP and CN grants keep the number of their A publication
        for pub in family.publications:
            if pub.first_publication is not None and pub.office != "US":
                pub.number = pub.first_publication.number


def _epo_docs(family: Family) -> list[Publication]:
    """The family's members in OPS (none for a PatentsView-only family)."""
    return [] if family.pv_only else family.publications


def _pv_docs(family: Family) -> list[Publication]:
    """The family's US documents in PatentsView (published by ``PATENTSVIEW_AS_OF``)."""
    return [p for p in family.publications if p.office == "US" and p.date <= PATENTSVIEW_AS_OF]


def _pick(
    rng: random.Random,
    families: list[Family],
    used: list[int],
    count: int,
    test: Callable[[Family], Any],
) -> list[Family]:
    """``count`` families not used by another edge case that pass ``test``, marked used."""
    eligible = [f for f in families if f.family_id not in used and test(f)]
    chosen = rng.sample(eligible, count)
    used.extend(f.family_id for f in chosen)
    return chosen


def _in_both(family: Family) -> bool:
    """Whether the family has documents in both services."""
    return bool(_epo_docs(family)) and bool(_pv_docs(family))


def _without_us(family: Family) -> bool:
    """Whether the family is in OPS and has no US member (so nothing in PatentsView)."""
    return bool(_epo_docs(family)) and all(p.office != "US" for p in family.publications)


def _pv_grants(family: Family) -> list[Publication]:
    return [p for p in _pv_docs(family) if p.kind.startswith("B")]


def _pv_pgpubs(family: Family) -> list[Publication]:
    return [p for p in _pv_docs(family) if p.kind == "A1"]


def _ep_applications(family: Family) -> list[Publication]:
    return [p for p in _epo_docs(family) if p.office == "EP" and p.kind.startswith("A")]


def _single_first_filing(family: Family) -> bool:
    """One member in OPS whose application is the priority filing itself."""
    docs = _epo_docs(family)
    return len(docs) == 1 and docs[0].filing is family.priorities[0]


def _several_offices(family: Family) -> bool:
    """Whether the family is in OPS at two or more offices (so it has a family file)."""
    return len({p.office for p in _epo_docs(family)}) >= 2


def _edges(rng: random.Random, families: list[Family], registry: dict[str, list[Party]]) -> Edges:
    """Choose the families and documents that carry each edge case (module docstring)."""
    edges = Edges()
    used = edges.families
    for name, count in EDGE_PARTY_FAMILIES.items():
        test = _without_us if name == "XX" else _in_both
        for family in _pick(rng, families, used, count, test):
            family.applicants[0] = EDGE_PARTIES[name]
    variants = [
        ("DE", "DE:u1", (None, NFD_NAME), NFD_NAME),
        ("DE", "DE:c0", ZWSP_NAME, ZWSP_NAME[1]),
        ("IL", "IL:u0", (None, RTL_NAME), RTL_NAME),
    ]
    for country, key, (epodoc, original), pv_name in variants:
        party = next(p for p in registry[country] if p.key == key)

        def home(family: Family, country: str = country) -> bool:
            return _in_both(family) and family.lead_country == country

        (family,) = _pick(rng, families, used, 1, home)
        if party not in family.applicants:
            family.applicants[0] = party
        epo = [p for p in _epo_docs(family) if p.office != "US"] or _epo_docs(family)
        edges.epo_names[epo[0].key] = {key: (epodoc or party.epodoc, original)}
        edges.pv_names[_pv_docs(family)[0].key] = {key: pv_name}
    for code in MALFORMED_CPC:
        (family,) = _pick(rng, families, used, 1, _in_both)
        family.cpc.append(code)
    for family in _pick(rng, families, used, WITHDRAWN, _pv_grants):
        edges.withdrawn.append(_pv_grants(family)[0].key)
    for family in _pick(rng, families, used, NO_ENGLISH_TITLE, _ep_applications):
        edges.no_english_title.append(_ep_applications(family)[0].key)
    for family in _pick(rng, families, used, 2, _single_first_filing):
        edges.no_priority.append(family.publications[0].key)
    (family,) = _pick(rng, families, used, 1, _several_offices)
    edges.no_priority.append(family.publications[-1].key)
    for family in _pick(rng, families, used, NO_SUFFIX_DOCUMENTS, _epo_docs):
        edges.no_suffix.append(family.publications[-1].key)
    for family in _pick(rng, families, used, STRING_DOCUMENT_NUMBERS, _pv_pgpubs):
        edges.string_document_numbers.append(_pv_pgpubs(family)[0].key)
    for family in _pick(rng, families, used, STRING_ASSIGNEE_SEQUENCES, _pv_docs):
        edges.string_sequences.append(_pv_docs(family)[0].key)
    return edges


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


LETTER_OFFICES = ("AT", "AU", "BA", "BG", "CN", "DK", "FI", "IS", "KR", "NL", "NO", "PL", "SK")
LETTER_OFFICES += ("TW", "UY", "YU")


def _epodoc_number(pub: Publication) -> str:
    """The epodoc publication number: docdb number plus (part of) the kind where EPO adds it."""
    base = f"{pub.office}{pub.number}"
    letter = pub.kind[0]
    if pub.office == "JP":
        return base if pub.kind == "A" else base + pub.kind
    if pub.office in LETTER_OFFICES:
        return base if letter == "A" else base + letter
    return base if letter in "ABC" else base + letter


def _priority_kind(office: str) -> str:
    return {"EP": "regional", "WO": "international"}.get(office, "national")


def _cpc_parts(code: str) -> list[str]:
    """Section, class, subclass, main group and subgroup of a CPC code, split naively."""
    head, _, subgroup = code.partition("/")
    return [head[0], head[1:3], head[3:4], head[4:], subgroup]


def _names(
    pub: Publication, family: Family, edges: Edges
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(epodoc, original) names of a document's applicants and inventors as OPS writes them."""
    suffix = pub.key not in edges.no_suffix
    variants = edges.epo_names.get(pub.key, {})
    parties = list(family.applicants)
    if pub.office == "US" and pub.kind == "A1" and pub.filing.date < AIA_DATE:
        parties = [_individual(p) for p in family.inventors] + parties  # pre-AIA: inventors apply
    applicants = []
    for party in parties:
        epodoc, original = variants.get(party.key, (party.epodoc, party.original))
        if suffix and party.country:
            epodoc += f" [{party.country}]"
        applicants.append((epodoc, original))
    inventors = []
    for person in family.inventors:
        epodoc = f"{_upper_ascii(person.last)} {_upper_ascii(person.first)}"
        if suffix:
            epodoc += f" [{person.country}]"
        inventors.append((epodoc, f"{person.last.upper()}, {person.first}"))
    return applicants, inventors


def _party_xml(kind: str, names: list[tuple[str, str]], pad: str) -> list[str]:
    """The ``applicants`` or ``inventors`` block: epodoc names first, then original ones."""
    lines = [f"{pad}<{kind}s>"]
    for data_format, index in (("epodoc", 0), ("original", 1)):
        for seq, pair in enumerate(names, start=1):
            name = pair[index]
            if data_format == "epodoc" and seq > 1:
                name = " " + name  # OPS starts every epodoc name after the first with a space
            if data_format == "original" and seq < len(names):
                name += ", "
            lines += [
                f'{pad}    <{kind} sequence="{seq}" data-format="{data_format}">',
                f"{pad}        <{kind}-name>",
                f"{pad}            <name>{escape(name)}</name>",
                f"{pad}        </{kind}-name>",
                f"{pad}    </{kind}>",
            ]
    return [*lines, f"{pad}</{kind}s>"]


def _titles(pub: Publication, family: Family, edges: Edges) -> list[tuple[str, str]]:
    english = family.title.upper()
    german, french = (t.upper() for t in TITLES_DE_FR[family.approach])
    if pub.key in edges.no_english_title:
        return [("de", german), ("fr", french)]
    if pub.office == "EP":
        return [("de", german), ("fr", french), ("en", english)]
    if pub.office == "WO":
        return [("en", english), ("fr", french)]
    if pub.office == "CA":
        return [("fr", french), ("en", english)]
    return [("en", english)]


def _exchange_document(
    pub: Publication, family: Family, edges: Edges, with_number: bool = True
) -> str:
    """One ``exchange-document`` (in its own ``exchange-documents``) of a search page."""
    p = " " * 16
    number = f' doc-number="{pub.number}"' if with_number else ""
    filing = pub.filing
    lines = [
        "            <exchange-documents>",
        f'{p}<exchange-document system="ops.epo.org" family-id="{family.family_id}" '
        f'country="{pub.office}"{number} kind="{pub.kind}">',
        f"{p}    <bibliographic-data>",
        f"{p}        <publication-reference>",
        f'{p}            <document-id document-id-type="docdb">',
        f"{p}                <country>{pub.office}</country>",
    ]
    if with_number:
        lines.append(f"{p}                <doc-number>{pub.number}</doc-number>")
    lines += [
        f"{p}                <kind>{pub.kind}</kind>",
        f"{p}                <date>{_ymd(pub.date)}</date>",
        f"{p}            </document-id>",
        f'{p}            <document-id document-id-type="epodoc">',
    ]
    if with_number:
        lines.append(f"{p}                <doc-number>{_epodoc_number(pub)}</doc-number>")
    lines += [
        f"{p}                <date>{_ymd(pub.date)}</date>",
        f"{p}            </document-id>",
        f"{p}        </publication-reference>",
    ]
    lines.append(f"{p}        <patent-classifications>")
    for seq, code in enumerate(family.cpc, start=1):
        section, klass, subclass, main, sub = (escape(x) for x in _cpc_parts(code))
        lines += [
            f'{p}            <patent-classification sequence="{seq}">',
            f'{p}                <classification-scheme office="EP" scheme="CPCI"/>',
            f"{p}                <section>{section}</section>",
            f"{p}                <class>{klass}</class>",
            f"{p}                <subclass>{subclass}</subclass>",
            f"{p}                <main-group>{main}</main-group>",
            f"{p}                <subgroup>{sub}</subgroup>",
            f"{p}                <classification-value>{'I' if seq == 1 else 'A'}"
            "</classification-value>",
            f"{p}                <generating-office>{'EP' if seq % 2 else 'US'}"
            "</generating-office>",
            f"{p}            </patent-classification>",
        ]
    lines += [
        f"{p}        </patent-classifications>",
        f'{p}        <application-reference doc-id="{filing.doc_id}">',
        f'{p}            <document-id document-id-type="docdb">',
        f"{p}                <country>{filing.office}</country>",
        f"{p}                <doc-number>{filing.docdb}</doc-number>",
        f"{p}                <kind>{filing.kind}</kind>",
        f"{p}            </document-id>",
        f'{p}            <document-id document-id-type="epodoc">',
        f"{p}                <doc-number>{filing.epodoc}</doc-number>",
        f"{p}                <date>{_ymd(filing.date)}</date>",
        f"{p}            </document-id>",
        f'{p}            <document-id document-id-type="original">',
        f"{p}                <doc-number>{filing.original}</doc-number>",
        f"{p}            </document-id>",
        f"{p}        </application-reference>",
    ]
    if pub.key not in edges.no_priority:
        lines.append(f"{p}        <priority-claims>")
        for seq, prio in enumerate(family.priorities, start=1):
            lines += [
                f'{p}            <priority-claim sequence="{seq}" '
                f'kind="{_priority_kind(prio.office)}">',
                f'{p}                <document-id document-id-type="epodoc">',
                f"{p}                    <doc-number>{prio.epodoc}</doc-number>",
                f"{p}                    <date>{_ymd(prio.date)}</date>",
                f"{p}                </document-id>",
                f'{p}                <document-id document-id-type="original">',
                f"{p}                    <doc-number>{prio.original}</doc-number>",
                f"{p}                </document-id>",
                f"{p}            </priority-claim>",
            ]
        lines.append(f"{p}        </priority-claims>")
    applicants, inventors = _names(pub, family, edges)
    lines.append(f"{p}        <parties>")
    lines += _party_xml("applicant", applicants, f"{p}            ")
    lines += _party_xml("inventor", inventors, f"{p}            ")
    lines.append(f"{p}        </parties>")
    for lang, text in _titles(pub, family, edges):
        lines.append(f'{p}        <invention-title lang="{lang}">{escape(text)}</invention-title>')
    lines.append(f"{p}    </bibliographic-data>")
    if pub.kind.startswith("A"):
        lines += [
            f'{p}    <abstract lang="en">',
            f"{p}        <p>{escape(family.abstract)}</p>",
            f"{p}    </abstract>",
        ]
    lines += [f"{p}</exchange-document>", "            </exchange-documents>"]
    return "\n".join(lines)


XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="{href}"?>'
OPS_ROOT = (
    '<ops:world-patent-data xmlns="http://www.epo.org/exchange" xmlns:ops="http://ops.epo.org" '
    'xmlns:xlink="http://www.w3.org/1999/xlink">'
)


def _search_page(query: str, total: int, begin: int, documents: list[str]) -> str:
    """One ``published-data/search/biblio`` body."""
    end = begin + len(documents) - 1
    return "\n".join(
        [
            XML_HEAD.format(href="../../../style/exchange.xsl"),
            OPS_ROOT,
            f'    <ops:biblio-search total-result-count="{total}" '
            f'publications-count="{len(documents)}">',
            f'        <ops:query syntax="CQL">{escape(query)}</ops:query>',
            f'        <ops:range begin="{begin}" end="{end}"/>',
            "        <ops:search-result>",
            *documents,
            "        </ops:search-result>",
            "    </ops:biblio-search>",
            "</ops:world-patent-data>",
        ]
    )


def _docdb_lines(pad: str, country: str, number: str, kind: str, day: date | None) -> list[str]:
    lines = [
        f'{pad}<document-id document-id-type="docdb">',
        f"{pad}    <country>{country}</country>",
        f"{pad}    <doc-number>{number}</doc-number>",
        f"{pad}    <kind>{kind}</kind>",
    ]
    if day is not None:
        lines.append(f"{pad}    <date>{_ymd(day)}</date>")
    return [*lines, f"{pad}</document-id>"]


def _family_page(family: Family, members: list[Publication], edges: Edges) -> str:
    """One ``family/publication/docdb`` body: every member with application and priorities."""
    members = sorted(members, key=lambda m: (m.filing.date, m.filing.office, m.date))
    first = members[0]
    representative = family.priorities[0]
    if not any(m.filing is representative for m in members):
        representative = members[0].filing
    lines = [
        XML_HEAD.format(href="../../../../style/family.xsl"),
        OPS_ROOT,
        f'    <ops:patent-family legal="false" total-result-count="{len(members)}">',
        "        <ops:publication-reference>",
        *_docdb_lines("            ", first.office, first.number, first.kind, None),
        "        </ops:publication-reference>",
    ]
    for member in members:
        filing = member.filing
        flag = ' is-representative="YES"' if filing is representative else ""
        lines += [
            f'        <ops:family-member family-id="{family.family_id}">',
            "            <publication-reference>",
            *_docdb_lines(
                "                ", member.office, member.number, member.kind, member.date
            ),
            '                <document-id document-id-type="epodoc">',
            f"                    <doc-number>{_epodoc_number(member)}</doc-number>",
            f"                    <date>{_ymd(member.date)}</date>",
            "                </document-id>",
            "            </publication-reference>",
            f'            <application-reference doc-id="{filing.doc_id}"{flag}>',
            *_docdb_lines(
                "                ", filing.office, filing.docdb, filing.kind, filing.date
            ),
            "            </application-reference>",
        ]
        if member.key not in edges.no_priority:
            for seq, prio in enumerate(family.priorities, start=1):
                lines += [
                    f'            <priority-claim sequence="{seq}" '
                    f'kind="{_priority_kind(prio.office)}">',
                    *_docdb_lines(
                        "                ", prio.office, prio.docdb, prio.kind, prio.date
                    ),
                    "                <priority-active-indicator>YES</priority-active-indicator>",
                    "            </priority-claim>",
                ]
        lines.append("        </ops:family-member>")
    lines += ["    </ops:patent-family>", "</ops:world-patent-data>"]
    return "\n".join(lines)


def _id(kind: str, key: str) -> str:
    """A stable PatentsView-style UUID for an assignee or location."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}"))


def _pv_assignees(pub: Publication, family: Family, edges: Edges) -> list[dict[str, Any]]:
    names = edges.pv_names.get(pub.key, {})
    rows = []
    for seq, party in enumerate(family.applicants):
        us = party.pv_country == "US"
        code = {"individual": "45", "government": "67"}.get(party.kind, "23")[0 if us else 1]
        person = party.kind == "individual"
        assignee_id = _id("assignee", party.key)
        rows.append(
            {
                "assignee": f"{PV}/assignee/{assignee_id}/",
                "assignee_id": assignee_id,
                "assignee_type": code,
                "assignee_individual_name_first": party.first if person else None,
                "assignee_individual_name_last": party.last if person else None,
                "assignee_organization": None if person else names.get(party.key, party.original),
                "assignee_location_id": _id("location", party.city),
                "assignee_city": party.city,
                "assignee_state": "MA" if us else None,
                "assignee_country": party.pv_country,
                "assignee_sequence": str(seq) if pub.key in edges.string_sequences else seq,
            }
        )
    return rows


def _slug(text: str) -> str:
    return "".join(c for c in _upper_ascii(text).lower() if c.isalnum())


def _pv_inventors(family: Family) -> list[dict[str, Any]]:
    rows = []
    for seq, person in enumerate(family.inventors):
        inventor_id = f"fl:{_slug(person.first)[:2]}_ln:{_slug(person.last)}-{person.number}"
        rows.append(
            {
                "inventor": f"{PV}/inventor/{inventor_id}/",
                "inventor_id": inventor_id,
                "inventor_name_first": person.first,
                "inventor_name_last": person.last,
                "inventor_gender_code": None,
                "inventor_location_id": _id("location", person.city),
                "inventor_city": person.city,
                "inventor_state": "MA" if person.country == "US" else None,
                "inventor_country": person.country,
                "inventor_sequence": seq,
            }
        )
    return rows


def _pv_cpc(family: Family) -> list[dict[str, Any]]:
    return [
        {
            "cpc_sequence": seq,
            "cpc_class": f"{PV}/cpc_class/{code[:3]}/",
            "cpc_class_id": code[:3],
            "cpc_subclass": f"{PV}/cpc_subclass/{code[:4]}/",
            "cpc_subclass_id": code[:4],
            "cpc_group": f"{PV}/cpc_group/{code.replace('/', ':')}/",
            "cpc_group_id": code,
        }
        for seq, code in enumerate(family.cpc)
    ]


def _pv_foreign_priority(family: Family) -> list[dict[str, Any]]:
    return [
        {
            "priority_claim_sequence": seq,
            "priority_claim_kind": None,
            "foreign_application_id": prio.original,
            "filing_date": prio.date.isoformat(),
            "foreign_country_filed": prio.office,
        }
        for seq, prio in enumerate(p for p in family.priorities if p.office != "US")
    ]


def _sibling(pub: Publication, family: Family, grant: bool) -> Publication | None:
    """The US grant (or pre-grant publication) of the same application, if published."""
    for other in family.publications:
        if other.filing is pub.filing and other.kind.startswith("B" if grant else "A"):
            return other
    return None


def _pgpub_number(pub: Publication) -> int:
    return int(f"{pub.date.year}{pub.serial:07d}")


def _pv_patent(pub: Publication, family: Family, edges: Edges) -> dict[str, Any]:
    """One ``/api/v1/patent/`` record."""
    filing = pub.filing
    earliest = min([filing.date] + [p.date for p in family.priorities if p.office == "US"])
    pgpub = _sibling(pub, family, grant=False)
    record: dict[str, Any] = {
        "patent_id": pub.number,
        "patent_title": family.title,
        "patent_type": "utility",
        "wipo_kind": pub.kind,
        "patent_date": pub.date.isoformat(),
        "patent_abstract": family.abstract,
        "withdrawn": pub.key in edges.withdrawn,
        "patent_earliest_application_date": earliest.isoformat(),
        "application": [
            {
                "application_id": f"{filing.series}/{filing.original[2:]}",
                "application_type": filing.series,
                "filing_date": filing.date.isoformat(),
                "series_code": filing.series,
                "rule_47_flag": False,
                "filing_type": filing.series,
            }
        ],
    }
    return _pv_groups(record, pub, family, edges) | {
        "granted_pregrant_crosswalk": [
            {
                "document_number": _pgpub_number(pgpub) if pgpub else None,
                "pgpubs_document_number": _pgpub_number(pgpub) if pgpub else None,
                "application_number": filing.original,
            }
        ],
        "inventors": _pv_inventors(family),
    }


def _pv_groups(
    record: dict[str, Any], pub: Publication, family: Family, edges: Edges
) -> dict[str, Any]:
    """Add assignees, cpc_current and foreign_priority, leaving out empty groups."""
    assignees = _pv_assignees(pub, family, edges)
    if assignees:
        record["assignees"] = assignees
    record["cpc_current"] = _pv_cpc(family)
    foreign = _pv_foreign_priority(family)
    if foreign:
        record["foreign_priority"] = foreign
    return record


def _pv_publication(pub: Publication, family: Family, edges: Edges) -> dict[str, Any]:
    """One ``/api/v1/publication/`` record (pre-grant publication)."""
    number: int | str = _pgpub_number(pub)
    if pub.key in edges.string_document_numbers:
        number = str(number)
    grant = _sibling(pub, family, grant=True)
    granted = grant is not None and grant.date <= PATENTSVIEW_AS_OF
    record: dict[str, Any] = {
        "document_number": number,
        "publication_title": family.title,
        "publication_date": pub.date.isoformat(),
        "publication_abstract": family.abstract,
    }
    return _pv_groups(record, pub, family, edges) | {
        "granted_pregrant_crosswalk": [
            {
                "patent_id": grant.number if granted else None,
                "application_number": pub.filing.original,
                "current_document_number_flag": True,
                "current_patent_id_flag": True,
            }
        ],
        "inventors": _pv_inventors(family),
    }


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _write_pv(folder: Path, endpoint: str, year: int, records: list[Any], total: int) -> int:
    """Write one PatentsView query (year) as pages of ``PAGE_SIZE``; return the page count."""
    plural = {"patent": "patents", "publication": "publications"}[endpoint]
    chunks = [records[i : i + PAGE_SIZE] for i in range(0, len(records), PAGE_SIZE)]
    for page, chunk in enumerate(chunks, start=1):
        body = {"error": False, "count": len(chunk), "total_hits": total, plural: chunk}
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        name = f"patentsview_{endpoint}_year={year}_page_{page:03d}.json.gz"
        (folder / name).write_bytes(_gzip(data))
    return len(chunks)


def _query(year: int, part: int) -> str:
    """The CQL a live search would send for a year (or half-year part)."""
    period = f"{year}"
    if year in SPLIT_YEARS:
        split = SPLIT_YEARS[year]
        first, last = (date(year, 1, 1), split - timedelta(days=1))
        if part == 2:
            first, last = split, date(year, 12, 31)
        period = f"{_ymd(first)} {_ymd(last)}"
    return f'pd within "{period}" and cpc any "{" ".join(LIVE_CODES)}"'


Entry = tuple[Publication, Family, bool]  # a document, its family, whether it keeps its id
Query = tuple[int, int]  # (year, part); PatentsView queries have part 1 only


def _queries(families: list[Family], service: str) -> dict[Query, list[Entry]]:
    """The documents each query returns: OPS by publication year and part, PatentsView
    grants (``patent``) and pre-grant publications (``publication``) by year."""
    queries: dict[Query, list[Entry]] = {}
    for family in families:
        if service == "epo_ops":
            docs = _epo_docs(family)
        else:
            grant = service == "patent"
            docs = [p for p in _pv_docs(family) if p.kind.startswith("B") == grant]
        for pub in docs:
            year = pub.date.year
            part = 2 if service == "epo_ops" and pub.date >= SPLIT_YEARS.get(year, date.max) else 1
            queries.setdefault((year, part), []).append((pub, family, True))
    for entries in queries.values():  # PatentsView pages are sorted by their id
        if service == "epo_ops":
            entries.sort(key=lambda e: e[0].key)
        elif service == "patent":  # patent_id sorts as text (PatentSearch 2.3.0 and later)
            entries.sort(key=lambda e: e[0].number)
        else:  # document_number is a number
            entries.sort(key=lambda e: int(e[0].number))
    return dict(sorted(queries.items()))


def _plain(entry: Entry, edges: Edges) -> bool:
    """Whether the document's family carries no edge case (safe to repeat or copy)."""
    return entry[1].family_id not in edges.families


def _repeat(rng: random.Random, queries: dict[Query, list[Entry]], edges: Edges) -> Entry:
    """Put a document of the first page of the longest query again on a later page."""
    query = max(queries, key=lambda q: len(queries[q]))
    entries = queries[query]
    if len(entries) <= PAGE_SIZE:
        raise RuntimeError(f"no query has more than {PAGE_SIZE} documents to repeat one across")
    repeated = rng.choice([e for e in entries[:PAGE_SIZE] if _plain(e, edges)])
    entries.insert(rng.randrange(PAGE_SIZE, len(entries) + 1), repeated)
    return repeated


def _copy_without_id(
    rng: random.Random, queries: dict[Query, list[Entry]], edges: Edges, avoid: Query | None
) -> Entry:
    """Append, to a query other than ``avoid``, a copy of one of its documents without id."""
    query = rng.choice([q for q in queries if q != avoid])
    pub, family, _ = rng.choice([e for e in queries[query] if _plain(e, edges)])
    queries[query].append((pub, family, False))
    return pub, family, False


def _split_family(rng: random.Random, queries: dict[Query, list[Entry]], avoid: Query) -> int:
    """Place two members of one family last on page 1 and first on page 2 of a query."""
    query = max((q for q in queries if q != avoid), key=lambda q: len(queries[q]))
    members: dict[int, list[Entry]] = {}
    for entry in queries[query]:
        members.setdefault(entry[1].family_id, []).append(entry)
    family_id = rng.choice([f for f, m in members.items() if len(m) >= 2])
    first, second = members[family_id][:2]
    rest = [e for e in queries[query] if e is not first and e is not second]
    queries[query] = [*rest[: PAGE_SIZE - 1], first, second, *rest[PAGE_SIZE - 1 :]]
    return family_id


def _families(rng: random.Random, registry: dict[str, list[Party]]) -> list[Family]:
    """Every family with at least one member published by ``EPO_AS_OF``."""
    families = []
    family_id = FIRST_FAMILY_ID
    people = itertools.count(1)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for _ in range(round(FAMILIES_2005 * FAMILY_GROWTH ** (year - FIRST_YEAR))):
            family_id += rng.randrange(1, 400)
            family = _family(rng, family_id, year, registry, people)
            if family is not None:
                families.append(family)
    for family in families:  # some US-only families are missed by the OPS query
        if all(f.office == "US" for f in family.filings):
            family.pv_only = rng.random() < PV_ONLY_SHARE
    return families


def _write_epo(
    folder: Path, queries: dict[Query, list[Entry]], edges: Edges, repeated: Entry
) -> int:
    """Write the OPS search pages of every query; return the number of files."""
    files = 0
    for (year, part), entries in queries.items():
        total = len(entries) - max(sum(e is repeated for e in entries) - 1, 0)
        for start in range(0, len(entries), PAGE_SIZE):
            chunk = entries[start : start + PAGE_SIZE]
            documents = [_exchange_document(p, f, edges, keep) for p, f, keep in chunk]
            body = _search_page(_query(year, part), total, start + 1, documents)
            name = (
                f"epo_ops_search_year={year}_part={part:02d}"
                f"_range={start + 1}-{start + len(chunk)}.xml.gz"
            )
            (folder / name).write_bytes(_gzip(body.encode("utf-8")))
            files += 1
    return files


def _write_patentsview(
    folder: Path, endpoint: str, queries: dict[Query, list[Entry]], edges: Edges, repeated: Entry
) -> int:
    """Write the PatentsView pages of every year of ``endpoint``; return the number of files."""
    render = _pv_patent if endpoint == "patent" else _pv_publication
    id_field = "patent_id" if endpoint == "patent" else "document_number"
    files = 0
    for (year, _), entries in queries.items():
        records = []
        for pub, family, keep in entries:
            record = render(pub, family, edges)
            if not keep:
                record[id_field] = None
            records.append(record)
        total = len(entries) - max(sum(e is repeated for e in entries) - 1, 0)
        files += _write_pv(folder, endpoint, year, records, total)
    return files


def generate(out_dir: Path = SAMPLE_DIR, seed: int = SEED) -> dict[str, Any]:
    """Write the whole sample into ``out_dir``; return counts by kind, year and edge case.

    Earlier sample files in ``out_dir`` (``patentsview_*.json.gz``, ``epo_ops_*.xml.gz``)
    are removed first; nothing else there is touched.
    """
    rng = random.Random(seed)
    registry = _parties(rng)
    families = _families(rng, registry)
    _number(rng, families)
    edges = _edges(rng, families, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("patentsview_*.json.gz"), *out_dir.glob("epo_ops_*.xml.gz")]:
        old.unlink()
    counts: dict[str, Any] = {
        "families": len(families),
        "families_in_epo_ops": sum(1 for f in families if _epo_docs(f)),
        "families_in_patentsview": sum(1 for f in families if _pv_docs(f)),
        "families_patentsview_only": sum(1 for f in families if f.pv_only),
        "families_at_two_or_more_offices": sum(
            1 for f in families if len({p.office for p in f.publications}) >= 2
        ),
        "families_by_priority_year": _by_year(min(p.date for p in f.priorities) for f in families),
    }
    patents = _queries(families, "patent")
    publications = _queries(families, "publication")
    epo = _queries(families, "epo_ops")
    counts["epo_ops_documents"] = sum(len(e) for e in epo.values())
    counts["patentsview_patents"] = sum(len(e) for e in patents.values())
    counts["patentsview_publications"] = sum(len(e) for e in publications.values())
    counts["epo_ops_documents_by_year"] = _by_year(e[0].date for q in epo.values() for e in q)
    counts["patentsview_patents_by_year"] = {y: len(e) for (y, _), e in patents.items()}
    counts["patentsview_publications_by_year"] = {y: len(e) for (y, _), e in publications.items()}
    for entries in epo.values():
        rng.shuffle(entries)  # OPS returns a year's documents in no useful order
    pv_repeated = _repeat(rng, publications, edges)
    pv_patent_copy = _copy_without_id(rng, patents, edges, None)
    pv_publication_copy = _copy_without_id(rng, publications, edges, (pv_repeated[0].date.year, 1))
    epo_repeated = _repeat(rng, epo, edges)
    repeat_query = next(q for q, e in epo.items() if any(x is epo_repeated for x in e))
    split = _split_family(rng, epo, repeat_query)
    epo_copy = _copy_without_id(rng, epo, edges, repeat_query)
    files = _write_patentsview(out_dir, "patent", patents, edges, pv_repeated)
    files += _write_patentsview(out_dir, "publication", publications, edges, pv_repeated)
    files += _write_epo(out_dir, epo, edges, epo_repeated)
    family_files = 0
    for family in families:
        if _several_offices(family):
            body = _family_page(family, _epo_docs(family), edges)
            name = f"epo_ops_family_{family.family_id}.xml.gz"
            (out_dir / name).write_bytes(_gzip(body.encode("utf-8")))
            family_files += 1
    counts["epo_ops_family_files"] = family_files
    counts["files"] = files + family_files
    counts["faults"] = {
        "patentsview_repeated_publication": pv_repeated[0].key,
        "patentsview_patent_without_id": pv_patent_copy[0].key,
        "patentsview_publication_without_id": pv_publication_copy[0].key,
        "epo_ops_repeated_document": epo_repeated[0].key,
        "epo_ops_document_without_number": epo_copy[0].key,
        "epo_ops_family_across_pages": split,
    }
    return counts


def _by_year(days: Iterable[date]) -> dict[int, int]:
    """How many of ``days`` fall in each year."""
    counts: dict[int, int] = {}
    for day in days:
        counts[day.year] = counts.get(day.year, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> None:
    """Rewrite the sample (``--out DIR``, default the embedded one); print what was written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help="output folder")
    args = parser.parse_args(argv)
    counts = generate(args.out)
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(json.dumps({**counts, "bytes": total}))


if __name__ == "__main__":
    main()
