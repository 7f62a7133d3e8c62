"""Follow-up visits (回头看, R15) as tasks of their own.

Which institutions get one: every one marked 是 in the ``followup`` column, and, when the round
asks for a share (``followup_share``), enough of the others, drawn with the solver's seed, that
``ceil(share × institutions to visit)`` have one — an institution marked 否 is neither drawn nor
counted. Each follow-up is a task of
``followup_days`` working days, staffed from the experts who may visit its institution (R6, R7;
no standing team and no required skill: a follow-up checks the rectification, not the five parts),
by ``followup_team_min``–``followup_team_max`` experts with one leader-eligible leader. It is linked
to its first visit by the general precedence of ``scheduler.precedence`` (``feedback_days +
rectify_days`` calendar days after the visit ends) and ends by ``followup_deadline``. Continuity
(one member of the first team on it) is posted by ``constraints.followups.add``; the greedy picks a
follow-up's team here (:func:`pick_team`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from scheduler.plan import Plan, Unscheduled, Visit
from scheduler.precedence import Precedence

if TYPE_CHECKING:
    from inputs.scenario import Scenario
    from scheduler.greedy import Assignment, GreedyState
    from scheduler.instance import Instance, Task
    from scheduler.replan import Change

KIND = "followup"


def designated(
    scenario: Scenario, seed: int, drawn: Collection[str] = (), drawable: Collection[str] | None = None
) -> list[str]:
    """Ids of the institutions that get a follow-up, in the order of the institutions sheet: those
    marked 是, then, for a share, those ``drawn`` before (a replan keeps its baseline's draw: adding
    an institution must not draw every follow-up anew, nor cancel an announced one) and as many
    others drawn with ``seed`` as the share still asks for (among ``drawable`` first when given: a replan
    draws institutions whose first visit leaves room for a follow-up, and others only where those are
    too few)."""
    candidates = [i for i in scenario.institutions if not i.exempt]
    chosen = {i.id for i in candidates if i.followup}
    share = scenario.params.followup_share
    open_to_it = [i for i in candidates if i.followup is not False]  # 否 opts an institution out
    want = math.ceil(share * len(open_to_it) - 1e-9) if share > 0 else 0
    if share > 0:
        kept = set(drawn)
        chosen.update(i.id for i in candidates if i.followup is None and i.id in kept)
    if want > len(chosen):
        free = sorted(i.id for i in candidates if i.followup is None and i.id not in chosen)
        # those with room first; where the share still asks for more, the others too: their follow-ups
        # are listed as left out with the reason (the deadline), as a fresh plan lists them, rather than
        # the share silently unmet (a replan whose added institution's visit ends too late for one)
        pools = [free] if drawable is None else [[i for i in free if i in drawable]]
        if drawable is not None:
            pools.append([i for i in free if i not in drawable])
        draw = random.Random(seed)
        for pool in pools:
            chosen.update(draw.sample(pool, min(max(0, want - len(chosen)), len(pool))))
    return [i.id for i in candidates if i.id in chosen]


def deadline(scenario: Scenario) -> date:
    """The last day a follow-up may take (``followup_deadline``, default the deadline)."""
    p = scenario.params
    return p.followup_deadline if p.followup_deadline is not None else p.deadline


def lag(scenario: Scenario) -> int:
    """Calendar days from the end of the first visit to the earliest start of its follow-up."""
    return scenario.params.feedback_days + scenario.params.rectify_days


def add_followups(
    instance: Instance, seed: int, drawn: Collection[str] = (), drawable: Collection[str] | None = None
) -> None:
    """Append a follow-up task after each designated institution's visit task, linked to it
    (:func:`designated`: ``drawn``, the institutions a share drew before; ``drawable``, those it may
    draw)."""
    from scheduler.instance import _start_ranges, lead_first

    scenario = instance.scenario
    p = scenario.params
    instance.followup_for = tuple(designated(scenario, seed, drawn, drawable))
    wanted = set(instance.followup_for)
    experts = instance.experts
    last = deadline(scenario)
    for task in [t for t in instance.tasks if t.kind == "visit" and t.inst.id in wanted]:
        first_end = instance.workdays[task.starts[0][0] + task.days - 1]
        lo = first_end + timedelta(days=lag(scenario))
        if instance.announce is not None:
            lo = max(lo, lead_first(scenario, instance.announce))
        ranges = _start_ranges(instance.workdays, lo, min(last, instance.workdays[-1]), p.followup_days)
        staff = task.candidates
        if not ranges or len(staff) < p.followup_team_min or not any(experts[k].leader for k in staff):
            continue  # left out, with the reason of :func:`reason`
        followup = replace(
            task,
            index=len(instance.tasks),
            days=p.followup_days,
            starts=tuple((a, b) for a, b, _ in ranges),
            start_years=tuple(y for _, _, y in ranges),
            candidates=staff,
            teams=(),
            team_members=(),
            skills=(),
            counts=(),
            one_part_each=False,
            team_min=p.followup_team_min,
            team_max=p.followup_team_max,
            team_staffed=False,
            kind=KIND,
            parent=task.index,
        )
        instance.tasks.append(followup)
        instance.precedences.append(Precedence(task.index, followup.index, lag(scenario), calendar=True))


def first_members(task: Task, plan: dict[int, Assignment]) -> set[int]:
    """Who made the first visit of a follow-up task (empty when it is not placed)."""
    if task.parent is None or task.parent not in plan:
        return set()
    return set(plan[task.parent].members)


def pick_team(
    state: GreedyState, task: Task, w: int, plan: dict[int, Assignment]
) -> tuple[int, tuple[int, ...]] | None:
    """A small, lightly loaded follow-up team free at ``w``: a leader, one member of the first team
    when continuity asks for it, then the least loaded up to ``team_min``; (leader, members)."""
    from scheduler.greedy import _cap_ok, _free

    experts = state.instance.experts
    free = [k for k in task.candidates if _free(state, k, w, task.days) and _cap_ok(state, k, w, task.days)]
    if len(free) < task.team_min:
        return None
    by_load = sorted(free, key=lambda k: (state.load[k], k))
    continuity = state.instance.scenario.params.followup_continuity
    first = first_members(task, plan)
    keepers = [k for k in by_load if k in first] if continuity else by_load
    for keeper in keepers:
        leader = keeper if experts[keeper].leader else None
        if leader is None:
            leader = next((k for k in by_load if experts[k].leader and k != keeper), None)
        if leader is None:
            continue
        team = [leader] if leader == keeper else [leader, keeper]
        team += [k for k in by_load if k not in team][: max(0, task.team_min - len(team))]
        if task.team_min <= len(team) <= task.team_max:
            return leader, tuple(sorted(team))
    return None


def reason(instance: Instance, inst_id: str, plan: dict[int, Assignment]) -> str:
    """Why the follow-up of ``inst_id`` was left out, its first visit being planned (Chinese)."""
    scenario = instance.scenario
    p = scenario.params
    inst = scenario.institution_by_id[inst_id]
    label = f"{inst.name}（{inst.id}）"
    last = deadline(scenario)
    visit = next((t for t in instance.tasks if t.kind == "visit" and t.inst.id == inst_id), None)
    if visit is not None and visit.index in plan:
        end = instance.workdays[plan[visit.index].start + visit.days - 1]
        earliest = end + timedelta(days=lag(scenario))
        if earliest > last or not any(earliest <= day <= last for day in instance.workdays):
            # past the deadline, or only holidays and weekends left between the two (Spring Festival)
            why = "已超过该日期" if earliest > last else f"此后至 {last.isoformat()} 已没有工作日"
            return (
                f"【R15 回头看】{label}的回头看须在 {last.isoformat()} 前完成，但首次巡查于 "
                f"{end.isoformat()} 结束，其后 {lag(scenario)} 天（反馈 {p.feedback_days} 天 + 整改 "
                f"{p.rectify_days} 天）为 {earliest.isoformat()}，{why}。"
                "建议：提前首次巡查、缩短反馈或整改期限，或推迟回头看截止日期（followup_deadline）。"
            )
    staff = visit.candidates if visit is not None else ()
    if len(staff) < p.followup_team_min or not any(instance.experts[k].leader for k in staff):
        return (
            f"【R15 回头看】{label}可派出的专家不足 {p.followup_team_min} 人或其中没有可任组长者，"
            "组不成回头看巡查组。"
        )
    text = (
        f"【R15 回头看】{label}的首次巡查已安排，但在反馈和整改期限之后、{last.isoformat()} 之前，"
        "找不到一段可用专家都有空的工作日"
    )
    if p.followup_continuity:
        text += "（回头看组须至少保留一名首次巡查的组员，这些组员在此期间均无空档或已达年度上限）"
    return text + "。建议：推迟回头看截止日期（followup_deadline），或将回头看保留原组员设为 否。"


def left_out(instance: Instance, plan: dict[int, Assignment]) -> tuple[Unscheduled, ...]:
    """An ``unscheduled`` entry of kind ``followup`` for each designated institution whose first
    visit is planned and whose follow-up is not."""
    visit_of = {t.inst.id: t.index for t in instance.tasks if t.kind == "visit"}
    followup_of = {t.inst.id: t.index for t in instance.tasks if t.kind == KIND}
    out = []
    for inst_id in instance.followup_for:
        if visit_of.get(inst_id) not in plan or followup_of.get(inst_id) in plan:
            continue
        out.append(Unscheduled(inst_id, (reason(instance, inst_id, plan),), "R15", kind=KIND))
    return tuple(out)


# -- replanning (SPEC §5): a follow-up moves with its visit; a started one is frozen ----------------


def replanned(
    scenario: Scenario, baseline: Plan, visits: tuple[Visit, ...], today: date, seed: int
) -> tuple[tuple[Visit, ...], tuple[Unscheduled, ...]]:
    """The follow-ups of a replanned round whose first visits are ``visits``.

    A follow-up that started before ``today`` is kept word for word (R13). Another one is kept when
    it still holds beside every other visit (its visit may have moved). Else, with as little change
    as the replan's weights ask of first visits (a date moved weighs more than a member changed):
    on its own date with the members who can still come and the fewest others in the places of those
    who cannot (:func:`_mended`); else its team on the nearest date that holds; else a team picked by
    the greedy's rules on the nearest such date — a moved or new follow-up no earlier than
    ``notice_days`` after ``today`` (R13) and the feedback and rectification days after its visit
    (R15). A follow-up that no longer fits is listed, with its reason, and its first visit kept.
    Follow-ups yield to first visits: these are replanned first.
    """
    from scheduler.greedy import Assignment, _new_state
    from scheduler.instance import build_instance

    before = {v.institution: v for v in baseline.visits if v.kind == KIND}
    drawn = before.keys() | {u.institution for u in baseline.unscheduled if u.kind == KIND}
    firsts = {v.institution: v for v in visits if v.kind == "visit"}
    last = deadline(scenario)
    room = {i for i, v in firsts.items() if v.end + timedelta(days=lag(scenario)) <= last}
    instance = build_instance(scenario, followups=True, seed=seed, drawn=drawn, drawable=room)
    state = _new_state(instance)
    expert_idx = instance.expert_index()

    def span(v: Visit) -> tuple[int, int]:
        lo = instance.index_of(v.start)
        return lo, max(lo, instance.index_of(v.end + timedelta(days=1)) - 1)

    def occupy(v: Visit) -> None:
        lo, hi = span(v)
        for e in v.members:
            k = expert_idx.get(e)
            if k is None:
                continue
            for x in range(lo, min(hi + 1 + state.rest, len(state.busy[k]))):
                state.busy[k][x] = 1
            state.load[k] += hi - lo + 1
            for year, n in instance.split(lo, hi - lo + 1):
                state.year_load[k][year] = state.year_load[k].get(year, 0) + n
        for x in range(lo, min(hi + 1, len(state.concurrent))):
            state.concurrent[x] += 1

    for v in visits:
        occupy(v)
    cap = scenario.params.max_concurrent_visits
    notice_from = instance.index_of(today + timedelta(days=scenario.params.notice_days))
    out: list[Visit] = []
    left: list[Unscheduled] = []
    tasks = sorted(
        (t for t in instance.tasks if t.kind == KIND and t.inst.id in firsts),
        key=lambda t: (firsts[t.inst.id].start, t.inst.id),
    )
    # each first visit as an assignment of its task (its first working day, its members): what the
    # follow-ups are placed after, and what :func:`left_out` reads
    visit_task = {t.inst.id: t.index for t in instance.tasks if t.kind == "visit"}
    planned = {
        visit_task[i]: Assignment(span(v)[0], tuple(expert_idx[e] for e in v.members if e in expert_idx), 0)
        for i, v in firsts.items()
        if i in visit_task
    }
    started = [v for v in before.values() if v.start < today]
    for v in started:
        occupy(v)
        out.append(v)
    for task in tasks:
        inst_id = task.inst.id
        old = before.get(inst_id)
        if old is not None and old.start < today:
            continue
        first = firsts[inst_id]
        plan = {task.parent: planned[task.parent]} if task.parent is not None else {}
        after_first = max(instance.index_of(first.end + timedelta(days=lag(scenario))), task.starts[0][0])
        # an announced follow-up that still holds stays, its notice given when it was announced; a
        # follow-up placed anew or moved gives notice from today (R13)
        earliest = max(notice_from, after_first)
        if old is not None and _still_holds(instance, state, task, old, first, after_first, cap):
            occupy(old)
            out.append(old)
            continue
        placed = None
        if old is not None:
            placed = _mended(state, task, old, after_first, plan, cap)
        starts = [w for a, b in task.starts for w in range(max(a, earliest), b + 1)]
        if old is not None:  # the nearest the announced date first, then the earlier
            day = old.start.toordinal()
            starts.sort(key=lambda w: (abs(instance.workdays[w].toordinal() - day), w))
        if placed is None and old is not None:
            for w in starts:
                moved = replace(old, start=instance.workdays[w], end=instance.workdays[w + task.days - 1])
                if _still_holds(instance, state, task, moved, first, earliest, cap):
                    placed = (w, (expert_idx[old.leader], tuple(expert_idx[e] for e in old.members)))
                    break
        for w in starts if placed is None else ():
            if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
                continue
            picked = pick_team(state, task, w, plan)
            if picked is not None:
                placed = (w, picked)
                break
        if placed is None:
            if old is not None or inst_id in instance.followup_for:
                left.append(Unscheduled(inst_id, (reason(instance, inst_id, plan),), "R15", kind=KIND))
            continue
        w, (leader, members) = placed
        ids = sorted(instance.experts[k].id for k in members if k != leader)
        visit = Visit(
            institution=inst_id,
            start=instance.workdays[w],
            end=instance.workdays[w + task.days - 1],
            days=task.days,
            leader=instance.experts[leader].id,
            members=(instance.experts[leader].id, *ids),
            kind=KIND,
        )
        occupy(visit)
        out.append(visit)
    # a designated institution whose follow-up has no possible start at all (no task) is listed too,
    # as a fresh plan lists one (:func:`left_out`, on the first visits' starts)
    done = {v.institution for v in out} | {u.institution for u in left}
    left += [u for u in left_out(instance, planned) if u.institution not in done]
    return tuple(out), tuple(left)


def _start_of(instance: Instance, task: Task, visit: Visit, earliest: int) -> int | None:
    """The working-day index ``visit`` starts on when its dates fit ``task`` (working days, its
    length, its window, no earlier than ``earliest``); else None."""
    w = instance.index_of(visit.start)
    if w >= instance.horizon or instance.workdays[w] != visit.start or w < earliest:
        return None
    if not any(a <= w <= b for a, b in task.starts) or w + task.days > instance.horizon:
        return None
    return w if instance.workdays[w + task.days - 1] == visit.end else None


def _mended(
    state: GreedyState,
    task: Task,
    old: Visit,
    earliest: int,
    plan: dict[int, Assignment],
    cap: int | None,
) -> tuple[int, tuple[int, tuple[int, ...]]] | None:
    """The announced follow-up ``old`` on its own date with its team mended: the members who may and
    can still come stay (its leader leading while he stays), and the fewest others, the least loaded
    first, take the places needed for a leader, one of the first team (continuity) and the smallest
    team; (start, (leader, members)), or None when its date no longer holds (before ``earliest``, out
    of its window, the office's cap) or no such team fits within the largest team."""
    from scheduler.greedy import _cap_ok, _free

    instance = state.instance
    experts = instance.experts
    expert_idx = instance.expert_index()
    w = _start_of(instance, task, old, earliest)
    if w is None or (cap is not None and max(state.concurrent[w : w + task.days]) >= cap):
        return None

    def can(k: int) -> bool:
        return k in task.candidates and _free(state, k, w, task.days) and _cap_ok(state, k, w, task.days)

    team = [k for e in old.members if (k := expert_idx.get(e)) is not None and can(k)]
    others = sorted(
        (k for k in task.candidates if k not in team and can(k)), key=lambda k: (state.load[k], k)
    )
    first = first_members(task, plan)
    if instance.scenario.params.followup_continuity and not first & set(team):
        keeper = next((k for k in others if k in first), None)
        if keeper is None:
            return None
        team.append(keeper)
    leader = expert_idx.get(old.leader)
    if leader not in team or not experts[leader].leader:  # gone, or no longer one who may lead
        leader = min((k for k in team if experts[k].leader), key=lambda k: (state.load[k], k), default=None)
    if leader is None:
        leader = next((k for k in others if experts[k].leader and k not in team), None)
        if leader is None:
            return None
        team.append(leader)
    team += [k for k in others if k not in team][: max(0, task.team_min - len(team))]
    if not task.team_min <= len(team) <= task.team_max:
        return None
    return w, (leader, tuple(sorted(team)))


def _still_holds(
    instance: Instance,
    state: GreedyState,
    task: Task,
    old: Visit,
    first: Visit,
    earliest: int,
    cap: int | None,
) -> bool:
    """Whether the announced follow-up ``old`` may stay: after ``earliest``, inside its window, its
    members free and within their caps, its leader one who may lead, the round's team sizes, one of
    the first team on it (continuity), the office's cap."""
    from scheduler.greedy import _cap_ok, _free

    expert_idx = instance.expert_index()
    w = _start_of(instance, task, old, earliest)
    if w is None:
        return False
    members = [expert_idx.get(e) for e in old.members]
    if any(k is None or k not in task.candidates for k in members):
        return False
    leader = expert_idx.get(old.leader)
    if leader is None or not instance.experts[leader].leader:
        return False
    if not task.team_min <= len(members) <= task.team_max:  # the round's sizes may have changed
        return False
    if not all(
        _free(state, k, w, task.days) and _cap_ok(state, k, w, task.days) for k in members if k is not None
    ):
        return False
    if instance.scenario.params.followup_continuity and not set(old.members) & set(first.members):
        return False
    return cap is None or max(state.concurrent[w : w + task.days]) < cap


def first_visits_of(plan: Plan) -> Plan:
    """``plan`` without its follow-ups (visits and left-out entries of kind ``followup``)."""
    return replace(
        plan,
        visits=tuple(v for v in plan.visits if v.kind != KIND),
        unscheduled=tuple(u for u in plan.unscheduled if u.kind != KIND),
    )


def with_followups(scenario: Scenario, baseline: Plan, plan: Plan, today: date, seed: int) -> Plan:
    """The replanned ``plan`` (first visits only) with its follow-ups, the baseline's announcement
    day (R14: the new and moved visits keep R13 from ``today``) and the milestones of its visits."""
    from scheduler.milestones import milestones

    given = baseline.stats.get("seed")
    chosen_seed = given if isinstance(given, int) and not isinstance(given, bool) else seed
    extra, left = replanned(scenario, baseline, plan.visits, today, chosen_seed)
    visits = tuple(sorted((*plan.visits, *extra), key=lambda v: (v.start, v.institution, v.kind)))
    announced = baseline.announced if baseline.announced is not None else scenario.params.start
    status = plan.status
    if left and status in ("optimal", "feasible"):
        status = "partial"
    return replace(
        plan,
        status=status,
        visits=visits,
        unscheduled=(*plan.unscheduled, *left),
        announced=announced,
        milestones=milestones(scenario.params, visits, announced),
    )


def changes(scenario: Scenario, baseline: Plan, plan: Plan) -> list[Change]:
    """The change list's rows for follow-ups (回头看): moved, members swapped, added or cancelled."""
    from scheduler.replan import Change, _visit_text, visit_change
    from scheduler.replan.baseline import absences, unavailable

    old = {v.institution: v for v in baseline.visits if v.kind == KIND}
    new = {v.institution: v for v in plan.visits if v.kind == KIND}
    old_first = {v.institution: v for v in baseline.visits if v.kind != KIND}
    new_first = {v.institution: v for v in plan.visits if v.kind != KIND}
    absent = absences(scenario)
    rows: list[Change] = []
    for inst_id in sorted(old.keys() | new.keys()):
        before, after = old.get(inst_id), new.get(inst_id)
        why = unavailable(scenario, before, absent) if before is not None else []
        was, now = old_first.get(inst_id), new_first.get(inst_id)
        if was is not None and now is not None and (was.start, was.end) != (now.start, now.end):
            why.append("首次巡查已改期，回头看须在其反馈和整改期限之后")
        if (
            before is not None
            and now is not None
            and scenario.params.followup_continuity
            and not set(before.members) & set(now.members)
        ):
            why.append("首次巡查的组员已调整，回头看须至少保留一名首次巡查的组员")
        inst = scenario.institution_by_id.get(inst_id)
        if inst is not None and before is None and inst.followup:
            why.append("机构已标为需回头看")
        elif inst is not None and after is None and inst.followup is False:
            why.append("机构已标为不做回头看")
        elif before is None and scenario.params.followup_share > 0:
            why.append(f"按回头看比例（{scenario.params.followup_share:.0%}）增加的回头看")
        reason = "；".join(why) or "回头看随首次巡查或专家安排的调整而调整"
        if before is not None and after is None:
            text = "回头看：" + _visit_text(scenario, before)
            rows.append(Change(inst_id, "cancelled", text, "", reason, followup=True))
        elif before is None and after is not None:
            text = "回头看：" + _visit_text(scenario, after)
            rows.append(Change(inst_id, "added", "", text, reason, followup=True))
        elif before is not None and after is not None:
            change = visit_change(scenario, inst_id, before, after, reason, "回头看：")
            if change is not None:
                rows.append(change)
    return rows
