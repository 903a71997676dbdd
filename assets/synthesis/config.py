"""The synthesis settings file: read, validated and turned into reference rows.

``assets/reference/synthesis.yml`` (or the file ``QCM_SYNTHESIS`` names) holds the
composite's weights per family, the frontier test's reach and focus bloc, the countries
of concern of the research-security lens, and the bootstrap's size, seed and interval.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

FAMILIES = ("publications", "patents", "funding", "workforce", "supply_chain", "capability")
NORMALISATION = "ratio-to-leading-country"
NORMALISATION_TEXT = (
    "A family's score is the country's value divided by the highest value of any country "
    "in the same approach and year (1 = the leading country); a bloc's value (its members' "
    "records counted once) is divided by the same leading country's value and may exceed 1"
)


class SynthesisConfigError(ValueError):
    """The synthesis settings cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class SynthesisConfig:
    """The validated synthesis settings of one run."""

    weights: dict[str, float]
    reach: float
    focus_bloc: str
    concern_set: str
    replicates: int
    seed: int
    interval: float
    path: Path
    sha256: str

    @property
    def weight_shares(self) -> dict[str, float]:
        """Each family's weight divided by the sum of all weights."""
        total = sum(self.weights.values())
        return {family: weight / total for family, weight in self.weights.items()}

    def settings_rows(self) -> list[dict[str, str]]:
        """The ``ref.synthesis_settings`` rows: key, value and what the value means."""
        rows = [
            (
                "reach",
                self.reach,
                "A country is within reach of the frontier in a family "
                "when its score (value / leading country's value) is at least this",
            ),
            (
                "focus_bloc",
                self.focus_bloc,
                "The bloc the dashboards lead with in the "
                "frontier test (ref.blocs); every bloc is tested",
            ),
            (
                "concern_set",
                self.concern_set,
                "The countries of concern of the research-security lens (ref.competitor_sets)",
            ),
            (
                "replicates",
                self.replicates,
                "Bootstrap resamples behind every interval of a score, composite or rank",
            ),
            ("seed", self.seed, "Seed of the bootstrap (same seed and data, same intervals)"),
            (
                "interval",
                self.interval,
                "Central share of the bootstrap distribution "
                "reported as an interval (0.9: 5th to 95th percentile)",
            ),
            ("normalisation", NORMALISATION, NORMALISATION_TEXT),
            ("config_path", self.path.name, "The settings file this run read"),
            ("config_sha256", self.sha256, "SHA-256 of that file's bytes"),
        ]
        return [{"key": k, "value": str(v), "description": d} for k, v, d in rows]

    def weight_rows(self) -> list[dict[str, object]]:
        """The ``ref.synthesis_weights`` rows: family, weight as set, share of the total."""
        shares = self.weight_shares
        return [
            {"family": f, "weight": self.weights[f], "weight_share": shares[f]} for f in FAMILIES
        ]


def _number(data: dict, key: str, path: Path, low: float, high: float) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise SynthesisConfigError(f"{path}: {key} must be a number, not {value!r}")
    if not low <= value <= high:
        raise SynthesisConfigError(f"{path}: {key} {value} must lie between {low} and {high}")
    return float(value)


def _integer(data: dict, key: str, path: Path, low: int, high: int) -> int:
    """``data[key]`` as an integer between ``low`` and ``high``: an int, or a float with no
    fraction (``1000.0``) below 2**53, where a double still holds every integer; never
    rounded, so the seed recorded is the seed the file states."""
    value = data.get(key)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SynthesisConfigError(
            f"{path}: bootstrap replicates and seed must be integers, not {key} {value!r}"
        )
    if not low <= value <= high:
        raise SynthesisConfigError(f"{path}: {key} {value} must lie between {low} and {high}")
    return value


def load_config(path: Path) -> SynthesisConfig:
    """Read and validate a synthesis settings file.

    Raises SynthesisConfigError naming the file and the field for a missing file, bad
    YAML, an unknown or missing family, a negative weight, all weights zero, a reach or
    interval outside (0, 1], or a bootstrap of fewer than 20 or more than 10,000
    resamples. Bloc and concern-set names are checked against the reference tables by
    the asset that loads them (:func:`check_names`).
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SynthesisConfigError(f"cannot read the synthesis settings {path}: {err}") from err
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        raise SynthesisConfigError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise SynthesisConfigError(f"{path} must be a mapping of settings")
    unknown = sorted(set(data) - {"weights", "reach", "focus_bloc", "concern_set", "bootstrap"})
    if unknown:
        raise SynthesisConfigError(f"{path}: unknown settings {unknown}")
    weights = data.get("weights")
    if not isinstance(weights, dict):
        raise SynthesisConfigError(f"{path}: weights must map each family to a number")
    if set(weights) != set(FAMILIES):
        raise SynthesisConfigError(
            f"{path}: weights must name exactly the families {list(FAMILIES)} "
            f"(missing {sorted(set(FAMILIES) - set(weights))}, "
            f"unknown {sorted(set(weights) - set(FAMILIES))}); use 0 to leave one out"
        )
    checked = {f: _number(weights, f, path, 0, 1e6) for f in FAMILIES}
    if not any(checked.values()):
        raise SynthesisConfigError(f"{path}: at least one family needs a weight above 0")
    bootstrap = data.get("bootstrap")
    if not isinstance(bootstrap, dict):
        raise SynthesisConfigError(f"{path}: bootstrap must hold replicates, seed and interval")
    replicates = _integer(bootstrap, "replicates", path, 20, 10_000)
    seed = _integer(bootstrap, "seed", path, 0, 2**63 - 1)
    interval = _number(bootstrap, "interval", path, 0.5, 0.99)
    reach = _number(data, "reach", path, 0.01, 1)
    names = {}
    for key in ("focus_bloc", "concern_set"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise SynthesisConfigError(f"{path}: {key} must name one entry, not {value!r}")
        names[key] = value.strip()
    return SynthesisConfig(
        weights=checked,
        reach=reach,
        focus_bloc=names["focus_bloc"],
        concern_set=names["concern_set"],
        replicates=replicates,
        seed=seed,
        interval=interval,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def check_names(config: SynthesisConfig, blocs: set[str], concern_sets: set[str]) -> None:
    """Raise SynthesisConfigError when the focus bloc or concern set is not in the
    reference tables (``blocs``: ref.blocs codes; ``concern_sets``: ref.competitor_sets)."""
    if config.focus_bloc not in blocs:
        raise SynthesisConfigError(
            f"{config.path}: focus_bloc {config.focus_bloc!r} is not a bloc of ref.blocs "
            f"({sorted(blocs)})"
        )
    if config.concern_set not in concern_sets:
        raise SynthesisConfigError(
            f"{config.path}: concern_set {config.concern_set!r} is not a set of "
            f"ref.competitor_sets ({sorted(concern_sets)})"
        )
