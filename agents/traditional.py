"""Traditional Chinese characters read as their simplified forms, so a customer who writes 繁體 reaches the same word
lists and tables (質保 → 质保, 幾次 → 几次, 價錢 → 价钱). A closed table of the common characters whose traditional
form differs (customer-service vocabulary: money, time, vehicles, service, people's surnames); a character it does not
list is kept. Only characters that do not occur in simplified text are mapped (no 乾 / 後 ambiguity in reverse)."""

from __future__ import annotations

# pairs: traditional, simplified (one character each)
_PAIRS = (
    "發发後后裡里裏里麼么這这個个們们車车價价錢钱買买賣卖質质還还幾几時时間间號号碼码訂订單单貨货運运輛辆臺台"
    "優优換换舊旧補补貼贴續续約约費费會会說说請请問问題题電电動动機机燈灯壞坏讓让點点給给為为嗎吗開开關关體体"
    "務务經经總总計计額额數数檢检養养護护輪轮剎刹過过內内權权審审準准規规則则條条貴贵現现實实際际區区東东華华"
    "廣广門门顧顾談谈簽签預预應应該该對对錯错謝谢幫帮報报處处歲岁齡龄滿满傳传張张圖图證证書书聯联係系繫系鐘钟"
    "頭头歡欢樣样確确認认從从戶户專专業业營营驗验據据導导線线長长場场參参與与並并啟启轉转讀读寫写話话邊边離离"
    "遠远達达選选適适夠够隊队陸陆陳陈黃黄劉刘鄭郑孫孙吳吴馬马趙赵楊杨蔣蒋馮冯鄧邓葉叶鐵铁險险紅红綠绿藍蓝響响"
    "聲声異异熱热溫温壓压濾滤網网氣气調调節节錶表裝装備备員员歷历紀纪錄录記记舉举萬万億亿兩两雙双週周禮礼倆俩"
    "樂乐辦办別别沒没進进來来殘残盡尽廠厂產产據据術术標标準准險险損损賠赔償偿擔担責责該该嗎吗啊啊麗丽龍龙鳳凤"
    "換换現现銷销售售訊讯號号碼码級级鑰钥匙匙雜杂亂乱蘇苏浙浙滬沪寧宁廈厦連连結结構构處处態态慮虑憂忧閱阅覽览"
    "籤签帳账戶户賬账匯汇款款億亿屆届擇择齊齐歸归鄰邻親亲戚戚屬属團团購购貸贷險险額额證证駕驾駛驶輸输贈赠"
    # characters of organisations' names (trade, kind, place): 租賃 → 租赁, 順 → 顺, 恆 → 恒, 冷鏈 → 冷链
    "賃赁順顺恆恒鏈链鵬鹏暢畅興兴豐丰貿贸騰腾飛飞寶宝鴻鸿誠诚銳锐濤涛濱滨灣湾嶺岭陽阳島岛鎮镇縣县莊庄園园"
    "廳厅館馆樓楼傑杰勝胜亞亚歐欧築筑鋼钢紡纺織织醫医療疗藥药農农漁渔礦矿倉仓儲储遞递郵邮橋桥粵粤閩闽遼辽魯鲁"
)
TO_SIMPLIFIED = {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS) - 1, 2)}
_TABLE = str.maketrans({t: s for t, s in TO_SIMPLIFIED.items() if t != s})


def to_simplified(text: str) -> str:
    """`text` with the table's traditional characters in their simplified form (same length, positions kept)."""
    return text.translate(_TABLE)
