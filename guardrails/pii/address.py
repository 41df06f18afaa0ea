"""Street addresses. Chinese: an anchor of road + house number (文三路90号) or estate + building (阳光小区3栋), extended
right over building / unit / room and trimmed on the left to the first province or city (else to the road name), so
the words before it (请寄到, 我住在) stay. English: number + capitalised street name + street type."""

from __future__ import annotations

import re

from contract.geography import PROVINCES
from guardrails.pii.types import Candidate

_PROVINCE = list(PROVINCES)
_CITY = [
    "杭州",
    "宁波",
    "温州",
    "嘉兴",
    "湖州",
    "绍兴",
    "金华",
    "衢州",
    "舟山",
    "台州",
    "丽水",
    "南京",
    "苏州",
    "无锡",
    "常州",
    "镇江",
    "南通",
    "扬州",
    "泰州",
    "盐城",
    "淮安",
    "徐州",
    "连云港",
    "宿迁",
    "合肥",
    "芜湖",
    "蚌埠",
    "福州",
    "厦门",
    "泉州",
    "济南",
    "青岛",
    "烟台",
    "潍坊",
    "郑州",
    "洛阳",
    "武汉",
    "宜昌",
    "长沙",
    "株洲",
    "广州",
    "深圳",
    "珠海",
    "佛山",
    "东莞",
    "中山",
    "惠州",
    "汕头",
    "成都",
    "绵阳",
    "昆明",
    "贵阳",
    "西安",
    "兰州",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "石家庄",
    "唐山",
    "太原",
    "南昌",
    "赣州",
    "南宁",
    "桂林",
    "海口",
    "三亚",
    "呼和浩特",
    "乌鲁木齐",
    "银川",
    "西宁",
    "拉萨",
    "昆山",
    "义乌",
    "慈溪",
    "余姚",
    "江阴",
    "常熟",
    "张家港",
]
_ADMIN_START = re.compile("(?:" + "|".join(sorted(_PROVINCE + _CITY, key=len, reverse=True)) + ")")
_ROAD = r"(?:路|街|大道|大街|巷|弄|胡同)"
_UNIT = r"(?:\d{1,4}|[A-Z])(?:号楼|栋|幢|座|单元|层|楼|室|号房|号铺|号)"
_TAIL = rf"(?:[ ]?(?:[\u4e00-\u9fff]{{0,8}}?{_UNIT}|[\u4e00-\u9fff]{{1,6}}(?:大厦|广场|中心|园区|小区)))*"
_CN_ANCHOR = re.compile(
    rf"[\u4e00-\u9fff]{{1,30}}?{_ROAD}[ ]?\d{{1,5}}(?:[-之]\d{{1,4}})?号{_TAIL}"
    rf"|[\u4e00-\u9fff]{{2,30}}?(?:小区|花园|公寓|大厦|家园|新村|苑)[ ]?\d{{1,3}}(?:栋|幢|号楼|座){_TAIL}"
)
# Words that come before an address, never inside one.
_LEAD = re.compile(
    r"(?:.*(?:地址是|地址为|地址|寄到|送到|发到|寄往|送往|住在|住址|位于|搬到|在|到|是|为|往|至|请|的))"
)
_EN_ADDRESS = re.compile(
    r"\b\d{1,5}(?:\s+[A-Z][a-z]+){1,3}\s+(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Parkway|Pkwy|Highway|Hwy|Square|Sq|Terrace)\b\.?"
    r"(?:,?\s+(?:Apt|Suite|Unit|Ste)\.?\s*#?\w+)?"
    r"(?:,\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?:,\s+[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?)?)?"
)


def _trim_left(text: str, start: int, end: int) -> int:
    head = text[start:end]
    m = _ADMIN_START.search(head)
    road = re.search(_ROAD + r"|小区|花园|公寓|大厦|家园|新村|苑", head)
    if m and road and m.start() < road.start():
        return start + m.start()
    lead = _LEAD.match(head[: road.start()] if road else head)
    cut = lead.end() if lead else 0
    if road and road.start() - cut > 8:  # no gazetteer hit: keep at most the road name itself
        cut = road.start() - 8
    return start + cut


def find_addresses(text: str) -> list[Candidate]:
    out = []
    for m in _CN_ANCHOR.finditer(text):
        start = _trim_left(text, m.start(), m.end())
        if m.end() - start >= 5:
            out.append(Candidate("ADDRESS", start, m.end(), 0.85))
    for m in _EN_ADDRESS.finditer(text):
        out.append(Candidate("ADDRESS", m.start(), m.end(), 0.85))
    return out
