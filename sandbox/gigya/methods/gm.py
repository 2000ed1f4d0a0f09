"""gm.getChallengeStatus: per-UID game-mechanics achievements, deterministic by seed (gigya.md §6).

The IdentitySync GM template explodes the ``achievements`` array into one row per challenge, so every account
gets a stable, varied set: some challenges, a level in each, points consistent with the level.
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING, Any

from sandbox.gigya import wordlists as W
from sandbox.gigya.auth import Principal
from sandbox.gigya.clock import iso_ms
from sandbox.gigya.errors import GigyaError, invalid
from sandbox.gigya.generator import DATA_END_MS, DATA_START_MS
from sandbox.gigya.params import Params

if TYPE_CHECKING:
    from sandbox.gigya.site import Site

_POINTS_PER_LEVEL = 250


class GameMechanics:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.overrides: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def set_achievements(self, uid: str, achievements: list[dict[str, Any]]) -> None:
        with self._lock:
            self.overrides[uid] = achievements

    def achievements(self, uid: str) -> list[dict[str, Any]]:
        with self._lock:
            if uid in self.overrides:
                return [dict(item) for item in self.overrides[uid]]
        roll = int.from_bytes(hashlib.blake2b(f"{self.seed}/{uid}".encode(), digest_size=16).digest(), "big")
        result = []
        for challenge_id, description, levels in W.CHALLENGES:
            roll, taking = divmod(roll, 5)
            if taking < 2:  # 40% of accounts skip a given challenge
                continue
            roll, level = divmod(roll, len(levels))
            roll, extra = divmod(roll, _POINTS_PER_LEVEL)
            roll, when = divmod(roll, 10_000)
            last_up = DATA_START_MS + (DATA_END_MS - DATA_START_MS) * when // 10_000
            result.append(
                {
                    "challengeID": challenge_id,
                    "level": level + 1,
                    "levelTitle": levels[level],
                    "description": description,
                    "badgeURL": f"https://cdn.example.com/badges/{challenge_id.lower()}/{level + 1}.png",
                    "pointsTotal": level * _POINTS_PER_LEVEL + extra,
                    "pointsCurrentLevel": extra,
                    "pointsNextLevel": _POINTS_PER_LEVEL if level + 1 < len(levels) else 0,
                    "lastLevelUpTime": iso_ms(last_up),
                }
            )
        return result


def get_challenge_status(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    uid = params.require("UID")
    if site.accounts.handle_of(uid) is None:
        raise GigyaError(403005, f"Unauthorized user: UID not found: {uid}")
    include = params.csv("includeChallenges") or ["*"]
    exclude = set(params.csv("excludeChallenges") or [])
    details = params.get("details") or "basic"
    if details not in ("basic", "full"):
        raise invalid("details must be basic or full")
    achievements = [
        item
        for item in site.gm.achievements(uid)
        if ("*" in include or item["challengeID"] in include) and item["challengeID"] not in exclude
    ]
    if details == "basic":
        for item in achievements:
            item.pop("description", None)
            item.pop("badgeURL", None)
    return {"UID": uid, "achievements": achievements}


METHODS = {"gm.getChallengeStatus": get_challenge_status}
