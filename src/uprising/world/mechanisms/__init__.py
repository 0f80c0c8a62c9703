"""The world's mechanisms, one module each, in the model's own words.

Each module declares itself with a :class:`~uprising.world.mechanism.Mechanism`: its config
section, the state it installs on the world, its phases and where they run, the columns it
records, the decisions (event kinds) it carries out, and the hooks through which it changes
citizens (hardship, threshold) or movement (marches held). :mod:`uprising.world.registry`
lists them in order and assembles the plan, the dispatch of events and the timeseries.
A new mechanism is one module here plus one line in the registry (docs/episodes.md, the
curfew as the worked example).
"""
