"""Counter-based random numbers keyed by what they decide.

A draw is ``uniform(key, agent_id, k)`` where ``key = step_key(seed, stream, step)``: a pure
function of (seed, stream, step, agent_id, k), mixed with splitmix64's finaliser (Steele, Lea &
Flood 2014). No generator state exists, so a run gives the same numbers on one thread or many,
in any agent order, and a new mechanism (a new stream) never shifts another's draws.

The key for (seed, stream, step) is computed once per phase in Python (three mixing rounds);
each draw inside a kernel then costs two mixing rounds.
"""

from __future__ import annotations

import functools

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1

# Stream constants: one per decision that draws. Append new streams; never renumber.
STREAMS: dict[str, int] = {
    "hardship": 1,  # H ~ U(0,1), drawn once per citizen
    "risk_aversion": 2,  # R ~ U(0,1), drawn once per citizen
    "placement": 3,  # which cells receive agents at set-up
    "order": 4,  # the random activation order of the sequential schedule
    "move": 5,  # which empty cell in vision an agent moves to
    "arrest": 6,  # which active in vision a cop arrests
    "jail_term": 7,  # the jail term ~ U{0..J_max}
    "move_priority": 8,  # who wins a contested cell in the synchronous schedule
    "cop_removal": 9,  # which cops an intervention removes
    "cop_insertion": 10,  # where an intervention inserts cops
    "release": 11,  # where a released citizen reappears (jailed leave the grid)
    "group": 12,  # Model II: group membership at set-up
    "death_age": 13,  # Model II: death age ~ U{0..max_age}
    "age": 14,  # Model II: initial age
    "kill": 15,  # Model II: which other-group citizen an active kills
    "clone": 16,  # Model II: whether and where a citizen clones
    "arrest_priority": 17,  # synchronous: which cop wins a contested arrestee
    "kill_priority": 18,  # synchronous Model II: which killer wins a contested victim
    # mechanisms (issue #3)
    "organised": 19,  # groups: whether a citizen is organised (union, committee member)
    "mobility": 20,  # groups: willingness to travel ~ U(low, high)
    "soldier_placement": 21,  # which empty cells soldiers arrive on (set-up, deployments)
    "soldier_order": 22,  # the order in which soldiers act in a step
    "soldier_move": 23,  # which empty cell in vision a soldier moves to
    "soldier_arrest": 24,  # which active in vision a soldier arrests (doctrine 0)
    "teargas": 25,  # whether an active in a gassing soldier's vision is dispersed
    "fire": 26,  # how many people a firing soldier agent kills (binomial)
    "fire_victim": 27,  # which active in vision the grid removes for a death
    "loyalty": 28,  # initial loyalty of police and soldiers
    "defection": 29,  # whether a security agent turning neutral joins the crowd
    "legitimacy_spread": 30,  # a citizen's own offset from its group's perceived legitimacy (world of places)
}


def _mix_py(z: int) -> int:
    z = (z + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


@functools.lru_cache(maxsize=4096)
def _stream_prefix(seed: int, stream: str) -> int:
    """mix(mix(seed) ^ stream): the part of ``step_key`` shared by every step (cached: a step
    asks for ~10 keys, and three Python mixing rounds each were ~10 us of a 120 us small step)."""
    return _mix_py(_mix_py(seed & _MASK) ^ STREAMS[stream])


def step_key(seed: int, stream: str, step: int) -> np.uint64:
    """The key of every draw of one stream in one step: mix(mix(mix(seed) ^ stream) ^ step)."""
    return np.uint64(_mix_py(_stream_prefix(int(seed), stream) ^ (step & _MASK)))


@nb.njit(inline="always", cache=True)
def mix(z):
    """splitmix64 finaliser: a bijection on uint64 with full avalanche."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@functools.lru_cache(maxsize=1024)
def _prefixes(seed: int, streams: tuple[str, ...]) -> np.ndarray:
    out = np.array([_stream_prefix(seed, s) for s in streams], np.uint64)
    out.flags.writeable = False
    return out


@nb.njit(cache=True)
def _mix_keys(prefixes, step, stepped):
    out = np.empty(prefixes.shape[0], np.uint64)
    for i in range(prefixes.shape[0]):
        out[i] = mix(prefixes[i] ^ np.uint64(step if i < stepped else 0))
    return out


def step_keys(seed: int, streams: tuple[str, ...], step: int, stepped: int) -> np.ndarray:
    """uint64 array: ``step_key(seed, streams[i], step)`` for ``i < stepped``, ``step_key(seed,
    streams[i], 0)`` after (set-up keys); one compiled call for a kernel's keys."""
    return _mix_keys(_prefixes(int(seed), streams), int(step), stepped)


@nb.njit(inline="always", cache=True)
def bits(key, agent_id, k):
    """64 random bits for draw number ``k`` of agent ``agent_id`` under ``key``."""
    return mix(mix(key ^ np.uint64(agent_id)) ^ np.uint64(k))


@nb.njit(inline="always", cache=True)
def agent_key(key, agent_id):
    """The part of ``bits`` shared by all of one agent's draws: bits(key, a, k) = draw(agent_key(key, a), k)."""
    return mix(key ^ np.uint64(agent_id))


@nb.njit(inline="always", cache=True)
def draw_below(akey, k, n):
    """``below(key, agent_id, k, n)`` from ``akey = agent_key(key, agent_id)``: one mixing round."""
    return np.int64(((mix(akey ^ np.uint64(k)) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@nb.njit(inline="always", cache=True)
def uniform(key, agent_id, k):
    """U[0, 1) with 53 random bits."""
    return np.float64(bits(key, agent_id, k) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(inline="always", cache=True)
def below(key, agent_id, k, n):
    """A uniform integer in {0, ..., n-1} (n >= 1), by multiply-shift on 32 bits.

    The bias is at most n / 2**32, far below anything a run can detect.
    """
    return np.int64(((bits(key, agent_id, k) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@nb.njit(cache=True)
def uniform_array(key, agent_ids, k):
    """U[0,1) for each agent id (set-up draws: hardship, risk aversion, ...)."""
    out = np.empty(agent_ids.shape[0], np.float64)
    for i in range(agent_ids.shape[0]):
        out[i] = uniform(key, agent_ids[i], k)
    return out


@nb.njit(cache=True)
def below_array(key, agent_ids, k, n):
    """A uniform integer in {0..n-1} for each agent id."""
    out = np.empty(agent_ids.shape[0], np.int64)
    for i in range(agent_ids.shape[0]):
        out[i] = below(key, agent_ids[i], k, n)
    return out


@nb.njit(cache=True)
def permutation(key, n):
    """A uniform random permutation of 0..n-1 (Fisher-Yates; draw i keyed by position i)."""
    out = np.arange(n)
    for i in range(n - 1, 0, -1):
        j = below(key, i, 0, i + 1)
        t = out[i]
        out[i] = out[j]
        out[j] = t
    return out
