"""Shared helpers for the engine tests: small scenarios and a brute-force neighbourhood."""

from __future__ import annotations

from uprising.scenarios.schema import Scenario


def scenario(**sections) -> Scenario:
    """A Scenario from nested dicts, e.g. scenario(rules={"arrest_ratio": "round"})."""
    return Scenario.model_validate(sections)


def cells_in_vision(vision, y: int, x: int) -> set[tuple[int, int]]:
    """The set of (row, col) cells in vision of (y, x), straight from the shape's definition."""
    from uprising.engine.vision import half_width

    import math

    h, w, r = vision.height, vision.width, int(math.floor(vision.radius + 1e-9))
    out = set()
    for dy in range(-r, r + 1):
        hw = half_width(vision.shape, vision.radius, dy)
        for dx in range(-hw, hw + 1):
            yy, xx = y + dy, x + dx
            if vision.torus:
                out.add((yy % h, xx % w))
            elif 0 <= yy < h and 0 <= xx < w:
                out.add((yy, xx))
    return out


VARIANTS = {
    "default": {},
    "paper": {"rules": {"preset": "paper", "arrest_ratio": "literal"}},
    "netlogo": {
        "rules": {
            "arrest_ratio": "floor", "vision_includes_own_cell": True, "jail_term": "exclusive",
            "jailed_leave_grid": False, "jailed_block_cell": False, "cop_moves_to_arrestee": True,
            "cops_always_move": True,
        }
    },
    "mesa": {
        "population": {"cop_density": 0.074, "placement": "bernoulli"},
        "citizen": {"legitimacy": 0.8, "jail_max": 1000.0},
        "rules": {
            "arrest_ratio": "round", "vision_shape": "von_neumann", "jail_countdown": "own_turn",
            "jailed_leave_grid": False, "jailed_block_cell": True, "order": "decide_then_move",
        },
    },
    "moore_bounded_life": {
        "grid": {"torus": False, "width": 30, "height": 20},
        "citizen": {"jail_max": float("inf"), "legitimacy": 0.7},
        "rules": {"vision_shape": "moore", "counts_self": False},
    },
    "no_movement": {"citizen": {"vision": 1.7, "legitimacy": 0.89, "jail_max": 15.0}, "cop": {"vision": 1.7},
                    "rules": {"movement": False}},
}
