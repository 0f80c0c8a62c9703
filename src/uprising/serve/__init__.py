"""The live viewer, ``uprising serve`` (docs/serve.md): a local web app that plays one run as the
model steps, with levers, decisions played as an actor, and the play-through saved as a scenario.

- :mod:`~uprising.serve.session`: one live run (step, reset, snapshot, state);
- :mod:`~uprising.serve.levers`: the parameters changed between steps;
- :mod:`~uprising.serve.actions`: the user's decisions as the scenario's dated events;
- :mod:`~uprising.serve.playlog`: the log, and the play-through as a scenario file;
- :mod:`~uprising.serve.app`: the starlette app (page, websocket, /state, /command, /save);
- :mod:`~uprising.serve.runner`: binding the port, running uvicorn, stopping cleanly;
- ``static/``: the page (``index.html``, ``serve.js``, ``serve.css``), package data.
"""
