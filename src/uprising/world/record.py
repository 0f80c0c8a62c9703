"""Phase ``record`` of a world of places: the engine's recorder and the mechanisms' columns from
one pass over the rows (issue #14).

The engine's ``record`` phase (``uprising.engine.plan.record``) tallies the rows serially into the
recorder and then calls the recorder's column sources, and the mechanisms' source
(``mechanisms.state.columns``) tallies them again, with the legitimacy sums. Here
``mechanisms.state.record_tally`` does both in one parallel pass; the recorder's arrays get the
same values as the engine's tally would write (``tests/test_country_scale.py`` checks it), then
the sources run as ``Recorder.record`` runs them (``Recorder.record_sources``), then the world's own
columns.
"""

from __future__ import annotations

from uprising.engine.plan import events_since_last_record
from uprising.mechanisms import state


def record(w, step: int) -> None:
    """Phase record: this step's counts into the recorder, the sources' columns, the world's."""
    events = events_since_last_record(w)
    rec = w.recorder
    if step >= rec.counts.shape[0]:
        rec._grow()
    counts, by_group = state.record_tally(w, step)
    rec.counts[step] = counts[:, :5]  # quiet, active, jailed, dead, police on duty (the engine's cops)
    rec.by_group[step] = by_group
    rec.events[step] = 0
    rec.events[step, 0] = events  # run-wide, on place 0 (as the engine's)
    rec.record_sources(w, step)
    w.record_world(step)
