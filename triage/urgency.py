"""Priority (紧急 / 较急 / 一般) of a message from what its text says: hazards, outages, people at risk, repeats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

URGENT, PRESSING, NORMAL = "紧急", "较急", "一般"
LEVELS = (NORMAL, PRESSING, URGENT)

# --- lexicon, matched on normalized (simplified, half-width) text ------------------------------------------------
# Safety, in three strengths, each entry (reason, pattern):
#   ACUTE_HAZARDS   紧急 by themselves;
#   HAZARDS         紧急 when the message asks for someone at once (COME_NOW) or it happened just now (JUST_NOW);
#   HARMS           (someone hurt, water in, "太危险") 紧急 only when it happened just now;  otherwise 较急.

ACUTE_HAZARDS: tuple[tuple[str, str], ...] = (
    (
        "燃气泄漏",
        r"(?:燃气|煤气|天然气|液化气)(?:管道?|罐|表|阀门?|灶)?.{0,3}(?:泄漏|泄露|漏气|跑气)(?!报警|风险)"
        r"|(?:管道?|罐|表|阀门?|灶|接口).{0,3}漏(?:燃|煤|天然)?气|(?:燃气|煤气|天然气|液化气)味",
    ),
    ("漏电", r"漏电|电线.{0,4}(?:裸露|打火|冒火花|耷拉|掉下|垂到|泡在)|(?:电箱|电表箱|配电箱).{0,6}(?:打火|冒烟|烧)"),
    ("井盖缺失", r"井盖.{0,6}(?:丢|没了|缺|不见|碎|塌|翻|松动|被偷)|(?:没有|没|缺)了?井盖|井口.{0,4}敞"),
    ("电梯困人", r"电梯.{0,6}困(?:人|住)|困在电梯|电梯.{0,6}(?:突然|直接)?(?:下坠|坠落|溜梯|冲顶)"),
)
HAZARDS: tuple[tuple[str, str], ...] = (
    (
        "起火冒烟",
        r"起火|着火|失火|火灾|冒烟|火苗|烧起来|爆炸|火星|易燃|汽油|液化气罐|插线板|私拉.{0,2}电线|飞线"
        r"|(?:楼道|走廊|屋里|家里).{0,6}(?:给)?电(?:动车|瓶车?)充电",
    ),
    ("有毒气体", r"中毒|毒气|有毒气体|一氧化碳"),
    (
        "房屋坍塌开裂",
        r"坍塌|塌(?:了|陷|方)|(?:墙|楼|房|梁|柱|屋顶|顶棚|天棚)(?:体|面|皮)?.{0,4}(?:开裂|裂缝|裂开|倾斜)"
        r"|危楼|危房|随时.{0,4}(?:倒|塌)",
    ),
    ("高空坠物", r"高空坠物|冰溜子|冰挂|掉下来|往下掉|砸(?:到|在|伤)"),
    ("危险化学品", r"危化品|危险化学品|炸药|雷管|烟花爆竹"),
)
HARMS: tuple[tuple[str, str], ...] = (
    ("有人受伤", r"骨折|受伤|摔伤|撞伤|烫伤|咬伤|流血|缝了.{0,3}针|抢救|送(?:到)?医院"),
    ("水淹倒灌", r"淹了|被淹|水淹|倒灌|漫进|灌进"),
    (
        "存在危险",
        r"太危险|非常危险|特别危险|很危险|后果不堪设想|不敢想|出人命|人命关天|(?:别|不要)等(?:到)?出了?事"
        r"|万一.{0,12}(?:出事|伤|死|砸)|随时(?:可能)?(?:会)?出事|提心吊胆|安全隐患|差一点|险些|幸亏|幸好|后怕",
    ),
)

# Outages: (kind, reason, severe, pattern). A severe heating outage in the heating season is 紧急 by itself.
OUTAGES: tuple[tuple[str, str, bool, str], ...] = (
    (
        "heating",
        "停暖",
        True,
        r"(?<!月)停暖(?!后|以后|之后|就)|(?:没有|没)(?:暖气|供暖|供热)(?!的)|(?:还没|没|不)(?:来暖|开始供热|开栓|给热)"
        r"|暖气(?:片)?.{0,4}(?:冰凉|凉的|凉凉)|家里?(?:冰凉|跟冰窖)"
        r"|(?:室温|家里|屋里)(?:温度)?(?:只有|才|就|不到)?(?:[0-9]|10|[一二三四五六七八九十])度",
    ),
    (
        "heating",
        "暖气不热",
        False,
        r"暖气(?:片)?.{0,4}(?:不热|不太热|温乎|不够热)|(?:室温|家里|屋里)(?:温度)?(?:只有|才|就|不到)?"
        r"(?:1[1-6]|十[一二三四五六])度",
    ),
    ("water", "停水", False, r"停水|断水|(?:没有|没)(?:自来)?水(?:用|喝|了)|水龙头.{0,4}(?:不出水|没水)|不来水"),
    (
        "power",
        "停电",
        False,
        r"停电|断电|(?:家里|楼里|屋里|整栋楼|小区|村里|屯里)(?:都|也)?(?:没有|没)电|(?:没有|没)电(?:用|可用)",
    ),
)
# An outage threatened, planned or habitual ("再不交就停水", "明天计划停电") is not happening now.
NOT_NOW = r"(?:要|就|会|将|准备|计划|通知|预计|威胁|怕|一修就|以后|明天|后天|下周)(?:给)?.{0,6}$"
OUTAGE_RESOLVED = r"(?:已经|已|现在|昨天|今天)(?:恢复|来暖|来水|来电|通水|通电|热了|修好)"
LONG_SPELL = r"(?:[三四五六七八九十]|好几|几|[3-9]|[1-9][0-9])\s*天|一?个?多?(?:星期|礼拜|周|月)|半个月"
STILL_GOING = r"已经|连续|都|一直|至今|到现在"

PERSON_ALONE = r"独居|空巢|孤寡|孤老|五保户|无儿无女|孤身一人|一个人(?:住|生活|过)"
ELDERLY_OR_ILL = r"老人|老太太|老大爷|老奶奶|老爷子|瘫痪|卧床|失能|残疾|坐轮椅|重病|[七八九]十多?岁"
NOBODY_CARES = r"一个人|独自|无人照顾|没人照顾|无人照料|没人管|身边没人|(?:子女|儿女).{0,4}(?:不在|外地)"
# People an outage or hazard hurts most (not "老人" in general: most messages mention one).
FRAIL = r"瘫痪|卧床|失能|坐轮椅|重病|透析|制氧机|孕妇|婴儿|新生儿|刚出生|[八九]十多?岁"

REPEATED = (
    r"多次(?:反映|投诉|举报|打电话|反应|找|联系|报修|上访)|反复(?:反映|投诉|找|打电话)"
    r"|(?:打了|打过|找了|找过|反映了|反映过|投诉了|投诉过)(?:好几|多|无数|不下|[三四五六七八九十几\d]+)\s*[十几]?次"
    r"|(?:一直|始终|至今|到现在(?:也|还)?)(?:没人管|没人处理|无人管|没有人管)|再次反映|又一次反映|不是第一次"
    r"|(?:至今|到现在|到今天)(?:还|也|仍|仍然)?(?:没|未)(?:解决|处理|修|答复|回复)"
)
# Left waiting for months ("拖了三个多月了"): 较急 on its own.
LONG_WAIT = (
    r"(?:已经|都|快|过去|拖了|等了)[^，,。]{0,4}(?:[一二两三四五六七八九十几半]|[0-9])+个多?月"
    r"|个多?月(?:了|过去了|还没|都没)"
)


# "Come now": a plea for immediate action; "just now": it is happening or happened in the last day or two.
_AT_ONCE = r"(?:马上|立即|立刻|赶紧|赶快|火速|尽快)"
COME_NOW = (
    rf"(?:请|希望|恳请|麻烦|能不能|能否|务必|必须|得|要求|求)[^，,。.!！?？]{{0,6}}{_AT_ONCE}"
    rf"|{_AT_ONCE}(?:派|来|处理|查|修|管|解决|采取|整改|清|抢修|排查|救|制止|拆|封|关|停)"
    r"|刻不容缓|快来|快派|求求|救救"
)
JUST_NOW = r"昨天|前天|今天|刚才|昨晚|今早|此刻|眼下"
# A plea that the matter not wait: 较急 on its own.
PLEA = f"{COME_NOW}|尽快|恳请|帮帮|等不了|等不起"
# A time limit close by: 较急 on its own.
DEADLINE = (
    r"截止|逾期|限期|来不及|赶不上|下周|下个月|下礼拜|下星期|月底前|年底前|开学前|入冬前|眼看(?:就|着)?|马上就要"
    r"|就要(?:开学|入冬|到期|截止|开始|考试|过期)|还剩.{0,3}天"
)

NEGATION = r"(?:没有|没|无|不是|并非|不存在|排除了?|未发现|没发现|不会有?)(?:任何|什么|明显的?)?$"
# Only feared, not there yet ("怕漏电", "以防燃气泄漏"): an acute hazard then counts as an ordinary one.
FEARED = r"(?:怕|担心|害怕|万一|以防|防止|预防|如果|要是|以免)[^，,。]{0,4}$"


@dataclass(frozen=True)
class Urgency:
    """A priority with the short Chinese reasons shown to staff and the machine names of the signals found."""

    priority: str
    reasons: tuple[str, ...]
    signals: tuple[str, ...]


@dataclass(frozen=True)
class _Lexicon:
    acute: tuple[tuple[str, re.Pattern[str]], ...]
    hazards: tuple[tuple[str, re.Pattern[str]], ...]
    harms: tuple[tuple[str, re.Pattern[str]], ...]
    outages: tuple[tuple[str, str, bool, re.Pattern[str]], ...]
    not_now: re.Pattern[str]
    resolved: re.Pattern[str]
    long_spell: re.Pattern[str]
    still_going: re.Pattern[str]
    alone: re.Pattern[str]
    elderly: re.Pattern[str]
    nobody: re.Pattern[str]
    frail: re.Pattern[str]
    repeated: re.Pattern[str]
    long_wait: re.Pattern[str]
    come_now: re.Pattern[str]
    just_now: re.Pattern[str]
    plea: re.Pattern[str]
    deadline: re.Pattern[str]
    negation: re.Pattern[str]
    feared: re.Pattern[str]


def _pairs(entries: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((reason, re.compile(p)) for reason, p in entries)


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    return _Lexicon(
        acute=_pairs(ACUTE_HAZARDS),
        hazards=_pairs(HAZARDS),
        harms=_pairs(HARMS),
        outages=tuple((k, r, severe, re.compile(p)) for k, r, severe, p in OUTAGES),
        not_now=re.compile(NOT_NOW),
        resolved=re.compile(OUTAGE_RESOLVED),
        long_spell=re.compile(LONG_SPELL),
        still_going=re.compile(STILL_GOING),
        alone=re.compile(PERSON_ALONE),
        elderly=re.compile(ELDERLY_OR_ILL),
        nobody=re.compile(NOBODY_CARES),
        frail=re.compile(FRAIL),
        repeated=re.compile(REPEATED),
        long_wait=re.compile(LONG_WAIT),
        come_now=re.compile(COME_NOW),
        just_now=re.compile(JUST_NOW),
        plea=re.compile(PLEA),
        deadline=re.compile(DEADLINE),
        negation=re.compile(NEGATION),
        feared=re.compile(FEARED),
    )


_CLAUSE = re.compile(r"[^，,。.!！?？;；\n]+")


class _Clauses(list):
    """The clauses of a message, and the clauses joined by line breaks (to rule a pattern out in one search)."""

    def __init__(self, text: str) -> None:
        super().__init__(m.group(0) for m in _CLAUSE.finditer(text))
        self.joined = "\n".join(self)


def _affirmed(pattern: re.Pattern[str], clauses: _Clauses, *unless: re.Pattern[str]) -> list[int]:
    """Indexes of the clauses where ``pattern`` matches with none of ``unless`` in the few characters before it."""
    if pattern.search(clauses.joined) is None:  # a match inside a clause is a match in the joined text too
        return []
    hits = []
    for i, clause in enumerate(clauses):
        for m in pattern.finditer(clause):
            before = clause[max(0, m.start() - 6) : m.start()]
            if not any(u.search(before) for u in unless):
                hits.append(i)
                break
    return hits


def _in_heating_season(month: int | None) -> bool:
    """Harbin heats from 20 October to 20 April; with month granularity both border months count."""
    return month is None or month >= 10 or month <= 4


def _outages(lx: _Lexicon, clauses: _Clauses) -> list[tuple[str, str, bool, bool]]:
    """(kind, reason, severe, lasting for days) of each outage the message says is going on."""
    found = []
    for kind, reason, severe, pattern in lx.outages:
        hits = _affirmed(pattern, clauses, lx.negation, lx.not_now)
        if not hits or any(lx.resolved.search(c) for c in clauses[hits[-1] + 1 :]):
            continue
        lasting = any(lx.long_spell.search(clauses[i]) and lx.still_going.search(clauses[i]) for i in hits)
        found.append((kind, reason, severe, lasting))
    return found


def _found(pairs: tuple[tuple[str, re.Pattern[str]], ...], clauses: _Clauses, *unless: re.Pattern[str]) -> list[str]:
    return [reason for reason, p in pairs if _affirmed(p, clauses, *unless)]


def _pressing_reason(lx: _Lexicon, text: str, clauses: _Clauses, come_now: bool) -> str | None:
    """Why a message with no other signal should not wait its turn, if it says so."""
    if come_now:
        return "要求立即处理"
    if _affirmed(lx.plea, clauses, lx.negation):
        return "要求尽快处理"
    if lx.deadline.search(text):
        return "时限临近"
    if lx.long_wait.search(text):
        return "拖延数月未解决"
    return None


def assess(text: str, *, now_month: int | None = None) -> Urgency:
    """The priority a message's text asks for, with the reasons and signals that decided it.

    ``text`` is normalized text; ``now_month`` (1–12, business time) decides the heating season, unknown → in
    season. Mapping: safety as above; outage 较急, 紧急 for a severe heating outage in season or when lasting
    for days, with a frail person or a plea to come now; vulnerable (alone) 较急; repeated 较急 and one step
    up any other signal; with no other signal, a plea, deadline or months of waiting ("pressing") 较急."""
    lx = _lexicon()
    clauses = _Clauses(text)
    come_now = bool(_affirmed(lx.come_now, clauses, lx.negation))
    just_now = bool(_affirmed(lx.just_now, clauses, lx.negation))
    reasons: list[str] = []
    signals: list[str] = []
    level = 0

    acute = _found(lx.acute, clauses, lx.negation, lx.feared)
    feared = [r for r in _found(lx.acute, clauses, lx.negation) if r not in acute]
    hazards = feared + _found(lx.hazards, clauses, lx.negation)
    harms = _found(lx.harms, clauses, lx.negation)
    if acute or hazards or harms:
        signals.append("safety")
        reasons.extend(f"安全隐患：{r}" for r in acute + hazards + harms)
        level = 2 if acute or (hazards and (come_now or just_now)) or (harms and just_now) else 1

    alone = bool(lx.alone.search(text)) or any(lx.elderly.search(c) and lx.nobody.search(c) for c in clauses)
    frail = bool(lx.frail.search(text))

    outages = _outages(lx, clauses)
    if outages:
        signals.append("outage")
        for kind, reason, severe, lasting in outages:
            reasons.append(f"供应中断：{reason}" + ("（已持续多日）" if lasting else ""))
            if kind == "heating" and not _in_heating_season(now_month):
                level = max(level, 1)
            elif (kind == "heating" and severe) or lasting or alone or frail or come_now:
                level = 2
            else:
                level = max(level, 1)

    if alone or (frail and signals):
        signals.append("vulnerable")
        reasons.append("独居或无人照顾的老人、病残人员" if alone else "涉及卧床、高龄、孕婴等弱势人员")
        level = max(level, 2 if come_now and just_now else 1)

    if _affirmed(lx.repeated, clauses, lx.negation) or any("不是第一次" in c for c in clauses):
        signals.append("repeated")
        reasons.append("多次反映未解决")
        level = min(2, level + 1) if len(signals) > 1 else max(level, 1)

    pressing = None if signals else _pressing_reason(lx, text, clauses, come_now)
    if pressing:
        signals.append("pressing")
        reasons.append(pressing)
        level = 2 if come_now and just_now else 1

    return Urgency(priority=LEVELS[level], reasons=tuple(reasons), signals=tuple(signals))
