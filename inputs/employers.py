"""R6: which institution of the round an expert's 工作单位 names (SPEC §2 R6, §3).

Planners type employers as they speak: ``市人民医院`` for 太原市人民医院, ``市七院`` for
重庆市第七人民医院. A recusal missed because of spelling is the worst error the tool can make, so
the text is resolved when the scenario is read:

* it *names* an institution when, after NFKC, case and white space are ignored, it equals the
  institution's id, its name or one of its ``aliases`` (别名), or a name that differs from one of
  those only by the round's place prefix: leading places may be dropped (``人民医院``), and the last
  one kept may be cut to its level (``市人民医院``);
* it is *ambiguous* when it names more than one institution (``人民医院`` with both 太原市人民医院
  and 小店区人民医院), and a *near miss* when it is close to a name without naming it: a difflib ratio
  of at least 0.8 on the names without their places (``太原人民医院``, ``市人民医``), one character
  changed, a department (``市人民医院检验科``) or a short form (``市二院`` for 太原市第二人民医院). Both
  are input errors listing the candidates and asking for the id;
* otherwise it names *no institution of the round* (市卫健委, 山西医科大学, another district's hospital):
  accepted, and listed by :func:`review` for the planner to check. A text ending in ``（外单位）`` is
  always taken as such: the planner's way out of a near miss that really is another unit.

Places come from the round itself, not a gazetteer: the districts of the sheets, the places at the
start of the round's name and of the institutions' names (``山西省``, ``太原市``), each also without its
level (``太原``). A place the text names that the institution's name does not (``长寿区人民医院`` against
巴南区人民医院) makes them different institutions. Institutions that differ by an ordinal (第一/第二人民
医院) are never near misses of each other. Pure: no files, no reader types.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inputs.scenario import Scenario

NEAR_RATIO = 0.8  # difflib ratio of the place-stripped names at or above which a text is a near miss
MAX_LISTED = 6  # candidates named in one message

# Levels of a place, longest first; a bare level (``市``) may stand for the round's own place.
_LEVELS = ("自治区", "自治州", "自治县", "自治旗", "省", "市", "区", "县", "旗")
_BARE_LEVELS = frozenset("省市区县")
# A place at the start of a name: two to five characters and a level. Characters that end a
# street, town or institution never belong to a place's stem (``木洞镇社区`` is no district).
_LEADING_PLACE = re.compile(r"[\u4e00-\u9fff]{2,5}?(?:自治区|自治州|自治县|自治旗|[省市区县旗])")
_NOT_IN_STEM = frozenset("镇乡街道村社院校医")
_ORDINAL = re.compile(r"第[一二三四五六七八九十百零〇两0-9]+")
# The planner's word that a text near an institution's name is another unit: 太原市妇幼保健所（外单位）.
_EXTERNAL_MARK = re.compile(r"\((?:外单位|非受检机构)\)$")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """How employer texts, names and ids are compared: NFKC, case-folded, without white space."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class Named:
    """An institution as resolution sees it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()

    def label(self) -> str:
        return f"{self.id}（{self.name}）"


@dataclass(frozen=True)
class Resolution:
    """What an employer text names.

    ``how`` is ``id``, ``name``, ``alias`` or ``place`` (resolved: ``institution`` is its id),
    ``ambiguous`` or ``near`` (an input error; ``candidates`` lists the institutions it may mean), or
    ``external`` (no institution of the round).
    """

    text: str
    how: str
    institution: str | None = None
    candidates: tuple[Named, ...] = ()

    @property
    def employer(self) -> str:
        """What the Scenario carries: the institution's id, or the text itself."""
        return self.institution if self.institution is not None else self.text

    def problem(self) -> tuple[str, str] | None:
        """(reason, expected) in Chinese when the text cannot be used, else ``None``."""
        if self.how not in ("ambiguous", "near"):
            return None
        listed = "、".join(c.label() for c in self.candidates[:MAX_LISTED])
        if len(self.candidates) > MAX_LISTED:
            listed += f" 等 {len(self.candidates)} 家"
        example = self.candidates[0].id
        if self.how == "ambiguous":
            return (
                f"可能指多家受检机构：{listed}",
                f"请改填其中一家机构的编号（机构表“编号”列），如 {example}",
            )
        return (
            f"与受检机构的名称相近但不一致，可能是：{listed}",
            f"请改填该机构的编号（机构表“编号”列），如 {example}；"
            "若不是本轮受检机构，请填写该单位含地名的全称，或在名称后注明“（外单位）”",
        )


@dataclass(frozen=True)
class _Place:
    text: str  # as it appears: 太原市, 太原, or a bare level 市
    stem: str  # the place without its level: 太原 (a bare level: "")
    kind: str  # "full" (with its level), "stem" (without) or "bare" (only the level)

    @property
    def level(self) -> str:
        return self.text[len(self.stem) :]


def _stem(place: str) -> str:
    for level in _LEVELS:
        if place.endswith(level) and len(place) > len(level):
            return place[: -len(level)]
    return place


def _leading_places(text: str) -> list[str]:
    """The places at the start of a normalised name: 山西省太原市人民医院 → 山西省, 太原市."""
    places: list[str] = []
    position = 0
    while match := _LEADING_PLACE.match(text, position):
        place = match.group()
        if _NOT_IN_STEM & set(_stem(place)) or match.end() == len(text):
            break
        places.append(place)
        position = match.end()
    return places


@dataclass
class _Form:
    """One name or alias of an institution, split into its leading places and the rest."""

    index: int
    places: tuple[_Place, ...]
    core: str


@dataclass
class Resolver:
    """Resolves employer texts against the institutions of one round.

    ``districts`` are the district names of the sheets; ``round_name`` the round's name, whose
    leading places (``太原市``) every institution is taken to share.
    """

    institutions: Sequence[Named]
    districts: Iterable[str] = ()
    round_name: str = ""
    _places: dict[str, _Place] = field(default_factory=dict, init=False)
    _longest: int = field(default=0, init=False)
    _ids: dict[str, int] = field(default_factory=dict, init=False)
    _exact: dict[str, dict[int, str]] = field(default_factory=dict, init=False)
    _cores: dict[str, list[_Form]] = field(default_factory=dict, init=False)
    _grams: dict[str, dict[int, list[str]]] = field(default_factory=dict, init=False)
    _gram_counts: dict[str, int] = field(default_factory=dict, init=False)
    _chars: dict[str, set[str]] = field(default_factory=dict, init=False)
    _longest_core: int = field(default=0, init=False)
    _round: tuple[_Place, ...] = field(default=(), init=False)
    _cache: dict[str, Resolution] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        names = [normalise(n) for inst in self.institutions for n in (inst.name, *inst.aliases)]
        round_name = normalise(self.round_name)
        for district in self.districts:
            self._add_place(normalise(district))
        for name in [*names, round_name]:
            for place in _leading_places(name):
                self._add_place(place)
        self._round = tuple(self._places[p] for p in _leading_places(round_name))
        cores: dict[str, list[_Form]] = defaultdict(list)
        for index, inst in enumerate(self.institutions):
            self._ids.setdefault(normalise(inst.id), index)
            for how, name in [("name", inst.name), *(("alias", a) for a in inst.aliases)]:
                text = normalise(name)
                if not text:
                    continue
                self._exact.setdefault(text, {}).setdefault(index, how)
                places, core = self._split(text)
                cores[core].append(_Form(index, places, core))
        self._cores = dict(cores)
        self._longest_core = max(map(len, self._cores), default=0)
        grams: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        for core in self._cores:
            for gram in _bigrams_of(core):
                grams[gram][len(core)].append(core)
        self._grams = {gram: dict(by_length) for gram, by_length in grams.items()}
        self._gram_counts = {gram: sum(map(len, by_length.values())) for gram, by_length in grams.items()}
        chars: dict[str, set[str]] = defaultdict(set)
        for core in self._cores:
            for char in core:
                chars[char].add(core)
        self._chars = dict(chars)

    def _add_place(self, place: str) -> None:
        if not place:
            return
        stem = _stem(place)
        if stem == place:  # a district written without its level (巴南)
            self._places.setdefault(place, _Place(place, place, "stem"))
        else:
            self._places[place] = _Place(place, stem, "full")
            if len(stem) >= 2:
                self._places.setdefault(stem, _Place(stem, stem, "stem"))
        self._longest = max(self._longest, len(place))

    def _split(self, text: str) -> tuple[tuple[_Place, ...], str]:
        """A normalised name's leading places and the rest (``太原市人民医院`` → [太原市], 人民医院)."""
        places: list[_Place] = []
        position = 0
        while position < len(text) - 1:
            place = self._place_at(text, position)
            if place is None:
                break
            places.append(place)
            position += len(place.text)
        return tuple(places), text[position:]

    def _place_at(self, text: str, position: int) -> _Place | None:
        for length in range(min(self._longest, len(text) - position - 1), 1, -1):
            place = self._places.get(text[position : position + length])
            if place is not None:
                return place
        match = _LEADING_PLACE.match(text, position)
        if match and match.end() < len(text) and not _NOT_IN_STEM & set(_stem(match.group())):
            return _Place(match.group(), _stem(match.group()), "full")  # a place of no sheet
        if position == 0 and text[0] in _BARE_LEVELS and not _places_end(text, 0):
            return _Place(text[position], "", "bare")
        return None

    # -- resolving ------------------------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        """What ``text`` (an employer as typed) names; see the module docstring."""
        key = normalise(text)
        if key not in self._cache:
            self._cache[key] = self._resolve(text, key)
        cached = self._cache[key]
        return (
            cached
            if cached.text == text
            else Resolution(text, cached.how, cached.institution, cached.candidates)
        )

    def _resolve(self, text: str, key: str) -> Resolution:
        if _EXTERNAL_MARK.search(key):
            return Resolution(text, "external")
        if key in self._ids:
            return Resolution(text, "id", self.institutions[self._ids[key]].id)
        exact = self._exact.get(key, {})
        if exact:
            return self._named(text, sorted(exact), how=next(iter(exact.values())))
        places, core = self._split(key)
        matched = sorted({f.index for f in self._cores.get(core, ()) if self._fits(places, f, exact=True)})
        if matched:
            return self._named(text, matched, how="place")
        near = self._near(places, core)
        if near:
            return Resolution(text, "near", candidates=tuple(self.institutions[i] for i in near))
        return Resolution(text, "external")

    def _named(self, text: str, indices: list[int], how: str) -> Resolution:
        if len(indices) == 1:
            return Resolution(text, how, self.institutions[indices[0]].id)
        return Resolution(text, "ambiguous", candidates=tuple(self.institutions[i] for i in indices))

    def _fits(self, places: tuple[_Place, ...], form: _Form, *, exact: bool) -> bool:
        """Whether a text's leading places may stand for those of ``form``'s name.

        The text's places must be the last ones of the name's (the round's places first when the
        name leaves them out); the first kept may be cut to its level (``市``) and, for a near miss
        (``exact`` false), written without it (``太原``).
        """
        own = {p.stem for p in form.places}
        chain = [p for p in self._round if p.stem not in own] + list(form.places)
        extra = len(places) - len(chain)
        if extra > 0:  # broader places the name leaves out (山西省太原市人民医院 for 太原市人民医院)
            stems = {p.stem for p in chain}
            if any(p.kind != "full" or p.stem in stems for p in places[:extra]):
                return False
            places = places[extra:]
        for n, (typed, named) in enumerate(zip(places, chain[len(chain) - len(places) :], strict=True)):
            if typed.text == named.text:
                continue
            if typed.kind == "bare" and n == 0 and named.kind == "full" and typed.text == named.level:
                continue
            if named.kind == "bare" and typed.level == named.text and typed in self._round:
                continue  # 重庆市七院 for the alias 市七院 in a round of 重庆市
            if typed.stem and typed.stem == named.stem and (named.kind == "stem" or not exact):
                continue
            return False
        return True

    def _near(self, places: tuple[_Place, ...], core: str) -> list[int]:
        """Institutions whose name the text is close to without naming it, closest first."""
        scored: dict[int, float] = {}
        typed = self._strip_stems(core)
        for other in self._similar_cores(typed) | self._abbreviated(typed):
            stripped = self._strip_stems(other)
            ratio = difflib.SequenceMatcher(None, typed, stripped).ratio()
            if not (_near_core(typed, stripped, ratio) or _abbreviates(typed, stripped)):
                continue
            for form in self._cores[other]:
                if self._fits(places, form, exact=False):
                    scored[form.index] = max(scored.get(form.index, 0.0), ratio)
        return sorted(scored, key=lambda i: (-scored[i], self.institutions[i].id))

    def _strip_stems(self, core: str) -> str:
        """A core without leading places written without their level (太原人民医院 → 人民医院)."""
        position = 0
        while position < len(core) - 1:
            place = self._place_at(core, position)
            if place is None or place.kind == "bare":
                break
            position += len(place.text)
        return core[position:]

    def _abbreviated(self, core: str) -> set[str]:
        """Cores holding every character of ``core`` and ending like it (see :func:`_abbreviates`)."""
        if not 2 <= len(core) < self._longest_core:
            return set()
        found = set(self._chars.get(core[-1], ()))
        for char in sorted(set(core[:-1]), key=lambda c: len(self._chars.get(c, ()))):
            found &= self._chars.get(char, set())
            if not found:
                break
        return {other for other in found if other.endswith(core[-1])}

    def _similar_cores(self, core: str) -> set[str]:
        """Cores that may be near ``core``: of a length that allows it, sharing at least half of its
        two-character pieces (so each shares one of its rarest), or leading it (a department)."""
        found = {
            core[:n] for n in range(3, min(len(core), self._longest_core) + 1) if core[:n] in self._cores
        }
        if len(core) > self._longest_core * 3 // 2:
            return found  # longer than any name it could be near (a long text costs nothing more)
        grams = sorted(_bigrams_of(core), key=lambda g: self._gram_counts.get(g, 0))
        need = max(1, len(grams) // 2)
        shortest, longest = math.ceil(len(core) * 2 / 3), math.floor(len(core) * 3 / 2)
        for gram in grams[: len(grams) - need + 1]:
            for length, others in self._grams.get(gram, {}).items():
                if shortest <= length <= longest:
                    found.update(other for other in others if len(_bigrams_of(other) & set(grams)) >= need)
        return found


def _abbreviates(typed: str, other: str) -> bool:
    """Whether ``typed`` may be a short form of ``other``: its characters in order, ending alike
    (二院 or 市二院 for 第二人民医院, 疾控中心 for 疾病预防控制中心)."""
    if not 2 <= len(typed) < len(other) or typed[-1] != other[-1]:
        return False
    if any(number[1:] not in typed for number in _ORDINAL.findall(other)):
        return False  # 人民医院 is no short form of 第七人民医院
    rest = iter(other)
    return all(char in rest for char in typed)


def _near_core(typed: str, other: str, ratio: float) -> bool:
    """Whether two place-stripped names are close enough to be one institution mistyped."""
    if _ORDINAL.findall(typed) != _ORDINAL.findall(other):
        return False  # 第一人民医院 and 第二人民医院 are different hospitals
    department = len(other) >= 3 and typed.startswith(other)  # 人民医院检验科
    return ratio >= NEAR_RATIO or department or _one_changed(typed, other)


def _one_changed(typed: str, other: str) -> bool:
    """One character typed wrong in a name of four or more (人民醫院 for 人民医院)."""
    return len(typed) == len(other) >= 4 and sum(a != b for a, b in zip(typed, other, strict=True)) == 1


def _places_end(text: str, position: int) -> bool:
    """Whether a level character at ``position`` is followed only by another level (市区)."""
    return position + 1 >= len(text) or text[position + 1] in _BARE_LEVELS


def _bigrams_of(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


# -- for the planner to review -----------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """Experts who share one employer text: not an institution of the round (``institution`` None),
    or one that was recognised from a short name or alias (``institution`` its id)."""

    text: str
    institution: str | None
    experts: tuple[str, ...]


def review(scenario: Scenario) -> list[Review]:
    """Employers the planner should look at, in the order of the experts sheet: texts that name no
    institution of the round first, then texts recognised as an institution other than by its id or
    exact name."""
    external: dict[str, list[str]] = defaultdict(list)
    recognised: dict[tuple[str, str], list[str]] = defaultdict(list)
    for expert in scenario.experts:
        if not expert.employer:
            continue
        inst = scenario.institution_by_id.get(expert.employer)
        if inst is None:
            external[expert.employer].append(expert.id)
            continue
        typed = expert.employer_text or expert.employer
        if normalise(typed) not in (normalise(inst.id), normalise(inst.name)):
            recognised[(typed, inst.id)].append(expert.id)
    return [Review(text, None, tuple(ids)) for text, ids in external.items()] + [
        Review(text, inst_id, tuple(ids)) for (text, inst_id), ids in recognised.items()
    ]
