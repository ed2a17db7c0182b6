"""Near-duplicate detection: does a new submission describe the same problem as an open case at its station?

Texts are compared on their problem content, not their address: place spans, house numbers, PII placeholders
and filler are dropped, then a weighted overlap of *concepts* (a small lexicon of the problems constituents
raise, e.g. 窗户/窗子 → window, 漏风/往里灌 → leak) is blended with a char-bigram cosine; two different objects
(window vs heating) or two different faults of one object (cold vs leaking radiator) cut the score. Whether a
similar case may be joined is then gated on station, place, house numbers and topic/department.

Thresholds, from the paired set in tests/triage/test_dedupe.py (56 paraphrase pairs, 49 same-address pairs
with different problems): paraphrases score 0.43–0.94, 53 of them ≥ 0.58; the different-problem pairs score
0.00–0.48. AUTO_THRESHOLD = 0.58 sits a 0.1 margin above the highest negative; SUGGEST_THRESHOLD = 0.40 lets
the weaker paraphrases (sparse or unknown vocabulary) reach a person, at the cost of 3 of 49 negatives also
reaching review. Unknown vocabulary is the weak spot: extend _LEXICON, not the thresholds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import NamedTuple

from triage.trie import trie_pattern

AUTO_THRESHOLD = 0.58
SUGGEST_THRESHOLD = 0.4

_KIND_WEIGHTS = {"O": 2.0, "S": 1.5, "L": 1.0, "G": 0.5}
# concept kind: surfaces. O = object/facility (what is wrong), S = symptom, L = where in the building, G = generic.
# A surface listed under several concepts means all of them; under "-" it means none (shields a longer word).
_LEXICON = """
window O: 窗户 窗子 窗框 窗扇 窗玻璃 塑钢窗 楼道窗 窗 窗缝 玻璃
door O: 单元门 楼门 防盗门 铁门 门锁 门禁 关不上 关不严 锁不上 门坏
entrance L: 门口 大门 单元门口 单元门前 楼门口 门前 校门口
heating O: 暖气 暖汽 暖气片 暖器 供暖 供热 采暖 取暖 热力 地暖 散热器 锅炉 暖 取暖费 供热费 暖气费 室温不达标 暖气管
cold S: 不热 不暖和 冰凉 冰冷 冰手 冻 冷 冷风 室温 温度 度数 测温 棉袄 棉衣 凉 室温不达标 度
fee S: 费 收费 乱收费 缴费 交费 交钱 退费 涨价 贵 多收 价格 取暖费 供热费 暖气费 物业费 欠费
water O: 自来水 供水 二次供水 水压 水表 用水 停水 没水 没有水 没有自来水 不来水 没来水 断水 水龙头 水管 水质 黄水
leak S: 跑水 跑冒滴漏 漏 渗 灌 往里灌 进水 滴水 滴答 洇 返潮 泡 淹 湿 发霉 霉 漏气 漏风 漏雨 漏水 渗水 灌风
rain S: 雨 雨水 下雨 雨天 漏雨
wind S: 风 漏风 透风 灌风 刮风 进风 冷风 大风
sewer O: 下水道 下水 污水 排水 化粪池 下水井 地漏 马桶 脏水 返水 冒水
overflow S: 堵 堵塞 不通 憋 冒 返水 冒水 溢 漫 外溢
smell S: 臭 异味 味 气味 恶臭 臭味 熏 呛 煤气味 油烟 油烟味
manhole O: 井盖 井口 窨井 井圈 井 下水井 盖子 没盖 没有盖子 没盖子
missing S: 丢 丢失 偷 被偷 偷走 不见 缺失 没盖 没有盖子 没盖子
hole S: 坑 窟窿 洞 塌 塌陷 陷 坑洼 坑坑洼洼 大坑
light O: 灯 路灯 照明 灯泡 灯杆 楼道灯 声控灯
sign O: 站牌 指示牌 路牌 牌子 标识 标志 公交站牌
frequency S: 班次少 班次太少 车次少 车次太少 间隔 等半天 等半小时 等车 等不来 来不了
cleaning S: 打扫 卫生 保洁 清扫 扫 清理
occupy S: 占 占用 占道 占着 挡 挡道 堵着 停满 停满车
dark S: 黑 漆黑 黑灯瞎火 黑咕隆咚 看不见 看不清 摸黑 黑漆漆 黑乎乎 不亮
broken G: 坏 损坏 破 破损 失灵 不好使 不管用 故障 毛病 不亮 灭 停运
snow O: 雪 清雪 积雪 除雪 扫雪 雪堆 铲雪
ice S: 冰 结冰 冰面 冰溜子 冰溜 冰坨 冰包 冰凌 滑 打滑 出溜
fall S: 摔 摔倒 摔跤 跟头 崴脚 绊 掉下去 掉进
drop S: 掉 脱落 掉渣 砸 坠落 往下掉
elevator O: 电梯 直梯 轿厢 困人
stairwell L: 楼道 楼梯 楼梯间 单元门洞 门洞 走廊 过道 楼梯口 缓台 楼洞 楼道灯 楼道窗 声控灯
roof O: 楼顶 房顶 屋顶 顶楼 顶层 防水 天花板 棚顶 房盖 屋面
wall O: 外墙 墙皮 墙面 墙体 保温层 外保温 墙
garbage O: 垃圾 垃圾箱 垃圾桶 垃圾站 清运 杂物 乱扔 堆放 破烂
noise O: 噪音 噪声 吵 扰民 轰隆 动静 音响 跺 广场舞 电钻 嗡嗡 砸墙
night G: 半夜 深夜 夜里 夜间 晚上 凌晨
site L: 工地 工厂 车间 地下室
construction O: 施工 装修 打桩 搅拌 砸墙
parking O: 停车 车位 乱停 停放 停满 停满车 僵尸车
vehicle G: 车 车辆 汽车 私家车 停满车 僵尸车 破车
fire_lane O: 消防通道 消防 生命通道 着火 救火 消防车 救火车
traffic_signal O: 红绿灯 信号灯
traffic_jam O: 堵车 拥堵 塞车
bus O: 公交 公交车 公交站 站点 线路 班次 车次 末班 首班 班次少 班次太少 车次少 车次太少 公交站牌
property O: 物业 物业公司 物业费 保安 门卫 业委会
wage O: 工资 工钱 薪 欠薪 薪水 劳务费 血汗钱 讨薪
arrears S: 拖欠 欠 不给 没给 不给交 没交 没发 不发 拖着 讨要 赖账 欠薪 讨薪 没到账 不到账
social_ins O: 社保 养老保险 医保 医疗保险 五险 保险 参保 报销
pension O: 养老金 退休金 退休工资 退休费
dibao O: 低保 救助 困难补助 补助 补贴
elderly_care O: 养老院 敬老院 助餐 老年食堂 居家养老
disability O: 残疾 轮椅 无障碍
school O: 学校 学生 上学 入学 幼儿园 小学 中学 学区 老师 校门 补课
medical O: 医院 看病 挂号 诊所 住院 大夫 医生 药 卫生院 卫生服务中心 社区卫生
wait S: 排队 排半天 排长队 排半天队 等太久 等很久 太慢
shortage S: 不全 买不到 缺货 短缺 没货
no_response S: 没消息 没批 没人回话 没回音 没下文 没答复 不给办 拿不到 办不下来 没办下来 推来推去 推诿
crack S: 裂 裂缝 开裂 震裂
leash S: 拴绳 牵绳 不拴 不牵 绳
abandoned S: 僵尸车 废弃 没人动 轮胎瘪 轮胎都瘪 放了好几年
shelter O: 候车亭 遮雨棚 雨棚
bike_shed O: 车棚 自行车棚
driving S: 开车太猛 急刹 急刹车 开快车 司机
ebike O: 电动车 电瓶车
charging S: 充电 飞线
steps L: 台阶
ac O: 空调 外机 空调外机
gas O: 燃气 煤气 天然气 燃气表 漏气 煤气味
power O: 停电 断电 电压 电表 电线 电路 供电 没电 跳闸 打火 火花
outage S: 停水 停电 停气 断水 断电 断气 没水 没电 没气 没有水 没有自来水 不来水 没来水
pollution O: 油烟 烟 排烟 粉尘 扬尘 灰尘 烧烤 黑烟 污染 排放 油烟味
pests O: 老鼠 耗子 蟑螂 蚊子 苍蝇 虫
dog O: 狗 犬 遛狗 狗屎 宠物
tree O: 树 树枝 树木 枝子 修剪
cut S: 砍 锯 伐 砍伐
handrail O: 扶手 栏杆 护栏
fitness O: 健身器材 健身器械 器材 健身
water_heater O: 太阳能 热水器
loose S: 松 松动 晃 晃悠 摇晃 晃晃悠悠
vendor O: 摊贩 小贩 摊 摆摊 占道经营 夜市 早市 摊位
illegal_build O: 违建 违章 私搭乱建 乱搭 私建 彩钢房 扩建 搭建
housing O: 回迁 回迁房 棚改 房本 产权证 不动产证 房产证 安置 拆迁 廉租房 公租房 保障房
road O: 路面 马路 道路 人行道 便道 胡同 巷 过马路
crossing L: 路口 十字路口 交叉口
repair G: 修 维修 修理 修缮 抢修
risk G: 安全 隐患 危险 出事 提心吊胆 害怕
service O: 窗口 办事 办理 手续 审批 大厅
attitude O: 态度 骂人 脸色 爱答不理
food O: 食品 三无 过期食品 变质
expired S: 过期 到期 年检
toilet O: 公厕 厕所 卫生间
- X: 反映 反应 反馈 部门 电话 风险 作风 风气 黑龙江 出门 上门 冷漠 费劲 费事 浪费 热线 冰箱 车间 欠条
- X: 松花江 松北 扶着墙 扶墙 开窗 通知 不通知 没通知 睡不着
"""

_FILLER = """
您好 你好 请问 麻烦 谢谢 感谢 希望 尽快 早日 赶紧 抓紧 解决 处理 反映 反应 问题 情况 领导 相关部门 有关部门
政府 代表 帮忙 帮助 一下 我们 我家 俺家 咱们 住户 居民 大家 老百姓 这个 那个 一直 现在 已经 好几 多次 很多
非常 特别 实在 真是 根本 没人管 没有人管 无人管 没人 受不了 怎么办 能不能 可以 什么 时候 一点 有点 怎么
的 了 是 都 也 还 就 在 有 吧 啊 呢 吗 呀 嘛 着 很 太 把 被 给 让 我 你 他 她 这 那 个 啥 里 上 下 又
"""  # words every complaint uses: dropped before char bigrams

_MASK = re.compile(r"〔[^〔〕]{1,8}〕")
_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")}
# House numbers: 281号, 12号楼, 3栋, 三单元, 十二号楼 (never a date such as 11月5号, nor 这一栋 or 两栋楼).
_HOUSE = re.compile(
    r"(?<![\d月])(\d+)\s*(号楼(?![道梯])|号院|号|栋|幢|单元)"
    r"|(?<![这那每哪月一二三四五六七八九十])([一二三四五六七八九十]{1,3})(号楼(?![道梯])|号院|号|单元)"
)
_STREET_BEFORE_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,3}(?:大街|街|路|道)(?=\s*\d)")
_UNIT = {"号楼": "栋", "栋": "栋", "幢": "栋", "号院": "院", "号": "号", "单元": "单元"}
_SEGMENT = re.compile(r"[\u4e00-\u9fffa-z]+")


def _parse_lexicon(text: str) -> tuple[dict[str, frozenset[str]], dict[str, float], dict[str, str]]:
    surfaces: dict[str, set[str]] = {}
    kinds: dict[str, str] = {}
    for line in text.strip().splitlines():
        head, _, body = line.partition(":")
        concept, kind = head.split()
        for word in body.split():
            surfaces.setdefault(word, set())
            if concept != "-":
                surfaces[word].add(concept)
        if concept != "-":
            kinds[concept] = kind
    weights = {c: _KIND_WEIGHTS[k] for c, k in kinds.items()}
    return {w: frozenset(c) for w, c in surfaces.items()}, weights, kinds


_SURFACES, _WEIGHTS, _KINDS = _parse_lexicon(_LEXICON)


def _unary_masks(size: dict[str, int]) -> dict[str, int]:
    """Disjoint runs of ``size[c]`` one-bits, one run per concept (sorted by name)."""
    masks, at = {}, 0
    for c in sorted(size):
        masks[c] = ((1 << size[c]) - 1) << at
        at += size[c]
    return masks


_WEIGHT_BITS = _unary_masks({c: round(4 * w) for c, w in _WEIGHTS.items()})
_SQUARE_BITS = _unary_masks({c: round(16 * w * w) for c, w in _WEIGHTS.items()})
_OBJECTS = frozenset(c for c, k in _KINDS.items() if k == "O")
_SYMPTOMS = frozenset(c for c, k in _KINDS.items() if k == "S")
_CONCEPT_RE = re.compile(trie_pattern(_SURFACES))  # the longest surface at each position
_FILLER_RE = re.compile(trie_pattern(_FILLER.split()))


@dataclass(frozen=True)
class Signature:
    """What a text is compared on: its concepts (and which are objects, which symptoms), char bigrams, numbers.

    The concepts are also kept as bit masks with their summed weight,
    so that :func:`compare` weighs shared concepts by counting bits instead of walking sets: each concept owns
    4·weight bits of ``weight_bits`` and 16·weight² bits of ``square_bits`` (every weight is a multiple of 1/2)."""

    core: str
    concepts: frozenset[str]
    objects: frozenset[str]
    symptoms: frozenset[str]
    grams: frozenset[str]
    houses: tuple[tuple[str, str], ...]  # (unit, number), e.g. ("号", "281")
    concept_norm: float
    weight_bits: int
    square_bits: int
    concept_weight: float


def _house(match: re.Match[str]) -> tuple[str, str]:
    """('号楼', '十二') → ('栋', '12'): the kind of number and its value in digits."""
    digits, unit, chinese, cn_unit = match.groups()
    return _UNIT[unit or cn_unit], str(int(digits)) if digits else _cn_number(chinese)


def _cn_number(token: str) -> str:
    """'三' → '3', '十二' → '12', '二十三' → '23'; anything else (e.g. '十二三') stays as written."""
    tens, ten, ones = token.partition("十")
    try:
        if not ten:
            return "".join(str(_CN_DIGITS[ch]) for ch in token)
        return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    except KeyError:
        return token


def _strip_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each (merged) span replaced by a separator."""
    merged: list[list[int]] = []
    for start, end in sorted((max(s, 0), min(e, len(text))) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = text
    for start, end in reversed(merged):
        out = out[:start] + "|" + out[end:]
    return out


@lru_cache(maxsize=4096)
def _signature(text: str, spans: tuple[tuple[int, int], ...]) -> Signature:
    body = _MASK.sub("|", _strip_spans(text, spans)).lower()
    body = _STREET_BEFORE_NUMBER.sub("|", body)
    houses = tuple(sorted({_house(m) for m in _HOUSE.finditer(body)}))
    body = _HOUSE.sub("|", body)
    concepts = frozenset(c for m in _CONCEPT_RE.finditer(body) for c in _SURFACES[m.group()])
    grams: set[str] = set()
    for seg in _SEGMENT.findall(_FILLER_RE.sub("|", body)):
        grams.update([seg] if len(seg) == 1 else (seg[i : i + 2] for i in range(len(seg) - 1)))
    norm = sum(_WEIGHTS[c] ** 2 for c in concepts) ** 0.5
    core = "".join(_SEGMENT.findall(body))
    return Signature(core, concepts, concepts & _OBJECTS, concepts & _SYMPTOMS, frozenset(grams), houses, norm,
                     sum(_WEIGHT_BITS[c] for c in concepts), sum(_SQUARE_BITS[c] for c in concepts),
                     sum(_WEIGHTS[c] for c in concepts))


def signature(text: str, spans: Sequence[tuple[int, int]] = ()) -> Signature:
    """The precomputable part of a comparison (cached per text and spans)."""
    return _signature(text, tuple((int(s), int(e)) for s, e in spans))


def compare(a: Signature, b: Signature) -> float:
    """Similarity of two signatures, 0..1 (symmetric)."""
    if a.core and a.core == b.core:
        return 1.0
    concept = 0.0
    if a.concept_norm and b.concept_norm:
        # Shared weight and shared squared weight by counting bits: exact (multiples of 1/4 and 1/16).
        dot = (a.square_bits & b.square_bits).bit_count() / 16
        shared = (a.weight_bits & b.weight_bits).bit_count() / 4
        cosine = dot / (a.concept_norm * b.concept_norm)
        jaccard = shared / (a.concept_weight + b.concept_weight - shared)
        concept = (cosine + jaccard) / 2
    grams = 0.0
    if a.grams and b.grams:
        grams = len(a.grams & b.grams) / (len(a.grams) * len(b.grams)) ** 0.5
    if not (a.concepts or b.concepts):
        score = grams
    elif a.objects or b.objects:
        score = 0.9 * concept + 0.1 * grams
    else:
        score = 0.6 * concept + 0.4 * grams  # the lexicon does not know what is wrong: lean on the wording
    if a.objects and b.objects and not a.objects & b.objects:
        score *= 0.5  # two different things are wrong: a window is not the heating
    elif a.symptoms and b.symptoms and not a.symptoms & b.symptoms:
        score *= 0.6  # one thing, two different faults: cold radiators are not a leaking pipe
    return round(min(score, 1.0), 4)


def similarity(
    a: str, b: str, *, a_spans: Sequence[tuple[int, int]] = (), b_spans: Sequence[tuple[int, int]] = ()
) -> float:
    """How alike the problems two texts describe, 0..1, ignoring addresses and personal data (symmetric)."""
    if a == b and tuple(a_spans) == tuple(b_spans):
        return 1.0
    return compare(signature(a, a_spans), signature(b, b_spans))


class OpenCase(NamedTuple):  # a tuple: one is built per open case at every intake
    case_id: int
    number: str
    station_code: str
    topic: str
    department: str
    place: str | None  # most specific place name matched in its text, if any
    texts: tuple[str, ...]  # masked texts of its submissions (first one first); may be () when signatures are given
    signatures: tuple[Signature, ...] = ()  # optional: precomputed signature() of its texts, same order


@dataclass(frozen=True)
class Incoming:
    text: str
    station_code: str
    topic: str
    department: str
    place: str | None
    place_spans: tuple[tuple[int, int], ...] = ()  # spans of place names in text (to discount addresses)


@dataclass(frozen=True)
class DuplicateDecision:
    kind: str  # "join" | "suggest" | "new"
    case_id: int | None
    number: str | None
    similarity: float
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def _places_compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a in b or b in a


def _houses_conflict(a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]]) -> bool:
    """True when both sides give a number of the same kind (号, 栋, 单元 …) and none agree."""
    for unit in {u for u, _ in a} & {u for u, _ in b}:
        if not {n for u, n in a if u == unit} & {n for u, n in b if u == unit}:
            return True
    return False


def _name_spans(text: str, names: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where any of ``names`` occurs in ``text``."""
    spans = []
    for name in names:
        start = text.find(name)
        while start >= 0:
            spans.append((start, start + len(name)))
            start = text.find(name, start + len(name))
    return tuple(sorted(spans))


def _case_signatures(case: OpenCase, place_names: tuple[str, ...]) -> tuple[Signature, ...]:
    """The case's own signatures if it carries them, else its texts without its and the newcomer's place names."""
    if case.signatures:
        return case.signatures
    names = tuple(dict.fromkeys(n for n in (case.place, *place_names) if n))
    return tuple(signature(t, _name_spans(t, names)) for t in case.texts)


def _candidate(incoming: Incoming, case: OpenCase) -> bool:
    """A case at another station is compared only when both name the same place."""
    return case.station_code == incoming.station_code or (incoming.place is not None and incoming.place == case.place)


def _blockers(incoming: Incoming, inc_sig: Signature, case: OpenCase, sigs: Sequence[Signature]) -> list[str] | None:
    """Why this case may at most be suggested (empty: it may be joined); None: not a candidate at all."""
    if not _candidate(incoming, case):
        return None
    notes = []
    if case.station_code != incoming.station_code:
        notes.append(f"联络站不同（{case.station_code}）")
    if not _places_compatible(incoming.place, case.place):
        notes.append(f"地点不同（{incoming.place} / {case.place}）")
    if _houses_conflict(inc_sig.houses, [h for s in sigs for h in s.houses]):
        notes.append("门牌号不同")
    if incoming.topic != case.topic and incoming.department != case.department:
        notes.append(f"类别不同（{incoming.topic} / {case.topic}）")
    return notes


def decide(
    incoming: Incoming,
    open_cases: Sequence[OpenCase],
    *,
    auto: float = AUTO_THRESHOLD,
    suggest: float = SUGGEST_THRESHOLD,
) -> DuplicateDecision:
    """Join the best open case describing the same problem, suggest one for review, or open a new case.

    Joining needs similarity ≥ ``auto``, the same station, compatible places (equal, nested, or one unknown),
    no conflicting house numbers and the same topic or department. A candidate blocked only by one of those
    is suggested when it reaches ``auto``; an unblocked one between ``suggest`` and ``auto`` is suggested.
    Join beats suggest; then higher similarity; ties go to the lower case_id.
    """
    inc_sig = signature(incoming.text, incoming.place_spans)
    place_names = tuple(dict.fromkeys(incoming.text[s:e] for s, e in incoming.place_spans if 0 <= s < e))
    ranked: list[tuple[int, float, int, OpenCase, list[str]]] = []
    top = 0.0
    for case in open_cases:
        if not _candidate(incoming, case):
            continue
        sigs = _case_signatures(case, place_names)
        if not sigs:
            continue
        sim = compare(inc_sig, sigs[0]) if len(sigs) == 1 else max(compare(inc_sig, s) for s in sigs)
        top = max(top, sim)
        if sim < suggest:
            continue  # neither joined nor suggested, whatever blocks it
        notes = _blockers(incoming, inc_sig, case, sigs)
        if sim >= auto and not notes:
            ranked.append((2, sim, -case.case_id, case, notes))
        elif (sim >= auto and notes) or (suggest <= sim < auto and not notes):
            ranked.append((1, sim, -case.case_id, case, notes))
    if not ranked:
        return DuplicateDecision("new", None, None, top, f"未发现描述同一问题的在办案件（最高相似度 {top:.2f}）")
    level, sim, _, case, notes = max(ranked, key=lambda r: r[:3])
    if level == 2:
        return DuplicateDecision(
            "join", case.case_id, case.number, sim, f"与 {case.number} 描述同一问题（相似度 {sim:.2f}）"
        )
    extra = f"；{'；'.join(notes)}" if notes else ""
    reason = f"是否与 {case.number} 为同一问题？（相似度 {sim:.2f}{extra}）"
    return DuplicateDecision("suggest", case.case_id, case.number, sim, reason)
