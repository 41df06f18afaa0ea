"""Generates the spoken-PII evaluation sets: caller transcripts with mobiles, resident IDs and bank cards read aloud
(Chinese digits, 幺 / 两 / 洞, spaced and grouped digits, mixed Chinese and ASCII groups), and hard negatives whose
numbers must survive masking (amounts, dates, model and alarm codes, order numbers, hotlines).

Every value is fake and made here with the published check-digit rules (bench/datasets/guardrails/pii_values.py, which
imports nothing from guardrails/). Run: python -m bench.datasets.privacy.gen_spoken

Two files: spoken_pii.jsonl (seed 21, the development set the normaliser was checked against) and
spoken_pii_fresh.jsonl (seed 2119, different templates mixed the same way, generated once the normaliser was frozen)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from bench.datasets.guardrails.pii_values import bank_card, mobile, resident_id

HERE = Path(__file__).parent
OUT = HERE.parents[2] / "evals" / "datasets" / "privacy"  # the sets live with the evaluator's data
_HAN = "零一二三四五六七八九"


def say_digit(rng: random.Random, d: str, *, yao: float, liang: float) -> str:
    if d == "1" and rng.random() < yao:
        return "幺"
    if d == "2" and rng.random() < liang:
        return "两"
    if d == "0" and rng.random() < 0.15:
        return rng.choice("〇洞")
    if d in "Xx":
        return rng.choice(["叉", "X"])
    return _HAN[int(d)]


def groups_of(value: str, kind: str) -> list[str]:
    if kind == "mobile":
        cuts = [3, 7]
    elif kind == "id":
        cuts = [6, 14]
    else:
        cuts = list(range(4, len(value), 4))
    out, prev = [], 0
    for c in [*cuts, len(value)]:
        out.append(value[prev:c])
        prev = c
    return out


def spoken_form(rng: random.Random, value: str, kind: str) -> tuple[str, str]:
    """(form name, how the caller's number appears in the transcript)."""
    yao = 0.7 if kind == "mobile" else 0.3
    han = lambda s: "".join(say_digit(rng, d, yao=yao, liang=0.15) for d in s)  # noqa: E731
    form = rng.choice(["han", "han_grouped", "spaced", "mixed", "single_spaced", "han_comma"])
    groups = groups_of(value, kind)
    if form == "han":
        text = han(value)
    elif form == "han_grouped":
        text = " ".join(han(g) for g in groups)
    elif form == "han_comma":
        text = rng.choice(["，", "、"]).join(han(g) for g in groups)
    elif form == "spaced":
        text = rng.choice([" ", "-"]).join(groups)
    elif form == "single_spaced":
        text = " ".join(value)
    else:  # mixed: some groups read in Chinese, some transcribed as digits
        parts = [han(g) if i % 2 == 0 else g for i, g in enumerate(groups)]
        if rng.random() < 0.5:
            parts = [g if i % 2 == 0 else han(g) for i, g in enumerate(groups)]
        text = rng.choice([" ", ""]).join(parts)
    return form, text


TEMPLATES_DEV = {
    "mobile": [
        "手机号{v}……您记一下。",
        "嗯，我电话是{v}，白天都能打通。",
        "你打我手机吧，{v}。",
        "联系方式就是{v}，那个，找王工也行。",
        "我新换的号码{v}，旧的停了。",
    ],
    "id": [
        "要不要我报一下身份证号？{v}",
        "身份证号码是{v}，名字是我本人。",
        "证件号{v}，您核对一下。",
        "那个，我的身份证{v}。",
    ],
    "card": [
        "返点打到我这张卡上，卡号{v}。",
        "银行卡号是{v}，开户行建行。",
        "转账账号{v}，户名是公司财务。",
        "收款卡号：{v}",
    ],
}
TEMPLATES_FRESH = {
    "mobile": [
        "喂，你好，我的号码是{v}，有事随时打。",
        "回拨到{v}就行。",
        "记一下啊，{v}，这是我私人手机。",
    ],
    "id": [
        "我报一下啊，{v}，这个是身份证。",
        "办理的时候要身份证吧？{v}。",
        "公民身份号码{v}，没错。",
    ],
    "card": [
        "退款退到这个卡：{v}。",
        "我的储蓄卡{v}，招商银行。",
        "打款账户{v}，谢谢。",
    ],
}
NEGATIVES = [
    ("amount", "这批货一共是三万八千六百五十元，含税。"),
    ("amount", "报价单上写的是一百三十八万七千六百，能不能再降点？"),
    ("amount", "总价 1,386,000 元，首付三成。"),
    ("amount", "上个月返点到账了四万二千零五十块。"),
    ("date", "二零二四年三月十五号签的合同。"),
    ("date", "交货日期是二零二五年十二月三十一日之前。"),
    ("date", "发票日期 2024-03-15，到期 2025-03-14。"),
    ("date", "我们是二零二三年一月一号开始合作的。"),
    ("model", "设备报警E二零三，主轴过热，怎么办？"),
    ("model", "型号是LCP-3.5，锁定加压接骨板。"),
    ("model", "屏幕上显示报警代码E-203，还有一个W一二。"),
    ("model", "我们用的是HJ-200型号，序列号SN20240315008。"),
    ("order", "订单号二零二四零三一五零零八八，帮我查一下物流。"),
    ("order", "订单 SO13817624590 已经发货了吗？"),
    ("order", "运单号七三一零零二八八九六五四三，还没到。"),
    ("order", "工单编号二零二五一二零三零零一二，麻烦跟进。"),
    ("hotline", "我打了你们四零零 八二零 一三一四，没人接。"),
    ("hotline", "客服热线400-820-1314一直占线。"),
    ("quantity", "要一百二十台，分三批，每批四十台。"),
    ("quantity", "库存还有两千三百五十件，够不够？"),
    ("quantity", "温度到了八十五度，转速一万二千转。"),
    ("version", "返点政策是三点二版，还是三点一版？"),
    ("version", "固件版本 V2.3.18，要不要升级？"),
    ("time", "明天下午三点半到五点之间都行。"),
    ("time", "通话时长十二分三十秒。"),
]


def make(seed: int, templates: dict[str, list[str]], n_per_kind: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    makers = {"mobile": mobile, "id": resident_id, "card": bank_card}
    entity = {"mobile": "CN_MOBILE", "id": "CN_RESIDENT_ID", "card": "BANK_CARD"}
    rows: list[dict[str, Any]] = []
    for kind, make_value in makers.items():
        for _ in range(n_per_kind):
            value = make_value(rng)
            form, said = spoken_form(rng, value, kind)
            template = rng.choice(templates[kind])
            start = template.index("{v}")
            text = template.replace("{v}", said)
            rows.append(
                {
                    "kind": "positive",
                    "form": form,
                    "text": text,
                    "spans": [
                        {"entity": entity[kind], "start": start, "end": start + len(said), "value": value}
                    ],
                }
            )
    # a call with two values: the shape (a mobile in Chinese digits, an ID in plain digits)
    for _ in range(max(4, n_per_kind // 5)):
        m, i = mobile(rng), resident_id(rng)
        _, said_m = spoken_form(rng, m, "mobile")
        head = "手机号"
        mid = "……要不要我报一下身份证号？"
        text = head + said_m + mid + i
        s1, s2 = len(head), len(head) + len(said_m) + len(mid)
        rows.append(
            {
                "kind": "positive",
                "form": "two_values",
                "text": text,
                "spans": [
                    {"entity": "CN_MOBILE", "start": s1, "end": s1 + len(said_m), "value": m},
                    {"entity": "CN_RESIDENT_ID", "start": s2, "end": s2 + len(i), "value": i},
                ],
            }
        )
    for category, text in NEGATIVES:
        rows.append({"kind": "negative", "form": category, "text": text, "spans": []})
    rng.shuffle(rows)
    for n, row in enumerate(rows):
        row["id"] = f"spoken-{seed}-{n:03d}"
    return rows


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def main() -> None:
    write(OUT / "spoken_pii.jsonl", make(21, TEMPLATES_DEV, 30))
    write(OUT / "spoken_pii_fresh.jsonl", make(2119, TEMPLATES_FRESH, 20))


if __name__ == "__main__":
    main()
