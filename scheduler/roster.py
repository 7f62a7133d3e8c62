"""Bit sets for the greedy (``scheduler.greedy``): who of a pool of experts is busy on which working
day, who may lead, who holds which skill; and each expert's skills as bits in turn.

The greedy tries many starts for each visit and asks at each which of its candidates are free for
the whole visit and the rest days after it. With a bit set per day that is a few integer operations
instead of a loop over the candidates, and the answer is a plain value the greedy can remember: the
team it can build at a start depends only on who is free there. Whether those free experts can make
a team at all (enough of them, a leader, enough holders of each skill) is a few operations more.

The experts are split into pools no task reaches across (the districts of a home-district round),
each numbering its experts from 0, so that a bit set is as long as a pool, not the whole round: the
work per start stays the same however many pools a round has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from inputs.scenario import Expert


def bits(positions: Iterable[int]) -> int:
    """The bit set with the bits at ``positions``."""
    out = 0
    for i in positions:
        out |= 1 << i
    return out


@dataclass
class Pool:
    """Experts some tasks share, numbered from 0 (``local``), and per working day those of them busy
    on it (a visit or its rest tail) and those unavailable (R8)."""

    experts: list[int]  # expert indices; bit i of a set is experts[i]
    local: dict[int, int]  # expert index -> bit
    leaders: int  # who may lead a visit
    holders: dict[str, int]  # per skill: who holds it
    busy: list[int] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)

    @classmethod
    def of(
        cls, members: list[int], experts: Sequence[Expert], days: int, blocked: dict[int, set[int]]
    ) -> Pool:
        local = {k: i for i, k in enumerate(members)}
        holders: dict[str, int] = {}
        for i, k in enumerate(members):
            for s in experts[k].skills:
                holders[s] = holders.get(s, 0) | 1 << i
        pool = cls(members, local, bits(i for i, k in enumerate(members) if experts[k].leader), holders)
        pool.busy = [0] * days
        pool.blocked = [0] * days
        for k in members:
            for x in blocked.get(k, ()):
                pool.blocked[x] |= 1 << local[k]
        return pool

    def bits(self, experts: Iterable[int]) -> int:
        """The bit set of ``experts`` (expert indices, all in this pool)."""
        return bits(self.local[k] for k in experts)

    def experts_in(self, found: int, among: Sequence[int]) -> list[int]:
        """The experts of ``among`` (in its order) in the bit set ``found``."""
        return [k for k in among if found >> self.local[k] & 1]

    def take(self, experts: Iterable[int], first: int, end: int) -> None:
        """Mark ``experts`` busy on the days ``first`` … ``end - 1``."""
        taken = self.bits(experts)
        for x in range(first, end):
            self.busy[x] |= taken

    def free(self, among: int, w: int, days: int, rest: int) -> int:
        """The experts of ``among`` who can make a visit of ``days`` starting at ``w``: no visit or rest
        day of theirs on ``w`` … ``w + days + rest - 1`` and available on the visit's days."""
        taken = 0
        for x in range(w, w + days + rest):
            taken |= self.busy[x]
        for x in range(w, w + days):
            taken |= self.blocked[x]
        return among & ~taken


def pools(
    experts: Sequence[Expert], shared: Iterable[Sequence[int]], days: int, blocked: dict[int, set[int]]
) -> dict[int, Pool]:
    """The pool of each expert in some group of ``shared`` (the experts a task may use): experts are in
    one pool when groups link them, directly or through others (a union-find over the groups)."""
    parent = list(range(len(experts)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    used: set[int] = set()
    for group in set(map(tuple, shared)):  # many tasks share the same group
        used.update(group)
        for k in group[1:]:
            a, b = root(group[0]), root(k)
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for k in sorted(used):
        members.setdefault(root(k), []).append(k)
    out: dict[int, Pool] = {}
    for ks in members.values():
        pool = Pool.of(ks, experts, days, blocked)
        out.update(dict.fromkeys(ks, pool))
    return out


@dataclass(frozen=True)
class SkillBits:
    """Each expert's skills as bits (``skill_bit``), built once per greedy state."""

    skill_bit: dict[str, int]  # per skill someone holds: its bit
    held: tuple[int, ...]  # per expert: the skills held

    @classmethod
    def of(cls, experts: Sequence[Expert]) -> SkillBits:
        skill_bit: dict[str, int] = {}
        for e in experts:
            for s in e.skills:
                skill_bit.setdefault(s, 1 << len(skill_bit))
        return cls(skill_bit, tuple(_skill_set(e.skills, skill_bit) for e in experts))

    def of_skills(self, skills: Iterable[str]) -> int:
        """``skills`` as bits; a skill nobody holds gets a bit no expert has."""
        return _skill_set(skills, self.skill_bit)


def _skill_set(skills: Iterable[str], skill_bit: dict[str, int]) -> int:
    out = 0
    for s in skills:
        out |= skill_bit.get(s, 1 << len(skill_bit))
    return out
