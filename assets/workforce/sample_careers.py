"""A deterministic, SYNTHETIC population of quantum researchers and their careers.

The works sample (``assets.bibliometric.sample_generator``) asks this model for the author
of each authorship it writes; the author-record sample (``assets.workforce.
sample_generator``) turns the same researchers into OpenAlex author records. Nobody here
is real: a researcher is a serial number with a country per year.

The model, drawn with its own ``random.Random`` (the works seed plus ``SEED_OFFSET``), so
the works generator's own random stream is consumed exactly as without it:

- An authorship in country C in year Y reuses, with probability ``REUSE_SHARE``, a
  researcher located in C in Y (uniformly among them, never one already on the same
  work); otherwise a new researcher starts their quantum career in C in Y.
- At creation the researcher gets a career length (``SHORT_CAREER_SHARE`` of them 1-3
  years, the others 4-20), a mobility class (``MOBILITY_CLASSES``: stay, move once,
  return migrant A->B->A, frequent mover with 3-5 moves) and their whole path, one
  country per year, cut at the sample's last year. People from producer countries
  (``PRODUCERS``) move more often; destinations are drawn by ``ATTRACTIVENESS``. A
  country the researcher has lived in before pulls harder (``RETURN_PULL``), and China
  pulls its returnees harder from 2017 (``CN_RETURNEE_PULL``): return migrants abroad go
  home each year with probability ``RETURN_HAZARD``, more often to China from 2017 and
  less often before.
- Each researcher also has 0-5 pre-quantum years (doctorate, other fields) in their
  first country before their first quantum year: only their author record shows them.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

SEED_OFFSET = 6_000_006  # the population's stream: the works seed plus this (issue 6)
REUSE_SHARE = 0.7
REUSE_ATTEMPTS = 8  # draws before giving up on reuse (every located researcher is taken)
SHORT_CAREER_SHARE = 0.3
MAX_PRE_QUANTUM_YEARS = 5
# Mobility classes at creation and their shares over the whole population (about: the
# movers' share is multiplied by PRODUCERS or NON_PRODUCER_MOVES by origin).
MOBILITY_CLASSES: dict[str, float] = {
    "stay": 0.72,
    "move_once": 0.18,
    "return": 0.06,
    "frequent": 0.04,
}
# Producer countries: the share of researchers who move at all is multiplied by this.
PRODUCERS: dict[str, float] = {
    "CN": 1.4,
    "IN": 1.8,
    "IR": 2.2,
    "IT": 1.6,
    "RU": 1.8,
    "UA": 2.0,
    "TR": 1.5,
    "EG": 1.8,
    "BR": 1.4,
    "PL": 1.4,
    "PT": 1.4,
    "MX": 1.3,
    "ES": 1.2,
}
NON_PRODUCER_MOVES = 0.8  # so that the producers' extra movers keep the overall shares
# China's movers are more often return migrants (a share taken from the single movers).
CN_RETURN_SHARE_FACTOR = 1.5
# Destination weights; a country not listed weighs OTHER_ATTRACTIVENESS.
ATTRACTIVENESS: dict[str, float] = {
    "US": 12.0,
    "DE": 5.0,
    "GB": 5.0,
    "CH": 4.0,
    "NL": 3.5,
    "CA": 3.5,
    "SG": 3.0,
    "AU": 3.0,
    "FR": 2.0,
    "SE": 1.5,
    "DK": 1.5,
    "AT": 1.5,
    "JP": 1.2,
    "CN": 1.2,
    "HK": 1.0,
    "IL": 0.8,
    "FI": 0.8,
    "BE": 0.8,
    "NO": 0.6,
    "IE": 0.6,
    "KR": 0.6,
    "ES": 0.6,
}
OTHER_ATTRACTIVENESS = 0.25
RETURN_PULL = 2.0  # a country the researcher lived in before weighs this much more
CN_RETURNEE_PULL = 3.0  # ... and China, from CN_RETURNEE_FROM, this much more again
CN_RETURNEE_FROM = 2017
RETURN_HAZARD = 0.3  # yearly chance that a return migrant abroad goes home
CN_RETURN_HAZARD = {"before": 0.15, "from": 0.6}  # China's, before and from 2017


@dataclass
class Researcher:
    """One synthetic researcher: a serial, a country per career year, and evidence.

    ``countries[i]`` is where they are in year ``first_year + i`` (cut at the sample's
    last year); ``pre_quantum_years`` precede ``first_year`` in ``countries[0]``;
    ``mobility`` is the class drawn at creation (moves after the sample's last year are
    not in ``countries``); ``work_years`` counts, per year, the authorships the works
    generator gave them.
    """

    serial: int
    first_year: int
    countries: list[str]
    mobility: str
    pre_quantum_years: int
    work_years: dict[int, int] = field(default_factory=dict)
    works: list[int] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The OpenAlex id as a URL (``https://openalex.org/A9000000001``)."""
        return f"https://openalex.org/A9{self.serial:09d}"

    @property
    def name(self) -> str:
        """The display name ("Researcher 1")."""
        return f"Researcher {self.serial}"

    @property
    def last_year(self) -> int:
        """The last career year in the sample window."""
        return self.first_year + len(self.countries) - 1

    def country_in(self, year: int) -> str | None:
        """The country of a career year (pre-quantum years count as the first country)."""
        if self.first_year - self.pre_quantum_years <= year < self.first_year:
            return self.countries[0]
        if self.first_year <= year <= self.last_year:
            return self.countries[year - self.first_year]
        return None

    def moves(self) -> list[tuple[int, str, str]]:
        """Every observed move as (year of arrival, from country, to country)."""
        return [
            (self.first_year + i, before, after)
            for i, (before, after) in enumerate(itertools.pairwise(self.countries), start=1)
            if before != after
        ]

    def observed_mobility(self) -> str:
        """The class the observed path shows: stay, move_once, return (A->B->A),
        move_twice (A->B->C) or frequent (3 moves or more)."""
        moves = self.moves()
        if len(moves) == 2:
            return "return" if moves[1][2] == self.countries[0] else "move_twice"
        return {0: "stay", 1: "move_once"}.get(len(moves), "frequent")


class Population:
    """The researchers of the works sample, created while the works are generated.

    ``countries`` are the places a researcher can move to (the works' countries, each of
    which has institutions); careers are cut at ``last_year``.
    """

    def __init__(self, seed: int, countries: Sequence[str], last_year: int) -> None:
        self.rng = random.Random(seed + SEED_OFFSET)
        self.countries = list(countries)
        self.last_year = last_year
        self.researchers: list[Researcher] = []
        self._located: dict[tuple[str, int], list[Researcher]] = {}
        self._attractiveness = [ATTRACTIVENESS.get(c, OTHER_ATTRACTIVENESS) for c in countries]

    def author_for(self, country: str, year: int, work_no: int, taken: set[int]) -> Researcher:
        """The researcher of an authorship in ``country`` in ``year`` on work ``work_no``.

        ``taken`` holds the serials already on that work (never chosen again). Reuses a
        researcher located there that year with probability ``REUSE_SHARE``, else
        creates one whose career starts there and then. Records the authorship on them.
        """
        located = self._located.get((country, year), [])
        chosen = None
        if self.rng.random() < REUSE_SHARE and located:
            for _ in range(REUSE_ATTEMPTS):
                candidate = located[self.rng.randrange(len(located))]
                if candidate.serial not in taken:
                    chosen = candidate
                    break
        if chosen is None:
            chosen = self._create(country, year)
        chosen.work_years[year] = chosen.work_years.get(year, 0) + 1
        chosen.works.append(work_no)
        return chosen

    def _create(self, country: str, year: int) -> Researcher:
        rng = self.rng
        mobility, moves = self._mobility(country)
        short = rng.random() < SHORT_CAREER_SHARE
        length = rng.randint(1, 3) if short else rng.randint(4, 20)
        length = max(length, moves + 1)  # room for every move of the class
        path = self._path(country, year, length, mobility, moves)
        researcher = Researcher(
            serial=len(self.researchers) + 1,
            first_year=year,
            countries=path[: self.last_year - year + 1],
            mobility=mobility,
            pre_quantum_years=rng.randint(0, MAX_PRE_QUANTUM_YEARS),
        )
        self.researchers.append(researcher)
        for offset, where in enumerate(researcher.countries):
            self._located.setdefault((where, year + offset), []).append(researcher)
        return researcher

    def _mobility(self, origin: str) -> tuple[str, int]:
        """A mobility class for a researcher from ``origin`` and its number of moves."""
        shares = dict(MOBILITY_CLASSES)
        moving = min(0.6, (1 - shares["stay"]) * PRODUCERS.get(origin, NON_PRODUCER_MOVES))
        scale = moving / (1 - shares["stay"])
        shares = {k: (1 - moving if k == "stay" else v * scale) for k, v in shares.items()}
        if origin == "CN":
            extra = shares["return"] * (CN_RETURN_SHARE_FACTOR - 1)
            shares["return"] += extra
            shares["move_once"] -= extra
        mobility = self.rng.choices(list(shares), weights=list(shares.values()))[0]
        if mobility == "frequent":
            return mobility, self.rng.randint(3, 5)
        return mobility, {"stay": 0, "move_once": 1, "return": 2}[mobility]

    def _path(self, origin: str, start: int, length: int, mobility: str, moves: int) -> list[str]:
        """The country of each of ``length`` career years from ``start``."""
        rng = self.rng
        path = [origin] * length
        if mobility == "stay":
            return path
        if mobility == "move_once":
            at = rng.randint(1, length - 1)
            path[at:] = [self._destination(origin, {origin}, start + at)] * (length - at)
            return path
        if mobility == "return":
            out = rng.randint(1, length - 2)
            abroad = self._destination(origin, {origin}, start + out)
            path[out:] = [abroad] * (length - out)
            for at in range(out + 1, length):
                if rng.random() < self._return_hazard(origin, start + at):
                    path[at:] = [origin] * (length - at)
                    break
            return path
        lived = {origin}
        for at in sorted(rng.sample(range(1, length), moves)):
            where = self._destination(path[at - 1], lived, start + at)
            lived.add(where)
            path[at:] = [where] * (length - at)
        return path

    @staticmethod
    def _return_hazard(origin: str, year: int) -> float:
        if origin != "CN":
            return RETURN_HAZARD
        return CN_RETURN_HAZARD["from" if year >= CN_RETURNEE_FROM else "before"]

    def _destination(self, current: str, lived: set[str], year: int) -> str:
        """Where a researcher in ``current`` moves in ``year``, by attractiveness."""
        weights = []
        for country, weight in zip(self.countries, self._attractiveness, strict=True):
            if country == current:
                weight = 0.0
            elif country in lived:
                weight *= RETURN_PULL
                if country == "CN" and year >= CN_RETURNEE_FROM:
                    weight *= CN_RETURNEE_PULL
            weights.append(weight)
        return self.rng.choices(self.countries, weights=weights)[0]
