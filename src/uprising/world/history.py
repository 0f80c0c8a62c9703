"""An episode's record (``record.toml``): what happened, and what a run is checked against.

The record is data, one file per episode folder; nothing in the code names an episode. It says:

- ``[outcome]``: whether the government fell and when, the concession that ended it, deaths
  (range and central range), injured and arrested, each with its source;
- ``[[phases]]``: each phase's name, the record's date and window, and its **signature**: what a
  run must show for the phase to have happened (:class:`Signature`, evaluated by
  :mod:`uprising.world.signatures`);
- ``[deaths]``: the area where most deaths happened and its share;
- ``[backfire]``: the places and the two windows (before, after) of the backfire signature;
- ``[[decisions]]``: the main decisions with their dates (the scenario's events, as the record
  has them);
- ``[[targets]]``: what ``uprising validate`` checks (:class:`Target`);
- ``[report]``: the places whose actives the summary and the report follow, the map's box.

Every mistake is a :class:`~uprising.errors.UserError` naming ``record.toml``, the line and the key.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from uprising.errors import UserError

RECORD_FILE = "record.toml"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Outcome(Section):
    resigned: bool = Field(..., description="Did the head of government fall?")
    resignation_date: dt.date | None = Field(None, description="When (the record's date).")
    route: Literal["resignation", "legislature", "army", "none"] | None = Field(
        None, description="How the head of government fell: resignation (the coalition broke up), legislature "
        "(removed), army (the armed forces withdrew support); none when it did not fall.")
    fall_date: dt.date | None = Field(None, description="The day the fall became certain (an alias of "
                                      "resignation_date; either may be given).")
    concession: str = Field("", description="The concession that ended the episode, if one did.")
    concession_date: dt.date | None = Field(None, description="When it was made.")
    deaths: tuple[float, float] = Field(..., description="Deaths: [low, high] of the counts on record.")
    deaths_central: tuple[float, float] | None = Field(None, description="A working central range.")
    injured: tuple[float, float] | None = Field(None, description="Injured: [low, high].")
    arrested: tuple[float, float] | None = Field(None, description="Arrested: [low, high].")
    source: str = Field("", description="Where these figures come from (title and address).")

    @model_validator(mode="after")
    def _dates(self) -> "Outcome":
        if self.resignation_date is None and self.fall_date is not None:
            self.resignation_date = self.fall_date
        if self.resigned and self.resignation_date is None:
            raise ValueError("resigned = true needs fall_date (or resignation_date)")
        if self.route is None:
            self.route = "resignation" if self.resigned else "none"
        if self.deaths[0] > self.deaths[1]:
            raise ValueError(f"deaths: low {self.deaths[0]:g} is above high {self.deaths[1]:g}")
        return self


class Signature(Section):
    """What a run must show for a phase to have happened (first step it holds).

    - ``blockade``: a blockable road touching one of ``places`` is blocked;
    - ``deaths``: at least ``at_least`` people killed within one day in ``places`` (all if empty);
    - ``mobilisation``: at least ``at_least`` of ``places`` (or of the places tagged ``tag``) hold
      ``world.protest_people`` actives on ``days`` consecutive days;
    - ``shortage``: fuel shortage in ``place`` at least ``at_least``, with ``road`` blocked if given;
    - ``arrival``: a march arrived in ``place``;
    - ``decision``: the scenario's first event of kind ``decision`` took effect;
    - ``resignation``: the government fell.
    """

    kind: Literal["blockade", "deaths", "mobilisation", "shortage", "arrival", "decision", "resignation"]
    places: list[str] = Field(default_factory=list)
    tag: str = ""
    place: str = ""
    road: str = ""
    decision: str = ""
    at_least: float = 1.0
    days: int = Field(1, ge=1)


class Phase(Section):
    name: str
    date: dt.date = Field(..., description="The record's date of the phase's start.")
    window: tuple[dt.date, dt.date] = Field(..., description="Dates a run's phase may start and still be on time.")
    signature: Signature
    after_previous: bool = Field(False, description="The phase is found only after the previous phase began (an "
                                 "episode with several waves scores each).")
    not_before: dt.date | None = Field(None, description="The phase is found only from this date on.")
    note: str = ""

    @model_validator(mode="after")
    def _window(self) -> "Phase":
        if not self.window[0] <= self.date <= self.window[1]:
            raise ValueError(f"date {self.date} is outside its window {self.window[0]} - {self.window[1]}")
        return self


class DeathsArea(Section):
    places: list[str] = Field(default_factory=list, description="Where most deaths happened.")
    share: float | None = Field(None, ge=0.0, le=1.0, description="The record's share of deaths there.")
    source: str = ""


class Backfire(Section):
    places: list[str]
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    note: str = ""


class Decision(Section):
    date: dt.date
    kind: str
    name: str
    actor: str = Field("", description="Who took it: an organisation's name, or empty for the government.")
    source: str = ""


MEASURES = (
    "resigned_share",
    "resigned_in_window_share",
    "not_resigned_share",
    "conceded_without_resignation_share",
    "deaths_median",
    "deaths_in_range_share",
    "deaths_area_share",
    "phases_in_order_share",
    "phase_date_error_median",
    "backfire_share",
    "decisions_in_order_share",
    "decision_date_error_median",
)


class Target(Section):
    """One check of ``uprising validate``: a measure of the ensemble against a bound."""

    name: str
    measure: Literal[
        "resigned_share", "resigned_in_window_share", "not_resigned_share", "conceded_without_resignation_share",
        "deaths_median", "deaths_in_range_share",
        "deaths_area_share",
        "phases_in_order_share", "phase_date_error_median", "backfire_share", "decisions_in_order_share",
        "decision_date_error_median", "direction_right_share", "deaths_within_factor_3_share", "route_right_share",
    ]
    window: tuple[dt.date, dt.date] | None = Field(None, description="resigned_in_window_share: the window.")
    at_least: float | None = None
    at_most: float | None = None
    mode: Literal["any", "record", "actors"] = Field(
        "any", description="Checked when the scenario's decisions are replayed ('record'), taken by actors "
        "('actors'), or both.")
    headline: bool = Field(True, description="Checked by the CI guard (tests/test_validation_guard.py); "
                           "false: reported, and --strict fails on it, but a known miss (docs/validation.md).")
    note: str = ""

    @model_validator(mode="after")
    def _bound(self) -> "Target":
        if self.at_least is None and self.at_most is None:
            raise ValueError("a target needs at_least or at_most (or both)")
        if self.measure == "resigned_in_window_share" and self.window is None:
            raise ValueError("resigned_in_window_share needs window = [from, to]")
        return self

    def met(self, value: float | None) -> bool:
        if value is None or value != value:
            return False
        return (self.at_least is None or value >= self.at_least) and (self.at_most is None or value <= self.at_most)

    def describe(self) -> str:
        if self.at_least is not None and self.at_most is not None:
            return f"{self.at_least:g} to {self.at_most:g}"
        return f">= {self.at_least:g}" if self.at_least is not None else f"<= {self.at_most:g}"


class ReportSection(Section):
    places: list[str] = Field(default_factory=list, description="Places whose actives the summary and report follow.")
    box: tuple[float, float, float, float] | None = Field(None, description="Map box: lon0, lat0, lon1, lat1.")


class Record(Section):
    episode: str = Field(..., description="The episode's title.")
    country: str = ""
    country_code: str = Field("", description="ISO 3166-1 alpha-2 code of the country.")
    outcome: Outcome
    phases: list[Phase] = Field(default_factory=list)
    deaths: DeathsArea = Field(default_factory=DeathsArea)
    backfire: Backfire | None = None
    decisions: list[Decision] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    report: ReportSection = Field(default_factory=ReportSection)

    @property
    def phase_names(self) -> list[str]:
        return [p.name for p in self.phases]

    def place_names(self) -> list[tuple[tuple, str]]:
        """Every place the record names, with its location (checked against places.csv)."""
        out: list[tuple[tuple, str]] = []
        for i, ph in enumerate(self.phases):
            for j, n in enumerate(ph.signature.places):
                out.append((("phases", i, "signature", "places", j), n))
            if ph.signature.place:
                out.append((("phases", i, "signature", "place"), ph.signature.place))
        for j, n in enumerate(self.deaths.places):
            out.append((("deaths", "places", j), n))
        if self.backfire:
            for j, n in enumerate(self.backfire.places):
                out.append((("backfire", "places", j), n))
        for j, n in enumerate(self.report.places):
            out.append((("report", "places", j), n))
        return out


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line of a key path in a TOML text (the first line naming its last string key)."""
    keys = [k for k in loc if isinstance(k, str)]
    for key in reversed(keys):
        pat = re.compile(rf"^\s*\[*\s*{re.escape(key)}\b")
        for n, line in enumerate(text.splitlines(), 1):
            if pat.search(line):
                return n
    return None


def record_path(folder: str | Path) -> Path:
    return Path(folder) / RECORD_FILE


def has_record(folder: str | Path) -> bool:
    return record_path(folder).is_file()


@lru_cache(maxsize=16)
def _load(path: str) -> Record:
    import tomllib

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(path, None, "no such file; an episode's record.toml says what happened (docs/episodes.md)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        from uprising.scenarios.messages import toml_error

        raise toml_error(path, text, e) from None
    try:
        record = Record.model_validate(data)
    except ValidationError as e:
        from uprising.scenarios.messages import word_error

        err = e.errors()[0]
        key, message = word_error(err)
        raise UserError(path, key or None, message, line=_line_of(text, tuple(err["loc"]))) from None
    from uprising.world.geography import load_places

    places = load_places(p.parent)
    for loc, name in record.place_names():
        try:
            places.index(name)
        except UserError as e:
            raise UserError(path, ".".join(str(k) for k in loc), e.message, line=_line_of(text, loc)) from None
    return record


def load_record_file(folder: str | Path) -> Record:
    """The episode's ``record.toml``, validated (places checked against its places.csv)."""
    return _load(str(record_path(folder).resolve()))


def slug(name: str) -> str:
    """A place name as part of a summary key: 'Old Town' -> 'old_town', accents dropped."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", plain.casefold()).strip("_")
