"""A realistic month of short customer praise, for testing that honest look-alikes stay quiet.

Customers write a handful of things in a handful of ways: a subject, one to three short praises,
an ending. Two customers of one technician often write near variants of the same praise.
"""
import random

SUBJECTS = ["师傅", "装维师傅", "这位师傅", "小哥", "安装师傅", "维修师傅", "工作人员", "", "", ""]
PRAISES = ["很专业", "服务很好", "态度很好", "速度快", "很耐心", "WiFi信号好多了", "网速很快",
           "准时上门", "非常满意", "认真负责", "辛苦了", "点赞", "效率高", "技术好", "很热情",
           "讲解很清楚", "网络很稳定", "上门很及时", "服务周到", "干活利索", "好评", "五星好评",
           "信号满格了", "宽带好用", "电视也能看了", "很细心", "穿了鞋套", "收拾得很干净"]
BOOSTS = ["", "", "非常", "特别", "很", "真的"]
ENDINGS = ["", "！", "。", "，谢谢", "，谢谢师傅", "👍", "，给五星", "！！"]


def praise(rng: random.Random) -> str:
    parts = []
    for phrase in rng.sample(PRAISES, rng.choice([1, 1, 2, 2, 3])):
        boost = rng.choice(BOOSTS)
        if boost and phrase.startswith("很"):
            phrase = phrase[1:]
        parts.append(boost + phrase)
    return rng.choice(SUBJECTS) + "，".join(parts) + rng.choice(ENDINGS)


def month_of_praise(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [praise(rng) for _ in range(n)]
