"""Chinese markdown for chat replies: an intake decision, a step done, a queue, the overdue list, statistics."""

from __future__ import annotations

import re
from dataclasses import dataclass

from triage.cases.queue import COLOUR_NAMES

DOT = {"red": "🔴", "yellow": "🟡", "green": "🟢"}
LISTED = 15  # queue lines shown in a chat reply
SUMMARY_CHARS = 40
TOP_DEPUTIES = 3
_MD = re.compile(r"\*\*|`|^#+\s*|^>\s?", re.M)


@dataclass(frozen=True)
class Answer:
    """A reply: a short title (DingTalk shows it in notifications) and markdown text."""

    title: str
    markdown: str
    ok: bool = True

    @property
    def plain(self) -> str:
        """The text without markdown marks, for platforms that show it raw."""
        return _MD.sub("", self.markdown)


def short(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "—"


def decision(d: dict) -> Answer:
    """The intake decision of a submission (masked view) as a reply."""
    station = d["station"]
    head = f"**{d['case_number']}** {d['status']}" + ("（重复提交，返回原结果）" if d.get("replayed") else "")
    lines = [f"### 已分办 {d['case_number']}", "", head, "",
             f"- 主题：{d['topic']}（置信度 {d['topic_confidence']:.0%}）",
             f"- 责任部门：{d['department']}（置信度 {d['department_confidence']:.0%}）",
             f"- 站点：{station['name']}（{station['code']}，{station['district']}）",
             f"- 优先级：{d['priority']}，办理时限 {_day(d['sla_due'])}"]
    deputies = d.get("deputies") or []
    if deputies:
        shown = "、".join(f"{x['name']}（{x['code']}，{'主办' if x['role'] == 'primary' else '协办'}，"
                         f"{x['score']:.2f}）" for x in deputies[:TOP_DEPUTIES])
        lines.append(f"- 代表：{shown}")
    else:
        lines.append("- 代表：符合条件的代表均已满额，待站长处理")
    if d.get("duplicate_of"):
        lines.append(f"- 合并：与已有案件 {d['duplicate_of']} 为同一问题，附议 +1")
    for reason in d.get("review_reasons") or []:
        lines.append(f"- 待确认：{reason}")
    if d.get("pii"):
        lines.append("- 个人信息已脱敏")
    lines += ["", f"> {short(d.get('masked_text'), 80)}"]
    if d["status"] == "待确认":
        lines += ["", f"确认：`/确认 {d['case_number']}`　更正：`/改 {d['case_number']} 主题=… 部门=…`"]
    return Answer(f"分办 {d['case_number']}", "\n".join(lines))


def step_done(summary: dict, what: str, extra: str = "") -> Answer:
    """A workflow step done on a case: where the case stands now."""
    lines = [f"### {what}：{summary['case_number']}", "",
             f"- 状态：{summary['status']}",
             f"- 主题 / 部门：{summary['topic']} / {summary['department']}",
             f"- 站点：{summary['station']['name']}"]
    if summary.get("claimed_by"):
        lines.append(f"- 认领代表：{summary['claimed_by']}")
    if summary.get("transferred_to"):
        lines.append(f"- 转办部门：{summary['transferred_to']}")
    if extra:
        lines.append(f"- {extra}")
    return Answer(f"{what} {summary['case_number']}", "\n".join(lines))


def _line(item: dict) -> str:
    who = f" · {item['claimed_by']}" if item.get("claimed_by") else ""
    return (f"- {DOT.get(item['colour'], '⚪')} **{item['case_number']}** {item['status']} · {item['priority']} · "
            f"{item['topic']}{who} · 时限 {_day(item['sla_due'])[:10]}\n  {short(item['summary'])}")


def case_list(title: str, items: list[dict], *, empty: str) -> Answer:
    """Cases, most pressing first, at most :data:`LISTED` of them."""
    if not items:
        return Answer(title, f"### {title}\n\n{empty}")
    counts = "，".join(f"{COLOUR_NAMES[c]} {n}" for c in ("red", "yellow", "green")
                      if (n := sum(1 for i in items if i["colour"] == c)))
    lines = [f"### {title}", "", f"共 {len(items)} 件（{counts}）", ""]
    lines += [_line(i) for i in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(f"- …另有 {len(items) - LISTED} 件未列出")
    return Answer(title, "\n".join(lines))


def statistics(title: str, stats: dict) -> Answer:
    by_status = "，".join(f"{k} {v}" for k, v in stats["by_status"].items()) or "暂无案件"
    colours = "，".join(f"{DOT[c]}{COLOUR_NAMES[c]} {stats['by_colour'].get(c, 0)}" for c in ("red", "yellow", "green"))
    lines = [f"### {title}", "",
             f"- 按状态：{by_status}",
             f"- 在办三色：{colours}",
             f"- 本月（{stats['month']}）新增 {stats['month_new']} 件，办结 {stats['month_resolved']} 件"]
    return Answer(title, "\n".join(lines))


def refusal(message: str, *, title: str = "未能完成") -> Answer:
    return Answer(title, f"### {title}\n\n{message}", ok=False)
