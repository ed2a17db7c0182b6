"""Locate a message: find gazetteer places and district names in its text and decide which station covers it.

Rules of ``PlaceIndex.locate``: the most specific mention wins (社区/小区/村/road with a house number > road or
landmark > 街道/镇/乡 > district); a name shared by places of several districts is settled by a district named in
the text, else by another place of one of those districts, else the result is "ambiguous"; places that contradict
the district the text names give way to it; a district alone gives its default station; nothing gives the intake
station ("intake") or "none".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from classifier.normalize import normalize
from triage.trie import trie_pattern

DEFAULT_REGISTRY_DIR = Path(__file__).resolve().parent.parent / "training_data" / "registry"

DISTRICT_KINDS = frozenset({"区", "县", "市", "区县"})
ROAD_KINDS = frozenset({"路", "道路"})
KIND_RANK = {"社区": 4, "小区": 4, "村": 4, "路": 3, "道路": 3, "地标": 3, "街道": 2, "镇": 2, "乡": 2, "乡镇": 2}
NUMBERED_RANK = 4  # a road followed by a house number is as specific as a 社区
DISTRICT_RANK = 1

_NUMBER = re.compile(r"\s?[0-9一二三四五六七八九十百零〇]+号?(?:\s?[-—–~～至到]\s?[0-9]+)?\s?号")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Surfaces of at most two characters ("工大", "林大") count only after a non-Han character or one of these, else
# they are most likely inside another word (员工大会, 森林大火).
_OPEN_BEFORE = frozenset("在到去往从至近住于和与及或、的是靠离临对回来经由进出达抵赴找映过说")
# A short district name ("南岗", "尚志") counts before one of these words …
_SHORT_AFTER_STRICT = ("公安分局", "分局", "人民法院", "法院", "检察院", "城区", "辖区", "客运站")
# … and, unless it is also a common word, after a verb of place, or after a word boundary and before a word of
# place ("在南岗", "我们尚志的", "道外那边"; but not "楼道里的").
_SHORT_BEFORE = frozenset("在去回到从住来往至赴离")
_PLACE_WORDS = ("这", "那", "一带", "段", "老家", "本地", "人", "城", "市区", "县城", "山里", "农村", "乡下", "片区")
_SHORT_AFTER = (*_PLACE_WORDS, "地区", "境内", "方向", "的", "、", ",", "和")
_COMMON_WORDS = frozenset({"平房", "方正"})  # 住平房 (a bungalow), 方正 (upright)
_COMMON_PHRASES = frozenset({"平房区"})  # also "a bungalow quarter" (老旧平房区): checked like a short surface
# After a township ending in 乡, 乡村/乡亲 are words of their own ("幸福乡村"), unless 村 starts 村民/村委 ….
_XIANG_WORD_NEXT = frozenset("亲愁音土")
_XIANG_VILLAGE_OK = frozenset("民委干支里两")


@dataclass(frozen=True)
class PlaceEntry:
    name: str
    kind: str
    district: str
    station_code: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DistrictEntry:
    code: str
    name: str
    default_station_code: str | None


@dataclass(frozen=True)
class PlaceMatch:
    name: str
    kind: str
    district: str
    station_code: str  # "" for a district without a default station
    start: int
    end: int
    surface: str

    @property
    def is_district(self) -> bool:
        return self.kind in DISTRICT_KINDS

    @property
    def rank(self) -> int:
        if self.is_district:
            return DISTRICT_RANK
        if self.kind in ROAD_KINDS and self.surface.endswith("号"):
            return NUMBERED_RANK
        return KIND_RANK.get(self.kind, 2)


@dataclass(frozen=True)
class Location:
    station_code: str | None
    district: str | None
    method: str  # "place" | "district" | "intake" | "ambiguous" | "none"
    evidence: tuple[PlaceMatch, ...]
    reason: str
    candidates: tuple[str, ...] = ()

    @property
    def needs_review(self) -> bool:
        return self.method in ("ambiguous", "none")

    def to_dict(self) -> dict:
        return {
            "station_code": self.station_code,
            "district": self.district,
            "method": self.method,
            "evidence": [asdict(m) for m in self.evidence],
            "reason": self.reason,
            "candidates": list(self.candidates),
            "needs_review": self.needs_review,
        }


@dataclass(frozen=True)
class _Target:
    """What a surface can mean: a PlaceMatch without its span."""

    name: str
    kind: str
    district: str
    station_code: str


Group = list[PlaceMatch]  # the readings of one span (several when a name is shared by districts)


def _stations(group: Group) -> list[str]:
    return sorted({m.station_code for m in group})


def _rank(group: Group) -> int:
    return max(m.rank for m in group)


def _first_in(hits: Iterable[PlaceMatch], district: str) -> PlaceMatch | None:
    return next((m for m in hits if m.district == district), None)


class PlaceIndex:
    """Every name and alias of the gazetteer and the districts, compiled once into one regex."""

    def __init__(
        self,
        surfaces: dict[str, tuple[_Target, ...]],
        short: frozenset[str],
        defaults: dict[str, str | None],
        station_names: Mapping[str, str],
    ) -> None:
        self._surfaces = surfaces
        self._short = short
        self._defaults = defaults
        self._station_names = dict(station_names)
        self._pattern = re.compile(trie_pattern(surfaces))

    @classmethod
    def build(
        cls,
        places: Iterable[PlaceEntry],
        districts: Iterable[DistrictEntry],
        *,
        station_names: Mapping[str, str] | None = None,
    ) -> PlaceIndex:
        """Index ``places`` and ``districts``; ``station_names`` (code → name) only makes reasons readable."""
        found: dict[str, dict[_Target, None]] = {}
        for p in places:
            target = _Target(p.name, p.kind, p.district, p.station_code)
            for surface in {normalize(s) for s in (p.name, *p.aliases)} - {""}:
                found.setdefault(surface, {})[target] = None
                if surface.endswith("街道"):  # 抚顺街道办事处, 抚顺街道办
                    found.setdefault(surface + "办事处", {})[target] = None
                    found.setdefault(surface + "办", {})[target] = None
        defaults: dict[str, str | None] = {}
        short: dict[str, _Target] = {}
        for d in districts:
            name = normalize(d.name)
            defaults[name] = d.default_station_code
            target = _Target(name, name[-1] if name[-1] in DISTRICT_KINDS else "区", name, d.default_station_code or "")
            found.setdefault(name, {})[target] = None
            if len(name) >= 3:
                short[name[:-1]] = target
        for s, target in short.items():
            if s not in found:  # a place of that name is never read as a district
                found[s] = {target: None}
        surfaces = {s: tuple(sorted(t, key=lambda x: (x.district, x.station_code, x.name))) for s, t in found.items()}
        return cls(
            surfaces,
            frozenset(s for s in short if surfaces[s][0].kind in DISTRICT_KINDS),
            defaults,
            station_names or {},
        )

    @classmethod
    def from_registry_files(cls, folder: Path | None = None) -> PlaceIndex:
        """Build from districts.json, gazetteer.json and stations.json (default training_data/registry)."""
        folder = folder or DEFAULT_REGISTRY_DIR

        def load(name: str) -> list[dict]:
            return json.loads((folder / name).read_text(encoding="utf-8"))

        places = [
            PlaceEntry(g["name"], g["kind"], g["district"], g["station"], tuple(g.get("aliases", ())))
            for g in load("gazetteer.json")
        ]
        districts = [DistrictEntry(d["code"], d["name"], d.get("default_station")) for d in load("districts.json")]
        names = {s["code"]: s["name"] for s in load("stations.json")}
        return cls.build(places, districts, station_names=names)

    def _accept(self, text: str, start: int, end: int, surface: str) -> bool:
        """False for hits that are most likely part of another word."""
        before = text[start - 1] if start else ""
        after = text[end : end + 4]
        boundary = not _HAN.match(before) or before in _OPEN_BEFORE or before in "们家市"
        if surface in self._short:
            if after.startswith(_SHORT_AFTER_STRICT):
                return True
            return surface not in _COMMON_WORDS and (
                before in _SHORT_BEFORE or (boundary and after.startswith(_SHORT_AFTER))
            )
        short = len(surface) <= 2 and self._surfaces[surface][0].kind not in DISTRICT_KINDS
        if (short or surface in _COMMON_PHRASES) and not boundary:
            return False
        if surface.endswith("乡") and after:
            return after[0] not in _XIANG_WORD_NEXT and (after[0] != "村" or after[1:2] in _XIANG_VILLAGE_OK)
        return True

    def find(self, text: str) -> list[PlaceMatch]:
        """All non-overlapping mentions, leftmost first and longest at each position.

        A name shared by several places (中山路 in two districts) gives one PlaceMatch per place, same span.
        A road followed by a house number (抚顺街281号) has the number in its span and surface.
        """
        out: list[PlaceMatch] = []
        pos = 0
        while (m := self._pattern.search(text, pos)) is not None:
            start, end = m.span()
            surface = m.group()
            if not self._accept(text, start, end, surface):
                pos = start + 1
                continue
            # "抚顺街道路" is the road 抚顺街 and the word 道路, not the 街道.
            if surface.endswith("街道") and text[end : end + 1] == "路" and surface[:-1] in self._surfaces:
                surface, end = surface[:-1], end - 1
            targets = self._surfaces[surface]
            if any(t.kind in ROAD_KINDS for t in targets) and (num := _NUMBER.match(text, end)):
                end = num.end()
            out.extend(
                PlaceMatch(t.name, t.kind, t.district, t.station_code, start, end, text[start:end]) for t in targets
            )
            pos = end
        return out

    def locate(self, text: str, *, intake_station: str | None = None) -> Location:
        """Decide the station for ``text`` (already normalized); the rules are in the module docstring."""
        spans: dict[tuple[int, int], Group] = {}
        for m in self.find(text):
            spans.setdefault((m.start, m.end), []).append(m)
        named = [g[0] for g in spans.values() if g[0].is_district]
        named_set = {m.district for m in named}
        places = [g for g in spans.values() if not g[0].is_district]
        settled = {g[0].district for g in places if len(_stations(g)) == 1}
        readings: list[tuple[Group, PlaceMatch | None]] = []  # (group, the hit that settled a shared name)
        for g in places:
            why = None
            if len(_stations(g)) > 1:
                keep = [m for m in g if m.district in named_set] or [m for m in g if m.district in settled]
                if keep:
                    g = keep
                    why = _first_in(named, g[0].district) or next(
                        (h[0] for h in places if len(_stations(h)) == 1 and h[0].district == g[0].district), None
                    )
            readings.append((g, why if len(_stations(g)) == 1 else None))
        consistent = [(g, why) for g, why in readings if any(m.district in named_set for m in g)]
        if not readings or (named and not consistent):
            stray = max((g for g, _ in readings), key=_rank, default=None)
            return self._by_district(named, intake_station, stray)
        pool = consistent or readings
        top = max(_rank(g) for g, _ in pool)
        best = [(g, why) for g, why in pool if _rank(g) == top]
        single = [(g, why) for g, why in best if len(_stations(g)) == 1]
        if not single:
            hits = tuple(m for g, _ in best for m in g)
            where = "、".join(dict.fromkeys(m.district for m in hits))
            said = "”“".join(dict.fromkeys(m.surface for m in hits))
            return Location(
                None,
                None,
                "ambiguous",
                hits,
                f"文中“{said}”在{where}都有，无法确定归哪个站点，需人工确认",
                tuple(sorted({s for g, _ in best for s in _stations(g)})),
            )

        def support(item: tuple[Group, PlaceMatch | None]) -> tuple[int, int]:
            d = item[0][0].district
            return sum(1 for g, _ in pool if g[0].district == d) + (d in named_set), -item[0][0].start

        chosen, why = max(single, key=support)
        hit = chosen[0]
        label = self._label(hit.station_code)
        if why is not None:
            reason = f"文中提到“{hit.surface}”，据文中“{why.surface}”判断在{hit.district}，归{label}"
            evidence = (hit, why)
        else:
            reason = f"文中提到“{hit.surface}”（{hit.district}），归{label}"
            evidence = (hit,) if (n := _first_in(named, hit.district)) is None else (n, hit)
        return Location(hit.station_code, hit.district, "place", tuple(sorted(evidence, key=lambda m: m.start)), reason)

    def _by_district(self, named: list[PlaceMatch], intake: str | None, stray: Group | None) -> Location:
        """Decide by the districts named alone; ``stray`` is the readings of a place that contradicts them."""
        if not named:
            if intake:
                return Location(intake, None, "intake", (), "未识别到地名，按受理站点处理")
            return Location(None, None, "none", (), "未识别到地名，也没有受理站点，需人工指定站点")
        districts = list(dict.fromkeys(m.district for m in named))
        if len(districts) > 1:  # which one the message is about is a guess (a coin flip on the corpus)
            return Location(
                None,
                None,
                "ambiguous",
                tuple(named),
                f"文中提到{'、'.join(districts)}，没有更具体的地名，无法确定归哪个区县，需人工确认",
                tuple(s for d in districts if (s := self._defaults.get(d))),
            )
        district = districts[0]
        hit = _first_in(named, district)
        assert hit is not None
        default = self._defaults.get(district) or hit.station_code or None
        said = f"“{hit.surface}”" if hit.surface == district else f"“{hit.surface}”（{district}）"
        if default is None:
            return Location(None, district, "ambiguous", (hit,), f"文中提到{said}，该区县没有默认站点，需人工指定")
        if stray is None:
            reason = f"文中提到{said}，没有更具体的地名，按该区县默认站点{self._label(default)}处理"
            return Location(default, district, "district", (hit,), reason)
        where = "、".join(dict.fromkeys(m.district for m in stray))
        reason = (
            f"文中提到{said}，文中的“{stray[0].surface}”在{where}，与之不符，以写明的区县为准，"
            f"按该区县默认站点{self._label(default)}处理"
        )
        evidence = tuple(sorted((hit, *stray), key=lambda m: (m.start, m.district)))
        return Location(default, district, "district", evidence, reason, (default, *_stations(stray)))

    def _label(self, code: str) -> str:
        return self._station_names.get(code) or f"站点 {code}"
