"""R4 分工: dividing a team's work into the parts a tier inspects — the engine's side.

A tier's required skills are the parts of a visit (党建, 行风, 医疗管理, …); a part written
`医疗管理*2` needs at least two members on it; with ``one_part_each`` (分组巡查) every member takes
exactly one part, otherwise one or more, and always only parts whose skill they hold.

Without ``one_part_each`` a part's count is met exactly when enough members hold its skill, so the
division is a matter of choosing who takes what after solving. With it, the team must admit a
matching of members to parts (each member one part, each part its count): a bipartite matching
found here by augmenting paths, used by the greedy to build teams, by the instance to tell whether a
standing team can make a visit, and by the plan to name each member's parts. The model posts the
same condition as Hall's inequalities (``constraints.parts``); ``schedule validate`` checks the
plan's division by its own code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from inputs.scenario import Expert, TierRule

if TYPE_CHECKING:
    from scheduler.instance import Instance, Task

Skills = Collection[str]


def _matching(members: Sequence[Skills], slots: Sequence[str]) -> dict[int, int]:
    """A maximum matching of slots (a part, repeated by its count) to distinct members holding the
    slot's skill, by augmenting paths (Kuhn): member -> slot."""
    owner: dict[int, int] = {}
    for slot in range(len(slots)):
        _augment(members, slots, owner, slot, set())
    return owner


def _augment(
    members: Sequence[Skills], slots: Sequence[str], owner: dict[int, int], slot: int, seen: set[int]
) -> bool:
    """Whether an augmenting path from ``slot`` (unmatched) exists; if so ``owner`` takes it (one
    more slot matched), otherwise ``owner`` is left as it was."""
    for k, held in enumerate(members):
        if slots[slot] not in held or k in seen:
            continue
        seen.add(k)
        if k not in owner or _augment(members, slots, owner, owner[k], seen):
            owner[k] = slot
            return True
    return False


def divide(
    members: Sequence[Skills], skills: Sequence[str], counts: Sequence[int], one_each: bool
) -> list[tuple[str, ...]] | None:
    """Each member's parts (in ``skills`` order), or None when the team cannot be divided.

    Deterministic and balanced: parts go first to the members holding the scarcest skills and
    with the fewest parts so far; a member holding some required skill always gets a part. With
    ``one_each`` every member gets exactly one part (a member holding none makes it impossible).
    """
    need = dict(zip(skills, counts, strict=True))
    given: list[list[str]] = [[] for _ in members]
    on_part = dict.fromkeys(skills, 0)

    def take(k: int, skill: str) -> None:
        given[k].append(skill)
        on_part[skill] += 1

    if one_each:
        slots = [s for s in skills for _ in range(need[s])]
        matched = _matching(members, slots)
        if len(matched) < len(slots):
            return None
        for k, slot in sorted(matched.items(), key=lambda p: p[1]):
            take(k, slots[slot])
    else:
        holders = {s: [k for k, held in enumerate(members) if s in held] for s in skills}
        for skill in sorted(skills, key=lambda s: (len(holders[s]), skills.index(s))):
            if len(holders[skill]) < need[skill]:
                return None
            for k in sorted(holders[skill], key=lambda k: (len(given[k]), k))[: need[skill]]:
                take(k, skill)
    for k, held in enumerate(members):
        if given[k]:
            continue
        options = [s for s in skills if s in held]
        if not options:
            if one_each:
                return None
            continue
        take(k, min(options, key=lambda s: (on_part[s] / need[s], skills.index(s))))
    return [tuple(s for s in skills if s in given[k]) for k in range(len(members))]


def can_divide(
    members: Sequence[Skills], skills: Sequence[str], counts: Sequence[int], one_each: bool
) -> bool:
    """Whether the team can be given parts (R4 分工)."""
    return divide(members, skills, counts, one_each) is not None


def part_leads(
    parts: dict[str, tuple[str, ...]], leader: str, eligible: Callable[[str], bool]
) -> dict[str, str]:
    """The sub-leader (小组长) of each part with two or more members: a leader-eligible member other
    than the team's leader first, then the others, each by id."""
    on: dict[str, list[str]] = {}
    for member, mine in parts.items():
        for part in mine:
            on.setdefault(part, []).append(member)
    return {
        part: min(ids, key=lambda e: (e == leader, not eligible(e), e))
        for part, ids in on.items()
        if len(ids) >= 2
    }


def build_team(
    free: Sequence[int],
    leader: int,
    skills_of: Callable[[int], Skills],
    skills: Sequence[str],
    counts: Sequence[int],
    one_each: bool,
    size: tuple[int, int],
    order: Callable[[int], tuple],
    kept: Sequence[int] = (),
) -> list[int] | None:
    """A team around ``leader`` (and the members ``kept``, who must stay) from ``free`` that can be
    divided into the parts (the greedy's).

    Members are added while some part lacks its count, each time the first by ``order`` that
    brings the division closer; then up to the minimum size with members who can take a part
    (any free expert without ``one_each``). None when no such team fits ``size``.
    """
    team_min, team_max = size
    required = set(skills)
    if one_each and not required.intersection(skills_of(leader)):
        return None
    team = list(dict.fromkeys([leader, *kept]))
    slots = [s for s, n in zip(skills, counts, strict=True) for _ in range(n)]
    ranked = sorted((k for k in free if k != leader), key=order)
    grows = _Filling(team, skills_of, slots) if one_each else None
    while True:
        filled = grows.filled if grows is not None else _filled(team, skills_of, slots)
        if filled == len(slots):
            break
        if len(team) >= team_max:
            return None
        best = None
        for k in ranked:
            if k in team or not required.intersection(skills_of(k)):
                continue
            if grows.grows(k) if grows is not None else _filled([*team, k], skills_of, slots) > filled:
                best = k
                break
        if best is None:
            return None
        team.append(best)
    for k in ranked:
        if len(team) >= team_min:
            break
        if k not in team and (not one_each or required.intersection(skills_of(k))):
            team.append(k)
    if not team_min <= len(team) <= team_max:
        return None
    return team


def _filled(team: list[int], skills_of: Callable[[int], Skills], slots: list[str]) -> int:
    """How many of the part slots the team can fill without ``one_each``: a member may fill one slot
    of every part they hold."""
    return sum(min(sum(1 for k in team if s in skills_of(k)), slots.count(s)) for s in dict.fromkeys(slots))


class _Filling:
    """With ``one_each``, a maximum matching of a growing team to the part slots, kept from member to
    member: whether one more member fills one more slot is an augmenting path that ends at them (the
    matching of the team without them is maximum), searched from the slots still open, instead of a
    matching made anew for every candidate (measured: most of the local search's time on hospital
    rounds went to remaking it)."""

    def __init__(self, team: list[int], skills_of: Callable[[int], Skills], slots: list[str]) -> None:
        self.skills_of = skills_of
        self.slots = slots
        self.members = [skills_of(k) for k in team]
        self.owner = _matching(self.members, slots)

    @property
    def filled(self) -> int:
        return len(self.owner)

    def grows(self, k: int) -> bool:
        """Whether member ``k`` fills one more slot; if so they join the matching."""
        self.members.append(self.skills_of(k))
        taken = set(self.owner.values())
        for slot in range(len(self.slots)):
            if slot not in taken and _augment(self.members, self.slots, self.owner, slot, set()):
                return True
        self.members.pop()
        return False


def team_divides(rule: TierRule, members: Sequence[Skills]) -> bool:
    """Whether a team (its members' skills) can be given the tier's parts."""
    counts = [rule.count(s) for s in rule.required_skills]
    return can_divide(members, rule.required_skills, counts, rule.one_part_each)


def parts_team_min(rule: TierRule) -> int:
    """The tier's effective minimum team size: with one part each, at least the sum of the counts."""
    if not rule.one_part_each:
        return rule.team_min
    return max(rule.team_min, sum(rule.count(s) for s in rule.required_skills))


def visit_parts(
    instance: Instance, task: Task, leader: int, members: Sequence[int]
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, str], ...]]:
    """The plan's division of one visit (``Visit.parts``, ``Visit.part_leads``) for its team, the
    members in the plan's order (the leader, then by id); nothing when the task has no parts (a
    follow-up) or, which a solved team never is, cannot be divided."""
    if not task.skills:
        return (), ()
    experts = instance.experts
    members = sorted(members, key=lambda k: (k != leader, experts[k].id))
    divided = divide(
        [experts[k].skills for k in members], task.skills, task.part_counts(), task.one_part_each
    )
    if divided is None:
        return (), ()
    parts = {experts[k].id: mine for k, mine in zip(members, divided, strict=True)}
    by_id = instance.scenario.expert_by_id
    leads = part_leads(parts, experts[leader].id, lambda e: by_id[e].leader)
    ordered = tuple((part, leads[part]) for part in task.skills if part in leads)
    return tuple(parts.items()), ordered


def divided_team(
    load: Sequence[int],
    experts: Sequence[Expert],
    task: Task,
    free: Sequence[int],
    leader: int,
    coverage_first: bool,
    kept: Sequence[int] = (),
) -> list[int] | None:
    """The greedy's team for a task whose tier divides the work: lightly loaded members first, or
    (``coverage_first``) those holding the most parts; around ``leader`` and the members ``kept``."""
    required = set(task.skills)

    def order(k: int) -> tuple[int, ...]:
        if coverage_first:
            return (-len(required.intersection(experts[k].skills)), load[k], k)
        return (load[k], k)

    return build_team(
        free,
        leader,
        lambda k: experts[k].skills,
        task.skills,
        task.part_counts(),
        task.one_part_each,
        (task.team_min, task.team_max),
        order,
        kept,
    )


def division_problem(rule: TierRule, members: Sequence[Skills], whole_team: bool) -> str | None:
    """Why no team drawn from ``members`` (all of them, for a standing team: ``whole_team``) can be
    given the tier's parts, in words for the planner; None when one can (diagnose's R4 分工 note)."""
    skills = rule.required_skills
    counts = [rule.count(s) for s in skills]
    for skill, count in zip(skills, counts, strict=True):
        holders = sum(1 for held in members if skill in held)
        if holders < count:
            return f"分工“{skill}”需要至少 {count} 名具备该专长的组员，而具备该专长的只有 {holders} 人"
    if not rule.one_part_each:
        return None
    if whole_team:
        idle = sum(1 for held in members if not set(skills).intersection(held))
        if idle:
            return f"分组巡查时每名组员只负责一项分工，而其中 {idle} 人不具备任何一项分工所需的专长"
    slots = [s for s, n in zip(skills, counts, strict=True) for _ in range(n)]
    filled = len(_matching(members, slots))
    if filled < len(slots):
        need = "、".join(s if n == 1 else f"{s}×{n}" for s, n in zip(skills, counts, strict=True))
        return (
            f"分组巡查时每名组员只负责一项分工，各项分工（{need}）共需 {len(slots)} 人各负责一项，"
            f"而按各人专长最多只能分出 {filled} 人"
        )
    if whole_team and not can_divide(members, skills, counts, True):
        return "分组巡查时每名组员只负责一项分工，而全组成员无法这样分工"
    return None
