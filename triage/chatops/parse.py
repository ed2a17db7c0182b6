"""Reading a chat message as a command: Chinese and ASCII slash forms, full-width ／ and colons, traditional script."""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier.normalize import normalize
from triage.errors import InvalidInput


@dataclass(frozen=True)
class Spec:
    """One chat command: its canonical Chinese name, other names, usage line and what it does."""

    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str


TRIAGE = Spec("分办", ("triage", "submit"), "/分办 群众反映的内容（或直接粘贴原文）",
              "分类、定位站点、匹配代表并入队，回复案件编号")
HELP = Spec("帮助", ("help", "?", "h"), "/帮助", "查看全部命令")
COMMANDS: tuple[Spec, ...] = (
    TRIAGE,
    Spec("确认", ("confirm", "ok"), "/确认 案件编号", "确认待确认案件的分类并入队"),
    Spec("改", ("更正", "correct", "fix", "edit"), "/改 案件编号 主题=城乡建设 部门=市水务局",
         "更正主题和/或部门（作为确认标签用于训练）"),
    Spec("指派", ("改派", "assign", "reassign"), "/指派 案件编号 代表编号或姓名 [理由]", "改派给另一位代表"),
    Spec("认领", ("claim",), "/认领 案件编号", "代表认领案件"),
    Spec("转办", ("transfer",), "/转办 案件编号 部门 [理由]", "转交职能部门办理"),
    Spec("退单", ("return",), "/退单 案件编号 理由", "部门退回，案件回到站点"),
    Spec("办结", ("resolve", "done"), "/办结 案件编号 答复群众的结果", "办结并记录给群众的答复"),
    Spec("队列", ("queue", "q"), "/队列 [站点编码或名称]", "站点在办队列（默认本人站点）"),
    Spec("督办", ("overdue", "supervise"), "/督办", "黄牌、红牌案件（三色督办）"),
    Spec("统计", ("stats", "statistics"), "/统计 [站点编码或名称]", "按状态、颜色计数，本月新增与办结"),
    HELP,
)
_BY_WORD = {w.lower(): spec for spec in COMMANDS for w in (spec.name, *spec.aliases)}
_GLUED = sorted((w for w in _BY_WORD if not w.isascii()), key=lambda w: (-len(w), w))
_BARE_HELP = {"帮助", "help", "?", "命令", "菜单"}
_MENTION = re.compile(r"^(?:\s*@\S+\s+)+")
_HEAD = re.compile(r"^[/／]\s*([^\s:：=]+)\s*[:：]?\s*", re.S)
_CASE_NUMBER = re.compile(r"^#?([A-Za-z0-9][A-Za-z0-9\-]*-\d{4}-\d+)$")
_KEYS = {"主题": "topic", "topic": "topic", "部门": "department", "department": "department", "dept": "department"}
_PAIR = re.compile(r"(主题|部门|topic|department|dept)\s*[=:]\s*([^\s=:]+)", re.I)


class Usage(InvalidInput):
    """A command with missing or malformed arguments; the reply repeats its usage."""

    code = "chat_usage"

    def __init__(self, spec: Spec, problem: str) -> None:
        super().__init__(f"{problem}。用法：{spec.usage}", detail={"command": spec.name})
        self.spec = spec


class UnknownCommand(InvalidInput):
    code = "chat_unknown_command"


@dataclass(frozen=True)
class Parsed:
    """What a message asks: the command, and its arguments (``raw`` as typed, ``args`` normalized)."""

    spec: Spec
    raw: str
    args: str


def strip_mentions(text: str) -> str:
    """The text without leading @mentions of the bot (group chats put them first)."""
    return _MENTION.sub("", text or "").strip()


MIN_PLAIN_TRIAGE = 8  # plain text shorter than this (without punctuation) is chatter, not a submission


def parse(text: str) -> Parsed:
    """The command a chat message carries; plain text (no leading slash) is text to triage."""
    text = strip_mentions(text)
    if normalize(text).lower() in _BARE_HELP:
        return Parsed(HELP, "", "")
    head = _HEAD.match(text)
    if head is None:
        if len(re.sub(r"\W", "", normalize(text))) < MIN_PLAIN_TRIAGE:  # "谢谢", "好的": not a case
            raise InvalidInput(f"消息太短，未分办。要分办请粘贴完整的群众反映（至少 {MIN_PLAIN_TRIAGE} 个字），"
                               "或用 /分办 文本；/帮助 查看全部命令", code="too_short")
        return Parsed(TRIAGE, text, normalize(text))
    word = normalize(head.group(1))
    raw = text[head.end():].strip()
    spec = _BY_WORD.get(word.lower())
    if spec is None:  # "/确认DL-FSSQ-…": a Chinese command name glued to its first argument
        name = next((n for n in _GLUED if word.startswith(n)), None)
        if name is None:
            raise UnknownCommand(f"未知命令「/{word[:20]}」", detail={"command": word[:20]})
        spec, raw = _BY_WORD[name], f"{word[len(name):]} {raw}".strip()
    return Parsed(spec, raw, normalize(raw))


def split_first(args: str) -> tuple[str, str]:
    """The first word of ``args`` and the rest (split at any run of whitespace, line breaks included)."""
    first, rest = (re.split(r"\s+", args.strip(), maxsplit=1) + [""])[:2]
    return first, rest.strip()


def case_number(spec: Spec, args: str) -> tuple[str, str]:
    """The case number at the start of ``args`` (upper-cased) and the rest of the arguments."""
    first, rest = split_first(args)
    match = _CASE_NUMBER.match(first.strip().rstrip(",;，；"))
    if match is None:
        raise Usage(spec, "请给出案件编号，如 DL-FSSQ-2026-000001" if not first else f"「{first[:30]}」不是案件编号")
    return match.group(1).upper(), rest.strip()


def labels(spec: Spec, args: str) -> dict[str, str]:
    """``主题=… 部门=…`` (also ``topic:…``, ``department=…``) as {"topic": …, "department": …}."""
    found = {_KEYS[k.lower()]: v.strip() for k, v in _PAIR.findall(args)}
    if not found:
        raise Usage(spec, "请写明要更正的主题或部门")
    return found


def help_text() -> str:
    lines = ["**可用命令**（也可用英文名，如 /queue；直接粘贴群众反映即分办）", ""]
    for spec in COMMANDS:
        english = next((a for a in spec.aliases if a.isascii() and len(a) > 2), "")
        lines.append(f"- `{spec.usage}` {spec.summary}" + (f"（/{english}）" if english else ""))
    return "\n".join(lines)


def known(command: str) -> bool:
    """True when ``command`` (e.g. a Slack slash command ``/queue``) is one of ours."""
    word = normalize(command or "").lstrip("/").strip().lower()
    return word in _BY_WORD
