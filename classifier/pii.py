"""Personal data in Chinese text: typed spans (phones, ID numbers, bank cards, e-mail, plates, names) and masking.

Detection runs on normalized text (see ``classifier.normalize``), so digits are already half-width.
The masked copy is what logs, exports, chat replies and training use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASKS = {
    "mobile": "〔手机号〕",
    "landline": "〔固定电话〕",
    "id_number": "〔身份证号〕",
    "bank_card": "〔银行卡号〕",
    "email": "〔邮箱〕",
    "plate": "〔车牌号〕",
    "name": "〔姓名〕",
}
LABELS = {
    "mobile": "手机号",
    "landline": "固定电话",
    "id_number": "身份证号",
    "bank_card": "银行卡号",
    "email": "电子邮箱",
    "plate": "车牌号",
    "name": "姓名",
}

_ND = r"(?<![0-9A-Za-z])"  # not glued to a longer run of digits or letters on the left
_NDR = r"(?![0-9A-Za-z])"  # … nor on the right
_SEP = r"[ \-]?"
_MOBILE = re.compile(_ND + r"(?:\+?86[ \-]?)?1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}" + _NDR)
_LANDLINE = re.compile(_ND + r"(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?[2-9]\d{6,7}(?:-\d{1,5})?" + _NDR)
_LANDLINE_CONTEXT = re.compile(r"(?:电话|座机|联系方式|联系电话|tel|Tel|TEL)[:：是为 ]{0,3}([2-9]\d{6,7})" + _NDR)
_ID = re.compile(_ND + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]" + _NDR)
_CARD = re.compile(_ND + r"(?:\d{4}[ \-]?){3}\d{4}(?:[ \-]?\d{1,3})?" + _NDR)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(r"[" + _PROVINCES + r"][A-HJ-NP-Z][·•・. ]?[A-HJ-NP-Z0-9]{5,6}" + _NDR)
# A number introduced as one of these is a reference, not personal data.
_NOT_PERSONAL = re.compile(
    r"(?:订单|单号|编号|流水号|快递|运单|工单|发票|合同号|批次|案号|序列号|型号|No\.?)[^\d]{0,4}$"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data found in a text: its type, where it is, and how sure we are."""

    type: str
    start: int
    end: int
    text: str
    confident: bool = True

    @property
    def mask(self) -> str:
        return MASKS[self.type]


def id_checksum_ok(number: str) -> bool:
    """True when the 18th character of a mainland ID number is the ISO 7064 MOD 11-2 check of the first 17."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """The Luhn check that bank card numbers carry."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _introduced_as_reference(text: str, start: int) -> bool:
    return bool(_NOT_PERSONAL.search(text[max(0, start - 12) : start]))


def find_pii(text: str, *, names: tuple[str, ...] | list[str] = ()) -> list[PiiSpan]:
    """Every personal-data span of ``text``, left to right, without overlaps (the earlier, longer one wins)."""
    found: list[PiiSpan] = []

    for m in _EMAIL.finditer(text):
        found.append(PiiSpan("email", m.start(), m.end(), m.group()))
    for m in _ID.finditer(text):
        if not _introduced_as_reference(text, m.start()):
            found.append(PiiSpan("id_number", m.start(), m.end(), m.group(), id_checksum_ok(m.group())))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_ok(digits) and not _introduced_as_reference(text, m.start()):
            found.append(PiiSpan("bank_card", m.start(), m.end(), m.group()))
    for m in _MOBILE.finditer(text):
        if not _introduced_as_reference(text, m.start()):
            found.append(PiiSpan("mobile", m.start(), m.end(), m.group()))
    for m in _LANDLINE.finditer(text):
        if not _introduced_as_reference(text, m.start()):
            found.append(PiiSpan("landline", m.start(), m.end(), m.group()))
    for m in _LANDLINE_CONTEXT.finditer(text):
        found.append(PiiSpan("landline", m.start(1), m.end(1), m.group(1), confident=False))
    for m in _PLATE.finditer(text):
        found.append(PiiSpan("plate", m.start(), m.end(), m.group()))
    for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
        for m in re.finditer(re.escape(name), text):
            found.append(PiiSpan("name", m.start(), m.end(), m.group()))

    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[PiiSpan] = []
    for span in found:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def mask(text: str, spans: list[PiiSpan]) -> str:
    """``text`` with every span replaced by its type's placeholder, e.g. 〔手机号〕."""
    out, pos = [], 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(span.mask)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str, *, names: tuple[str, ...] | list[str] = ()) -> tuple[str, list[PiiSpan]]:
    """The masked copy of ``text`` and the spans that were masked."""
    spans = find_pii(text, names=names)
    return mask(text, spans), spans
