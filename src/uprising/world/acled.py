"""``events.parquet``: what happened in a run, as an event log in ACLED's columns.

Columns (ACLED codebook names): event_date, event_type, sub_event_type, actor1, actor2, admin1,
location, latitude, longitude, fatalities, notes. Rows are written by the world's phases when
their condition is met, never from the historical record:

==============================  ===============================  =============================
what happens in the model       event_type                       sub_event_type
==============================  ===============================  =============================
actives in a place pass         Protests                         Peaceful protest
``world.protest_people``
(once a day per place)
a road becomes blocked          Protests                         Peaceful protest (notes: road
                                                                 blockade: A – B)
a contingent sets out, arrives  Protests                         Peaceful protest
troops clear a blockade or      Riots                            Violent demonstration
stop a contingent (a clash)
soldiers kill                   Violence against civilians       Attack (fatalities in people)
a dated decision (decree,       Strategic developments           Other
deployment, call, concession,
radio attack), a convoy, the
resignation
==============================  ===============================  =============================

``admin1`` is the department, ``location`` the place of the model, latitude/longitude its point
(national decisions: location 'national', no coordinates).
"""

from __future__ import annotations

import polars as pl

COLUMNS = (
    "event_date", "event_type", "sub_event_type", "actor1", "actor2", "admin1", "location",
    "latitude", "longitude", "fatalities", "notes",
)

SCHEMA = {
    "event_date": pl.Date,
    "event_type": pl.Utf8,
    "sub_event_type": pl.Utf8,
    "actor1": pl.Utf8,
    "actor2": pl.Utf8,
    "admin1": pl.Utf8,
    "location": pl.Utf8,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "fatalities": pl.Int64,
    "notes": pl.Utf8,
}


def events_frame(world) -> pl.DataFrame:
    """The world's event log as a polars frame in ACLED's columns, in the order things happened."""
    rows = [{k: e[k] for k in COLUMNS} for e in sorted(world.events_log, key=lambda e: e["_step"])]
    return pl.DataFrame(rows, schema=SCHEMA)
