"""The world of places: places, roads, supply, blockades, marches, information, regime, events.

Each concern is its own module (``uprising.world.geography`` loads the shipped data).
"""
