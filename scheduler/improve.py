"""A deterministic local search that lowers each pool's heaviest load, keeping every rule.

The greedy and the model's search can leave a pool above its bound when a few experts carry more
visit days than they need to (CP-SAT's min–max search stalls on big pools, and the wall clock may
cut it short). This pass takes a complete plan and, pool by pool, moves work away from the experts
at the pool's heaviest load, each move leaving every expert it touches below that load:

- *drop*: a heaviest member leaves a visit whose team stays valid without them;
- *replace*: a heaviest member hands their seat to a candidate free at the time;
- *swap*: a heaviest member on a long visit trades seats with a member of a shorter visit;
- *ejection chain*: the newcomer is busy at the time, at their yearly cap or too loaded, and hands
  one of their own seats on, and so on through further experts until one takes a seat without
  handing any on (breadth first);
- *chain*: the same through exactly one third expert, tried on every pair the chain above may
  have passed over;
- *split*: two newcomers take the seat together (the team grows by one, within the tier's size),
  for a member who alone holds two skills;
- *retime*: the visit moves to the nearest start of its window where the new team is free — in
  the same calendar year, or another when every quota row that counts the institution still
  holds (R9: its minimum in the year left, its cap in the year entered);
- *rebuild*: the member leaves and the visit's team is made anew as the greedy makes one, from the
  candidates free and light enough, at its start or (after the retime) at starts spread over its
  window: several seats change at once, which a scarce leader sitting as a plain member, a member
  who alone holds three skills or capped experts with room only in another year need; last, a
  chain of two rebuilds, when the new team needs one expert who would reach the load being
  lowered and who can be spared from another visit of theirs, rebuilt in turn.

When the caller asks for it (``flatten``), the pools still above their bound after all this get
the work left for the same moves once more, now *flattening* where no move relieves the experts at
the heaviest load: one of the next-heaviest experts is relieved, each expert the move touches kept
below that expert's own load, and the heaviest are tried again. A chain stops at an expert who
would reach the load being lowered; relieved by a move of any kind (a retime, a rebuild), that
expert has room for the chain's seat. The loads, sorted from the heaviest, still fall in
lexicographic order with every move, so the search still ends; and unless some pool's heaviest
load came down, the plan is the one from before the flattening.
When no move helps, the pool's visits are *spread* with their teams over their windows (loads do
not change) and the moves run again. Moving visits between years is what lets experts with a
yearly cap (R8) take their share: a start plan that puts a pool's visits in its first year leaves
them one year's cap where the bound counts the cap of every year of the cycle (measured on the
province benchmark: every pool above its bound was so). Visits keep their window (R3, with R14's
lead time); visits linked by a precedence (R15 follow-ups and their first visits) keep their starts.
The changed teams are checked with the instance's own facts: candidates (R6, R7), free days with
rest and absences (R5, R8), yearly caps (R8), office capacity (R10), size, leader, skills and
division of work (R4), and follow-up continuity (R15). Pinned visits (R16), standing-team visits
(R11), follow-ups and visits that may straddle New Year keep their teams. Each move lowers the
heaviest load or the number of experts at it, and the search is bounded by a count of moves, each
move's work by a count of seat changes tried (:data:`MOVE_WORK`) and the whole search's by a round's
work budget (:class:`Work`: candidates looked at, seat changes and starts tried, shared among the
pools in their order), never by time, so the same plan in gives the same plan out, and the time plan
(``scheduler.executor``) costs the search from that count before the models' budgets are sized.
The bookkeeping the moves read and change (who is busy when, loads, R9's rows) is
``scheduler.search_state``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scheduler.greedy import Assignment, QuotaTarget, pool_team, quota_targets, team_state
from scheduler.instance import Instance, Task
from scheduler.parts import can_divide
from scheduler.quota_caps import CapTarget, caps_for
from scheduler.search_state import State, Years, new_state

# Moves tried per pool at most, per task of the pool: a safety net, as every move makes progress.
MOVES_PER_TASK = 20
# Pools with more (visit, candidate) pairs than this are left to the model: in one open pool of 3,200
# visits × 500 experts a single failed chain move tries hundreds of millions of seat changes (measured:
# minutes on the benchmark's `open` round); the model solves such pools on pruned lists.
MAX_PAIRS = 60_000
# Seat changes the chain moves (ejection chains, chains through a third expert) try at most for one
# move, and as many the split move (pairs of newcomers): a bound on their work, not on time, that a
# move which fails in a big pool needs.
MOVE_WORK = 20_000
# Experts below a pool's heaviest load the flattening tries to relieve (heaviest first) each time no
# move relieves the heaviest (:func:`_lower`). Measured on hospitals seeds 1-84, flattening after each
# group's stage 1 (``scheduler.stages``) with the work its first pass left: one pool of seed 16 a day
# lower, at its best bound (the round 1.07 -> 1.03), every other round as before. Kept only where a pool's
# load came down: a plan merely rearranged at the same loads sent the group's second search elsewhere
# (seed 25 a day worse, seed 79 by chance three days better); flattening within the first pass and on
# the start plan did the same on more rounds (seeds 1 and 64 above 1.10, 27 below).
FLATTEN_TRIES = 2
# Starts the rebuild move tries in each window of a visit (evenly spaced, at least 2), after its own
# start.
REBUILD_STARTS = 6
# Units of work charged per free candidate when the rebuild move makes a team (the greedy tries a few
# leaders, two ways each, over the free candidates): measured so that a unit costs about what the
# other moves' units cost (``executor.IMPROVE_SECONDS_PER_UNIT``).
REBUILD_WORK = 8


@dataclass
class Work:
    """A local search's work budget and what it has spent, in units: one per candidate looked at for a
    seat, per seat change a chain or split move tries and per start a retime or spread looks at.
    ``budget`` None: unbounded. Shared by every :func:`improve` call it is passed to. ``sized``, when
    given, sets the budget at the first call from the number of tasks the plan then leaves out (the
    time plan keeps their explanations' time aside)."""

    budget: int | None = None
    spent: int = 0
    sized: Callable[[int], int] | None = None

    def left(self) -> int | None:
        return None if self.budget is None else max(0, self.budget - self.spent)


# -- what a team must be -----------------------------------------------------------------------------
def _movable(task: Task) -> bool:
    """Whether the search may change this visit's team: not a follow-up, a standing team or a pin."""
    return task.kind == "visit" and not task.team_staffed and not task.inst.pinned


def _team_ok(instance: Instance, task: Task, members: Sequence[int]) -> bool:
    """R4 for a pool-staffed visit: size, a leader-eligible member, the skills and the division."""
    experts = instance.experts
    if not task.team_min <= len(members) <= task.team_max:
        return False
    if not any(experts[k].leader for k in members):
        return False
    held = [experts[k].skills for k in members]
    if task.divides_work:
        return can_divide(held, task.skills, task.part_counts(), task.one_part_each)
    return set(task.skills) <= {s for skills in held for s in skills}


def _leader(instance: Instance, members: Sequence[int], leader: int, leaving: int) -> int:
    """The leader after ``leaving`` left: the same one unless it was them, else the first eligible."""
    if leader != leaving:
        return leader
    return min(k for k in members if instance.experts[k].leader)


class _Search:
    """The moves on one plan; ``improve`` runs them pool by pool."""

    def __init__(
        self,
        instance: Instance,
        plan: dict[int, Assignment],
        targets: Sequence[QuotaTarget],
        caps: Sequence[CapTarget],
    ) -> None:
        self.instance = instance
        self.state = new_state(instance, plan)
        # first visit -> its follow-ups whose team must share a member with it (R15 continuity)
        self.followups: dict[int, list[int]] = {}
        if instance.scenario.params.followup_continuity:
            for link in instance.precedences:
                if instance.tasks[link.after].kind != "visit":
                    self.followups.setdefault(link.before, []).append(link.after)
        self.candidates = {t.index: frozenset(t.candidates) for t in instance.tasks}
        # tasks a precedence links (R15): their starts stay where they are
        self.linked = {t for link in instance.precedences for t in (link.before, link.after)}
        # R9: a visit a quota row counts changes year only while the row holds
        self.years = Years(instance, self.state.plan, targets, caps)
        self._masks: dict[tuple[str, ...], list[int]] = {}  # a task's skills -> each expert's as bits
        self.work = 0  # seat changes the chain and split moves may still try (``relieve``)
        self.granted = 0  # what ``work`` was when last granted
        self.spent = 0  # units of work done (:class:`Work`)
        self.until: int | None = None  # ``spent`` at which the search stops (None: never)
        self.shortest = min((t.days for t in instance.tasks), default=0)
        self._teams: dict[tuple[int, tuple[int, ...]], bool] = {}  # (task, team) -> R4 with division
        self.flatten = False  # relieve the next-heaviest when the heaviest cannot be (:func:`_lower`)

    # -- applying a change ---------------------------------------------------------------------------
    def _members(self, t: int) -> tuple[int, ...]:
        return self.state.plan[t].members

    def _continuity(self, t: int, members: Sequence[int]) -> bool:
        plan = self.state.plan
        return all(f not in plan or set(plan[f].members) & set(members) for f in self.followups.get(t, ()))

    def _allowed(self, t: int, members: Sequence[int]) -> bool:
        return self._team_ok(t, members) and self._continuity(t, members)

    def _window(self, t: int, old: int | None) -> list[tuple[int, int]]:
        """The ranges of starts visit ``t`` may move to from year ``old`` (None: it straddles New
        Year): those in the same year, or in another (or straddling it, counting in no year) when
        every quota row counting the institution allows it (R9: :class:`Years`)."""
        task = self.instance.tasks[t]
        out = []
        for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
            to = None if year == -1 else year
            if to == old or self.years.may_move(t, old, to):
                out.append((lo, hi))
        return out

    def _skill_bits(self, task: Task) -> list[int]:
        """Each expert's skills among ``task``'s required ones, as bits."""
        masks = self._masks.get(task.skills)
        if masks is None:
            masks = self._masks[task.skills] = [
                sum(1 << i for i, s in enumerate(task.skills) if s in e.skills) for e in self.instance.experts
            ]
        return masks

    def _team_ok(self, t: int, members: Sequence[int]) -> bool:
        """:func:`_team_ok`, asked once per team: a task's skills as bits first (size, leader and
        cover), the division of work (R4 分工) remembered per team."""
        task = self.instance.tasks[t]
        if not task.team_min <= len(members) <= task.team_max:
            return False
        masks = self._skill_bits(task)
        covered, leads = 0, False
        for k in members:
            covered |= masks[k]
            leads = leads or self.instance.experts[k].leader
        if not leads or covered != (1 << len(task.skills)) - 1:
            return False
        if not task.divides_work:
            return True
        key = (t, tuple(sorted(members)))
        known = self._teams.get(key)
        if known is None:
            known = self._teams[key] = _team_ok(self.instance, task, members)
        return known

    def _apply(self, *changes: tuple[int, int | None, int | None]) -> None:
        """Each (visit, member out, member in), out first then in, so that the busy days of one
        expert trading two overlapping seats stay right; either member may be None."""
        state = self.state
        for t, out, _ in changes:
            if out is not None:
                state.remove(t, out)
        for t, _, into in changes:
            if into is not None:
                state.add(t, into)
        for t, out, into in changes:
            a = state.plan[t]
            members = [k for k in a.members if k != out] + ([into] if into is not None else [])
            leader = a.leader if out is None else _leader(self.instance, members, a.leader, out)
            state.plan[t] = Assignment(a.start, tuple(sorted(members)), leader, a.team)

    def _replaced(self, t: int, out: int, into: int | None) -> list[int]:
        members = [k for k in self._members(t) if k != out]
        return [*members, into] if into is not None else members

    # -- the moves -----------------------------------------------------------------------------------
    def exhausted(self) -> bool:
        """Whether the search's work budget is spent."""
        return self.until is not None and self.spent >= self.until

    def _grant(self) -> None:
        """A move's work for the chain and split moves: :data:`MOVE_WORK`, within what is left."""
        self._settle()
        self.work = MOVE_WORK if self.until is None else max(0, min(MOVE_WORK, self.until - self.spent))
        self.granted = self.work

    def _settle(self) -> None:
        """The work the chain and split moves did since the last grant, counted as spent."""
        self.spent += self.granted - self.work
        self.granted = self.work

    def relieve(self, h: int, ceiling: int, pool_tasks: set[int]) -> bool:
        """One move that lowers ``h``'s load and leaves every expert it touches below ``ceiling``."""
        self._grant()
        try:
            return self._relieve(h, ceiling, pool_tasks)
        finally:
            self._settle()

    def _relieve(self, h: int, ceiling: int, pool_tasks: set[int]) -> bool:
        state = self.state
        tasks = self.instance.tasks
        mine = [t for t in state.tasks_of[h] if t in pool_tasks and _movable(tasks[t])]
        order = sorted(mine, key=lambda t: (-tasks[t].days, t))
        for t in order:
            if self._allowed(t, self._replaced(t, h, None)):
                self._apply((t, h, None))
                return True
        for t in order:
            if self._replace(t, h, ceiling) or self._swap(t, h, ceiling):
                return True
        # the moves that succeed most per unit of work first (measured on the national 12,800 round:
        # the chain and split moves spent half the work for a handful of successes when they came
        # before the rebuilds and the retime)
        if any(self._rebuild(t, h, ceiling, here=True) for t in order):
            return True
        if not self.exhausted() and any(self._retime(t, h, ceiling) for t in order):
            return True
        if not self.exhausted() and any(self._rebuild(t, h, ceiling) for t in order):
            return True
        if not self.exhausted() and any(self._rebuild(t, h, ceiling, through=True) for t in order):
            return True
        self._grant()
        if self._eject(h, ceiling, pool_tasks) or any(self._chain(t, h, ceiling) for t in order):
            return True
        self._grant()
        return any(self._split(t, h, ceiling) for t in order)

    def _newcomers(self, t: int, ceiling: int, slack: int) -> list[int]:
        """Candidates of visit ``t`` not on it whose load stays below ``ceiling`` after ``slack``
        more days, lightest first."""
        load = self.state.load
        team = set(self._members(t))
        self.spent += len(self.candidates[t])
        return sorted(
            (k for k in self.candidates[t] if k not in team and load[k] + slack < ceiling),
            key=lambda k: (load[k], k),
        )

    def _replace(self, t: int, h: int, ceiling: int) -> bool:
        days = self.instance.tasks[t].days
        for k in self._newcomers(t, ceiling, days):
            if (
                self.state.free(k, t)
                and self.state.cap_ok(k, t)
                and self._allowed(t, self._replaced(t, h, k))
            ):
                self._apply((t, h, k))
                return True
        return False

    def _split(self, t: int, h: int, ceiling: int) -> bool:
        """Two newcomers take ``h``'s seat on ``t`` together (the team grows by one, within the
        tier's size): what ``h`` alone held, such as two skills no other free expert has both of."""
        task = self.instance.tasks[t]
        if len(self._members(t)) >= task.team_max:
            return False
        state = self.state
        experts = self.instance.experts
        rest = self._replaced(t, h, None)
        masks = self._skill_bits(task)
        missing = (1 << len(task.skills)) - 1
        for k in rest:
            missing &= ~masks[k]
        leads = any(experts[k].leader for k in rest)
        able = [k for k in self._newcomers(t, ceiling, task.days) if state.free(k, t) and state.cap_ok(k, t)]
        for i, k in enumerate(able):
            self.work -= len(able) - i - 1
            if self.work < 0:
                return False
            for j in able[i + 1 :]:
                if (masks[k] | masks[j]) & missing != missing:
                    continue
                if not (leads or experts[k].leader or experts[j].leader):
                    continue
                if self._allowed(t, [*rest, k, j]):
                    self._apply((t, None, j), (t, h, k))
                    return True
        return False

    def _swap(self, t: int, h: int, ceiling: int) -> bool:
        """``h`` takes a shorter visit ``u`` of a newcomer ``k``, who takes ``h``'s seat on ``t``."""
        tasks = self.instance.tasks
        state = self.state
        days = tasks[t].days
        if days <= self.shortest:
            return False  # no visit is shorter
        for k in self._newcomers(t, ceiling, 1):
            for u in sorted(state.tasks_of[k], key=lambda u: (tasks[u].days, u)):
                shorter = tasks[u].days
                if shorter >= days:
                    break
                if state.load[k] + days - shorter >= ceiling:
                    continue
                if h in self._members(u) or h not in self.candidates[u] or not _movable(tasks[u]):
                    continue
                if not (state.free(k, t, ignore=u) and state.cap_ok(k, t, leaving=u)):
                    continue
                if not (state.free(h, u, ignore=t) and state.cap_ok(h, u, leaving=t)):
                    continue
                if self._allowed(t, self._replaced(t, h, k)) and self._allowed(u, self._replaced(u, k, h)):
                    self._apply((t, h, k), (u, k, h))
                    return True
        return False

    def _overlap(self, t: int, u: int) -> bool:
        a, b = self.state.span(t), self.state.span(u)
        return a.start < b.stop and b.start < a.stop

    def _chain(self, t: int, h: int, ceiling: int) -> bool:
        """A newcomer ``k`` busy at ``t``'s time, at their yearly cap in its year or too loaded to
        take it hands one of their visits ``u`` to a third expert ``j``; then ``k`` takes ``h``'s
        seat on ``t``."""
        tasks = self.instance.tasks
        state = self.state
        days = tasks[t].days
        for k in self._newcomers(t, ceiling + days, 1):
            self.work -= 1
            if self.work <= 0:
                return False
            if not self._allowed(t, self._replaced(t, h, k)):
                continue
            mine = sorted(state.tasks_of[k])
            clash = [u for u in mine if self._overlap(t, u)]
            if len(clash) > 1:
                continue
            if clash:
                given = clash
            elif not state.cap_ok(k, t):  # only the cap: any visit of theirs in the same year may go
                years = {y for y, _ in state.split(t)}
                given = [u for u in mine if years.intersection(y for y, _ in state.split(u))]
            elif state.load[k] + days >= ceiling:
                given = mine
            else:
                continue  # free, within the cap and light enough: the replace move would have taken them
            for u in given:
                if not _movable(tasks[u]) or state.load[k] + days - tasks[u].days >= ceiling:
                    continue
                if self.work <= 0:
                    return False
                if not (state.free(k, t, ignore=u) and state.cap_ok(k, t, leaving=u)):
                    continue
                if self._hand_over(u, k, h, ceiling):
                    self._apply((t, h, k))
                    return True
        return False

    def _eject(self, h: int, ceiling: int, pool_tasks: set[int]) -> bool:
        """An ejection chain, found breadth first: ``h`` hands a seat to ``b1``, who hands one of
        their own seats to ``b2``, and so on, until an expert takes a seat without handing one on.
        Every visit and every expert changes at most once; each expert on the chain is free for the
        seat taken (once the seat handed on is gone), within their cap, and ends below ``ceiling``.
        The search reaches each expert once, within the move's work (:data:`MOVE_WORK`)."""
        tasks = self.instance.tasks
        state = self.state
        # expert -> (the visit they would take, the expert they take it from)
        came: dict[int, tuple[int, int] | None] = {h: None}
        queue = [h]
        for a in queue:
            path = self._path(came, a)
            used = {t for t, _ in path}
            step = came[a]
            joining = step[0] if step is not None else None
            mine = sorted(
                (u for u in state.tasks_of[a] if u in pool_tasks and u not in used and _movable(tasks[u])),
                key=lambda u: (-tasks[u].days, u),
            )
            for u in mine:
                if joining is not None:
                    # ``a`` leaves ``u`` for ``joining``: free then, within the cap, below the ceiling
                    if state.load[a] + tasks[joining].days - tasks[u].days >= ceiling:
                        continue
                    if not (state.free(a, joining, ignore=u) and state.cap_ok(a, joining, leaving=u)):
                        continue
                for b in self._newcomers(u, ceiling + tasks[u].days, 0):
                    if b in came:
                        continue
                    self.work -= 1
                    if self.work < 0:
                        return False
                    if not self._allowed(u, self._replaced(u, a, b)):
                        continue
                    came[b] = (u, a)
                    if state.load[b] + tasks[u].days < ceiling and state.free(b, u) and state.cap_ok(b, u):
                        self._apply(*((t, out, into) for (t, out), into in self._chain_of(came, b)))
                        return True
                    queue.append(b)
        return False

    @staticmethod
    def _path(came: dict[int, tuple[int, int] | None], b: int) -> list[tuple[int, int]]:
        """The (visit, expert leaving it) steps that lead to ``b``, first step first."""
        out = []
        step = came[b]
        while step is not None:
            out.append(step)
            step = came[step[1]]
        return out[::-1]

    def _chain_of(self, came: dict[int, tuple[int, int] | None], b: int) -> list[tuple[tuple[int, int], int]]:
        """The steps to ``b`` with who takes each seat: ((visit, leaving), joining)."""
        path = self._path(came, b)
        joining = [out for _, out in path[1:]] + [b]
        return list(zip(path, joining, strict=True))

    def _hand_over(self, u: int, k: int, h: int, ceiling: int) -> bool:
        """``k``'s seat on ``u`` to an expert other than ``h`` who stays below ``ceiling``."""
        state = self.state
        for j in self._newcomers(u, ceiling, self.instance.tasks[u].days):
            self.work -= 1
            if j == h or not (state.free(j, u) and state.cap_ok(j, u)):
                continue
            if self._allowed(u, self._replaced(u, k, j)):
                self._apply((u, k, j))
                return True
        return False

    def affords_spread(self, pool_tasks: set[int]) -> bool:
        """Whether the work budget has room for :meth:`spread` on these visits (a start per day of
        their windows, the most it may look at)."""
        if self.until is None:
            return True
        tasks = self.instance.tasks
        cost = sum(hi - lo + 1 for t in pool_tasks for lo, hi in tasks[t].starts)
        return self.spent + cost < self.until

    def spread(self, pool_tasks: Sequence[int]) -> None:
        """The pool's movable visits, each with its team, moved towards an even spread over their
        windows (in the order of their starts), each to the start nearest its place where its team
        is free and within its caps, R10 and R9 kept. No load changes: this makes room for the
        moves, chiefly for experts whose yearly cap (R8) a plan crowded into one year leaves unused."""
        tasks = self.instance.tasks
        state = self.state
        order = sorted(
            (t for t in pool_tasks if t in state.plan and _movable(tasks[t]) and t not in self.linked),
            key=lambda t: (state.plan[t].start, t),
        )
        if len(order) < 2:
            return
        first = min(tasks[t].starts[0][0] for t in order)
        last = max(tasks[t].starts[-1][1] for t in order)
        for i, t in enumerate(order):
            self._move(t, first + (last - first) * i // (len(order) - 1))

    def _move(self, t: int, place: int) -> None:
        """Visit ``t`` with its team to the start nearest ``place`` where the team is free and within
        its caps (R10, R9 kept); left where it is when none is."""
        state = self.state
        task, a = self.instance.tasks[t], state.plan[t]
        old = state.wholly(t)
        starts = sorted(
            (w for lo, hi in self._window(t, old) for w in range(lo, hi + 1)),
            key=lambda w: (abs(w - place), w),
        )
        limit = self.instance.scenario.params.max_concurrent_visits
        self.spent += len(starts)
        state.detach(t)
        for w in starts:
            if w == a.start:
                break
            if (limit is None or max(state.running[w : w + task.days]) < limit) and all(
                state.free_at(k, w, task.days) and state.cap_at(k, w, task.days) for k in a.members
            ):
                state.attach(t, Assignment(w, a.members, a.leader, a.team))
                self.years.move(t, old, state.wholly(t))
                return
        state.attach(t, a)

    def _retime(self, t: int, h: int, ceiling: int) -> bool:
        """A newcomer busy at ``t``'s start, or at their cap in its year, takes ``h``'s seat, and the
        visit moves to the nearest start of its window where the whole new team is free and within
        its caps (R10 kept): in the same calendar year, or in another when every quota row counting
        the institution allows it (R9: :class:`Years`)."""
        tasks = self.instance.tasks
        state = self.state
        task, a = tasks[t], state.plan[t]
        if t in self.linked:
            return False
        old = state.wholly(t)
        window = self._window(t, old)
        newcomers = [
            k for k in self._newcomers(t, ceiling, task.days) if self._allowed(t, self._replaced(t, h, k))
        ]
        if not window or not newcomers:
            return False
        limit = self.instance.scenario.params.max_concurrent_visits
        starts = sorted(
            (w for lo, hi in window for w in range(lo, hi + 1)), key=lambda w: (abs(w - a.start), w)
        )
        self.spent += len(starts) * (1 + len(newcomers))
        staying = [m for m in a.members if m != h]
        state.detach(t)  # off the calendar while its new start is sought
        fits = [
            w
            for w in starts
            if (limit is None or max(state.running[w : w + task.days]) < limit)
            and all(state.free_at(m, w, task.days) and state.cap_at(m, w, task.days) for m in staying)
        ]
        for k in newcomers:
            for w in fits:
                if state.free_at(k, w, task.days) and state.cap_at(k, w, task.days):
                    team = [*staying, k]
                    leader = _leader(self.instance, team, a.leader, h)
                    state.attach(t, Assignment(w, tuple(sorted(team)), leader, a.team))
                    self.years.move(t, old, state.wholly(t))
                    return True
        state.attach(t, a)
        return False

    def _rebuild(self, t: int, h: int, ceiling: int, here: bool = False, through: bool = False) -> bool:
        """``h`` leaves visit ``t`` and its team is made anew, as the greedy makes one (a light leader,
        then the lightest members who cover the skills and the division of work), from the candidates
        free at a start, within their caps, and ending below ``ceiling`` (a member who stays keeps
        their load): at the visit's start first, then at starts spread over its window (another year
        when every quota row counting it allows, R9; R10 kept). It changes several seats at once, so
        it finds what the moves of one or two seats cannot: a scarce leader sitting as a plain member,
        a member who alone holds three skills, capped experts whose room is in another year.
        ``here``: at the visit's own start only (the other starts are tried after retiming).
        ``through``: at the visit's start, the new team may take one expert who reaches ``ceiling``
        by it or is at their yearly cap, who then leaves another visit of theirs, rebuilt the same
        way (a chain of two rebuilds: the only holders of a skill the new team needs may all be at
        the ceiling, or the only expert who lets a lighter leader lead may have no days left that
        year, but one of them can be spared elsewhere)."""
        tasks = self.instance.tasks
        state = self.state
        task, a = tasks[t], state.plan[t]
        old = state.wholly(t)
        # the visit's own start: tried by the rebuild ``here`` before the other moves, and the other
        # moves restore what they fail on, so the rebuild over the window starts past it
        starts = [a.start] if here or through else []
        if not (here or through) and t not in self.linked:
            others = []
            for lo, hi in self._window(t, old):
                step = max(1, (hi - lo) // (REBUILD_STARTS - 1))
                others += [w for w in range(lo, hi + 1, step) if w != a.start]
            starts += sorted(others, key=lambda w: (abs(w - a.start), w))
        if not starts:
            return False
        limit = self.instance.scenario.params.max_concurrent_visits
        days = task.days
        staying = set(a.members) - {h}
        choose = team_state(self.instance, state.load)
        state.detach(t)
        for w in starts:
            if self.exhausted():
                break
            if limit is not None and max(state.running[w : w + days]) >= limit:
                continue
            self.spent += len(self.candidates[t])
            light = []  # who may join: free, within their cap, ending below the ceiling
            tight = []  # who may join only if spared from another visit (``through``), each in turn
            for k in sorted(self.candidates[t]):
                if k == h or not state.free_at(k, w, days):
                    continue
                if state.load[k] + days < ceiling + (k in staying) and state.cap_at(k, w, days):
                    light.append(k)
                elif through and k not in staying and state.load[k] + days <= ceiling:
                    tight.append(k)  # would reach the ceiling, or is at their cap in that year
            # ``through`` tries each tight expert in turn (none: the team is the one the rebuild
            # ``here`` already failed on); otherwise one team from the light ones
            for extra in tight if through else [None]:
                members_from = light if extra is None else sorted([*light, extra])
                self.spent += REBUILD_WORK * len(members_from)  # the greedy's team building, in units
                picked = pool_team(choose, task, members_from)
                if picked is None:
                    continue
                leader, members = picked
                if not self._continuity(t, members):
                    continue
                state.attach(t, Assignment(w, tuple(sorted(members)), leader, a.team))
                if extra is not None and extra in members and not self._spare(extra, t, ceiling):
                    state.detach(t)
                    continue
                self.years.move(t, old, state.wholly(t))
                return True
        state.attach(t, a)
        return False

    def _spare(self, k: int, taken: int, ceiling: int) -> bool:
        """``k``, brought to ``ceiling`` or past their yearly cap by visit ``taken``, leaves one of
        their other visits at least as long (for the cap, one with at least as many days in each year
        they are over it), whose team is rebuilt at its start with everyone below the ceiling."""
        tasks = self.instance.tasks
        state = self.state
        cap = state.caps[k]
        # per year ``taken`` put ``k`` past their cap in, the days over it: the visit left must free
        # at least as many in each (a visit straddling New Year frees only its days in that year)
        over = {
            y: state.year_load[k].get(y, 0) - cap
            for y, _ in state.split(taken)
            if cap is not None and state.year_load[k].get(y, 0) > cap
        }
        mine = sorted(
            (
                u
                for u in state.tasks_of[k]
                if u != taken
                and _movable(tasks[u])
                and tasks[u].days >= tasks[taken].days
                and all(dict(state.split(u)).get(y, 0) >= n for y, n in over.items())
            ),
            key=lambda u: (-tasks[u].days, u),
        )
        return any(self._rebuild(u, k, ceiling, here=True) for u in mine)


def improve(
    instance: Instance,
    plan: dict[int, Assignment],
    pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    bounds: Sequence[int],
    targets: Sequence[QuotaTarget] | None = None,
    caps: Sequence[CapTarget] | None = None,
    work: Work | None = None,
    max_pairs: int | None = MAX_PAIRS,
    flatten: bool = False,
) -> dict[int, Assignment]:
    """``plan`` with each pool's heaviest load lowered where moves of members allow (module
    docstring); ``pools`` are (task indices, expert indices) as ``scheduler.pooling.pools`` gives them,
    ``bounds`` their lower bounds (a pool at its bound is left alone). ``targets`` and ``caps`` are
    R9's minimums and caps the plan must keep (default: the round's quota rows, and the caps'
    shares of ``scheduler.quota_caps``). ``work`` bounds the search and counts what it did: the
    pools above their bound share what is left of it in their order, each in proportion to its
    (visit, candidate) pairs times one plus its heaviest load's excess over its bound (relative to
    the bound), what one leaves going to those after it, and what is left at the end
    to the pools whose share ran out, again in their order. Pools of more than
    ``max_pairs`` pairs are left alone (None: none are). ``flatten``: then, on the work left,
    the pools still above their bound again, shared the same way, now relieving the next-heaviest
    experts when no move relieves the heaviest (module docstring): no pool ends heavier than
    without it, and unless some pool ends lighter the plan is the one without it. The same input
    gives the same output; tasks outside the plan are left out of it."""
    if targets is None:
        targets = quota_targets(instance)
    if caps is None:
        caps = caps_for(instance, list(instance.tasks))
    work = Work() if work is None else work
    if work.sized is not None:
        work.budget, work.sized = work.sized(len(instance.tasks) - len(plan)), None
    search = _Search(instance, plan, targets, caps)
    state = search.state
    todo = []  # (pool, its weight) of the pools the search works on
    for p, ((tasks, experts), bound) in enumerate(zip(pools, bounds, strict=True)):
        pairs = sum(len(instance.tasks[t].candidates) for t in tasks)
        if max_pairs is not None and pairs > max_pairs:
            continue
        heaviest = _heaviest(state, experts)
        if heaviest > bound:
            # its share: its size, times one plus how far above its bound it is relative to the bound
            # (in thousandths): a pool far above needs more moves (measured on the national 12,800
            # round: 13 pools above their bound after the start plan's search against 14; a share by
            # the excess alone left a 6,400 round's pool at 1.11 that the sizes alone bring down)
            excess = (heaviest - bound) * 1000 // max(1, bound)
            todo.append((p, max(1, pairs) * (1000 + excess)))
    _share(search, pools, bounds, todo, work)
    if flatten:  # then, with what is left, the flattening on the pools still above their bound
        search.flatten = True
        before = {p: _heaviest(state, pools[p][1]) for p, _ in todo}
        above = [(p, weight) for p, weight in todo if before[p] > bounds[p]]
        plain = dict(state.plan)
        _share(search, pools, bounds, above, work)
        if all(_heaviest(state, pools[p][1]) == before[p] for p, _ in above):
            # no lower load: the plan without the flattening's moves, which the next search may
            # start from (measured: a plan only rearranged at the same loads led a group's second
            # search of hospitals seed 25 to 35 days where it found 34 before)
            return plain
    return state.plan


def _heaviest(state: State, experts: Sequence[int]) -> int:
    return max((state.load[k] for k in experts), default=0)


def _share(
    search: _Search,
    pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    bounds: Sequence[int],
    todo: list[tuple[int, int]],
    work: Work,
) -> None:
    """The moves on the pools of ``todo`` (pool, weight), in their order, each on its share of what is
    left of ``work`` by weight, what one leaves going to those after it; then, again in their order,
    on what is left at the end, the pools whose share ran out above their bound."""
    waiting = sum(weight for _, weight in todo)
    stopped = []  # the pools whose share ran out above their bound
    for p, weight in todo:
        left = work.left()
        if left is not None:
            search.until = search.spent + left * weight // waiting
        waiting -= weight
        if not _pool(search, pools[p], bounds[p], work) and search.exhausted():
            stopped.append(p)
    for p in stopped:  # what the others left over, in the same order
        left = work.left()
        if not left:
            break
        search.until = search.spent + left
        _pool(search, pools[p], bounds[p], work)


def _pool(search: _Search, pool: tuple[Sequence[int], Sequence[int]], bound: int, work: Work) -> bool:
    """The moves on one pool, then a spread and the moves again if they stop above ``bound`` and the
    budget allows; whether the pool reached its bound. The work done is added to ``work``."""
    state = search.state
    tasks, experts = pool
    inside = {t for t in tasks if t in state.plan}
    people = sorted(experts)
    before = search.spent
    done = _lower(search, inside, people, bound)
    if not done and search.affords_spread(inside):
        search.spread(sorted(inside))
        done = _lower(search, inside, people, bound)
    work.spent += search.spent - before
    return done


def _lower(search: _Search, inside: set[int], people: list[int], bound: int) -> bool:
    """Moves on one pool until its heaviest load is at ``bound`` (True), no move helps or the work
    budget is spent: an expert no move relieved is tried again only after a pass over the others at
    that load, or the flattening (:func:`_flatten`), moved something."""
    state = search.state
    failed: set[int] = set()
    moved = False
    for _ in range(MOVES_PER_TASK * max(1, len(inside))):
        heaviest = _heaviest(state, people)
        if heaviest <= bound:
            return True
        if search.exhausted():
            return False
        top = [k for k in people if state.load[k] == heaviest and k not in failed]
        if not top:
            if not moved and not (search.flatten and _flatten(search, inside, people, heaviest)):
                return False
            failed.clear()
            moved = False
            continue
        if search.relieve(top[0], heaviest, inside):
            moved = True
        else:
            failed.add(top[0])
    return _heaviest(state, people) <= bound


def _flatten(search: _Search, inside: set[int], people: list[int], heaviest: int) -> bool:
    """Whether a move relieved one of the pool's experts below ``heaviest`` (the first
    :data:`FLATTEN_TRIES` of them with some load, heaviest first), every expert it touched kept below
    that expert's own load: room, next to the heaviest, for the seats the heaviest hand on."""
    load = search.state.load
    below = sorted((k for k in people if 0 < load[k] < heaviest), key=lambda k: (-load[k], k))
    for k in below[:FLATTEN_TRIES]:
        if search.exhausted():
            return False
        if search.relieve(k, load[k], inside):
            return True
    return False
