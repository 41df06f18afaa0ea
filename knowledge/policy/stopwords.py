"""Stop words for BM25. Without them, long queries (a whole customer scenario) are dominated by function words and BM25
ranks whatever repeats "the/you/your" most (see ../shared/benchmarks/BASELINES.md: R@10 .17 → .31 on τ-Knowledge).
English: the scikit-learn ENGLISH_STOP_WORDS list. Chinese: function words and chat fillers, never domain terms."""

from __future__ import annotations

_ENGLISH_TEXT = """a about above across after afterwards again against all almost alone along already also although always am among
    amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at back be became
    because become becomes becoming been before beforehand behind being below beside besides between beyond bill both
    bottom but by call can cannot cant co con could couldnt cry de describe detail do done down due during each eg eight
    either eleven else elsewhere empty enough etc even ever every everyone everything everywhere except few fifteen fifty
    fill find fire first five for former formerly forty found four from front full further get give go had has hasnt have
    he hence her here hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in inc
    indeed interest into is it its itself keep last latter latterly least less ltd made many may me meanwhile might mill
    mine more moreover most mostly move much must my myself name namely neither never nevertheless next nine no nobody
    none noone nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own part per perhaps please put rather re same see seem seemed seeming seems serious several she
    should show side since sincere six sixty so some somehow someone something sometime sometimes somewhere still such
    system take ten than that the their them themselves then thence there thereafter thereby therefore therein thereupon
    these they thick thin third this those though three through throughout thru thus to together too top toward towards
    twelve twenty two un under until up upon us very via was we well were what whatever when whence whenever where
    whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom whose why
    will with within without would yet you your yours yourself yourselves s t don ll ve re d m"""

_CHINESE_TEXT = """的 了 是 在 和 与 及 或 等 也 都 就 还 又 而 但 并 且 则 即 之 其 此 该 这 那 这个 那个 这些 那些 这样 那样 这里 那里
    我 你 您 他 她 它 我们 你们 您们 他们 她们 咱们 自己 大家 什么 怎么 怎样 如何 为什么 哪 哪个 哪些 哪里 多少 几
    吗 呢 吧 啊 呀 哦 哈 嗯 嘛 啦 噢 喔 哎 诶 么 呗 咯 给 把 被 让 对 向 从 到 于 为 以 按 由 将 会 能 可 可以 可能 要 想 需要
    请 请问 麻烦 一下 一遍 再 再次 能否 是否 有没有 有 没有 没 不 很 太 更 最 非常 比较 一些 一点 一个 个 些 下 上 中 里
    时候 现在 已经 曾经 然后 如果 因为 所以 但是 而且 或者 还是 以及 以下 以上 之后 之前 关于 对于 根据 通过 进行 我司
    你好 您好 谢谢 好的 好 行 ok 嗨 哈喽 老师 亲 帮 帮忙 发 发送 看看 看 知道 告诉 说 问 问问 一 下吧 呢吗"""

ENGLISH = frozenset(_ENGLISH_TEXT.split())
CHINESE = frozenset(_CHINESE_TEXT.split())
STOP_WORDS = ENGLISH | CHINESE
