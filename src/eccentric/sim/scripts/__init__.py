"""One storyboard module per simulated exercise, and the table that picks one."""

from __future__ import annotations

from eccentric.sim.movement import Movement
from eccentric.sim.scripts.ball_curl import BallCurlMovement
from eccentric.sim.scripts.band_rotation import BandRotationMovement
from eccentric.sim.scripts.foam_roll import FoamRollMovement
from eccentric.sim.scripts.hanging import HangingTiltMovement
from eccentric.sim.scripts.hinge import HINGES, HingeMovement
from eccentric.sim.scripts.loaded_carry import LoadedCarryMovement
from eccentric.sim.scripts.lunge import LungeMovement
from eccentric.sim.scripts.nordic import NordicMovement
from eccentric.sim.scripts.side_plank import SidePlankMovement

MOVEMENTS: dict[str, Movement] = {
    "nordic_curl": NordicMovement(),
    "nordic_curl_band": NordicMovement(band=True),
    "ball_leg_curl": BallCurlMovement(),
    "ball_leg_curl_single": BallCurlMovement(single=True),
    **{name: HingeMovement(name) for name in HINGES},
    "side_plank": SidePlankMovement(),
    "foam_roll": FoamRollMovement(),
    "lunge": LungeMovement(),
    "loaded_carry": LoadedCarryMovement(),
    "band_rotation": BandRotationMovement(),
    "hanging_pelvic_tilt": HangingTiltMovement(),
}
