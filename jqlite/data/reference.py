"""Reference data of a store: industries, concepts and index weights (point in time).

Tables (layout in :mod:`jqlite.data.schema`): ``industry_members`` (scheme, industry_code,
code, start_date, end_date), ``industries`` (scheme, industry_code, name, start_date,
end_date) and ``index_weights`` (index_code, code, date, weight in percent).  They are
optional: a store without them answers ``get_industry`` & co. with empty results.

Two builders:

* :func:`sample_reference_tables` -- the synthetic sample market.  Each sample stock's sector
  and name suffix (``...银行``, ``...证券``, ...) map to a real Shenwan 2021 (SW2021) L3 class
  (:data:`SAMPLE_SW`; a share of each group's stocks carry the classes no group owns, see
  :func:`sample_sw_classes`), giving every scheme JoinQuant serves (see below).  Point in
  time: the ``锂业`` stocks are 有色金属/能源金属/锂 until 2021-07-29 and 电力设备/电池/锂电池
  from 2021-07-30 (the SW2021 revision day), and the L1 industries renamed by SW2021 carry
  their SW2014 names before that day (801030 化工 -> 基础化工, 801130 纺织服装 -> 纺织服饰,
  801730 电气设备 -> 电力设备).  Six synthetic concepts (:data:`SAMPLE_CONCEPTS`) with their
  own start dates.  No weights are stored: ``get_index_weights`` derives them from the
  circulating market cap (see :mod:`jqlite.api.reference`).
* :func:`read_real_reference` -- the real data folder: Shenwan's own classification history
  (``fundamentals/sw_industry_history_swsindex.parquet``, SW2021 names from
  ``sw2021_industry_codes.parquet``) and JoinQuant's daily CSI 500 weights
  (``constituents/jq_csi500_daily_weights_2020_2024.parquet``).

Industry codes are JoinQuant's: Shenwan *index* codes for ``sw_l1`` (``801780`` 银行I),
``sw_l2`` (``801783`` 股份制银行II) and ``sw_l3`` (``857831`` 股份制银行III), CSRC 2012 codes for
``zjw`` (``J66``), ``HY001``... for ``jq_l1``.  Catalogues: :mod:`jqlite.data.industry_codes`.
The sample covers every code: each SW2021 L3 class has members (:func:`sample_sw_classes`),
``sw_l1`` follows the standard in force (pre-2014 23-industry codes until 2014-02-20, SW2014
until 2021-07-29 -- ``801020`` 采掘 included --, SW2021 after); ``sw_l2``/``sw_l3`` use the
SW2021 codes throughout (the SW2014 L2/L3 lists are not in jqlite's catalogue); ``zjw`` and
``jq_*`` follow from the SW2021 class (:func:`zjw_of`, :func:`jq_of`).  Names follow
JoinQuant's style: ``银行I``, ``股份制银行II``, ``股份制银行III``.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from . import schema

FAR = pd.Timestamp(schema.FAR_FUTURE)
#: The SW2021 revision day (Shenwan 2021 classification in force).
SW2021_DAY = pd.Timestamp("2021-07-30")
#: The SW2014 revision day (28 L1 industries replace the 23 of the older standard).
SW2014_DAY = pd.Timestamp("2014-02-21")

#: Shenwan L1: classification-code prefix -> (index code, SW2021 name, SW2014 name or None).
SW_L1 = {
    "11": ("801010", "农林牧渔", None), "21": ("801020", None, "采掘"),
    "22": ("801030", "基础化工", "化工"), "23": ("801040", "钢铁", None),
    "24": ("801050", "有色金属", None), "27": ("801080", "电子", None),
    "28": ("801880", "汽车", None), "33": ("801110", "家用电器", None),
    "34": ("801120", "食品饮料", None), "35": ("801130", "纺织服饰", "纺织服装"),
    "36": ("801140", "轻工制造", None), "37": ("801150", "医药生物", None),
    "41": ("801160", "公用事业", None), "42": ("801170", "交通运输", None),
    "43": ("801180", "房地产", None), "45": ("801200", "商贸零售", "商业贸易"),
    "46": ("801210", "社会服务", "休闲服务"), "48": ("801780", "银行", None),
    "49": ("801790", "非银金融", None), "51": ("801230", "综合", None),
    "61": ("801710", "建筑材料", None), "62": ("801720", "建筑装饰", None),
    "63": ("801730", "电力设备", "电气设备"), "64": ("801890", "机械设备", None),
    "65": ("801740", "国防军工", None), "71": ("801750", "计算机", None),
    "72": ("801760", "传媒", None), "73": ("801770", "通信", None),
    "74": ("801950", "煤炭", None), "75": ("801960", "石油石化", None),
    "76": ("801970", "环保", None), "77": ("801980", "美容护理", None),
}

#: 聚宽一级行业: code -> name (all eleven; the catalogue of :mod:`.industry_codes`).
from .industry_codes import JQ_L1  # noqa: E402

#: Sample market: (sector key, name suffix) -> (the group's own SW2021 L3 classification code, L2
#: name, L3 name, jq_l1 code); names and codes served come from :mod:`.industry_codes`.
SAMPLE_SW = {
    ("financials", "银行"): ("480301", "股份制银行", "股份制银行", "HY007"),
    ("financials", "证券"): ("490101", "证券", "证券", "HY007"),
    ("financials", "保险"): ("490201", "保险", "保险", "HY007"),
    ("financials", "信托"): ("490304", "多元金融", "信托", "HY007"),
    ("real_estate", "地产"): ("430101", "房地产开发", "住宅开发", "HY011"),
    ("real_estate", "置业"): ("430102", "房地产开发", "商业地产", "HY011"),
    ("real_estate", "发展"): ("430103", "房地产开发", "产业地产", "HY011"),
    ("real_estate", "城建"): ("430301", "房地产服务", "物业管理", "HY011"),
    ("consumer_staples", "食品"): ("340404", "食品加工", "其他食品", "HY005"),
    ("consumer_staples", "酒业"): ("340501", "白酒", "白酒", "HY005"),
    ("consumer_staples", "乳业"): ("340702", "饮料乳品", "乳品", "HY005"),
    ("consumer_staples", "农业"): ("110102", "种植业", "粮食种植", "HY005"),
    ("consumer_discretionary", "电器"): ("330102", "白色家电", "空调", "HY004"),
    ("consumer_discretionary", "汽车"): ("280502", "乘用车", "综合乘用车", "HY004"),
    ("consumer_discretionary", "家居"): ("360307", "家居用品", "成品家居", "HY004"),
    ("consumer_discretionary", "服饰"): ("350209", "服装家纺", "非运动服装", "HY004"),
    ("healthcare", "医药"): ("370102", "化学制药", "化学制剂", "HY006"),
    ("healthcare", "生物"): ("370304", "生物制品", "其他生物制品", "HY006"),
    ("healthcare", "药业"): ("370201", "中药", "中药", "HY006"),
    ("healthcare", "医疗"): ("370502", "医疗器械", "医疗设备", "HY006"),
    ("semiconductors", "电子"): ("270504", "消费电子", "消费电子零部件及组装", "HY008"),
    ("semiconductors", "微电"): ("270104", "半导体", "数字芯片设计", "HY008"),
    ("semiconductors", "集成"): ("270107", "半导体", "集成电路封测", "HY008"),
    ("semiconductors", "光电"): ("270301", "光学光电子", "面板", "HY008"),
    ("telecom", "通信"): ("730204", "通信设备", "通信网络设备及器件", "HY009"),
    ("telecom", "传媒"): ("720401", "游戏", "游戏", "HY009"),
    ("telecom", "网络"): ("710301", "IT服务", "IT服务", "HY008"),
    ("telecom", "信息"): ("710402", "软件开发", "横向通用软件", "HY008"),
    ("new_energy", "能源"): ("410106", "电力", "光伏发电", "HY010"),
    ("new_energy", "锂业"): ("630701", "电池", "锂电池", "HY003"),
    ("new_energy", "新能"): ("630502", "光伏设备", "光伏电池组件", "HY003"),
    ("new_energy", "光伏"): ("630501", "光伏设备", "硅料硅片", "HY003"),
    ("industrials", "机械"): ("640106", "通用设备", "其他通用设备", "HY003"),
    ("industrials", "重工"): ("640601", "工程机械", "工程机械整机", "HY003"),
    ("industrials", "装备"): ("640209", "专用设备", "其他专用设备", "HY003"),
    ("industrials", "精工"): ("640101", "通用设备", "机床工具", "HY003"),
    ("materials", "化工"): ("220309", "化学制品", "其他化学制品", "HY002"),
    ("materials", "材料"): ("610101", "水泥", "水泥制造", "HY002"),
    ("materials", "钢铁"): ("230402", "普钢", "板材", "HY002"),
    ("materials", "有色"): ("240302", "工业金属", "铜", "HY002"),
}
#: Sample reclassification on SW2021_DAY: L3 before -> (code, L2 name, L3 name) (锂业 stocks).
SAMPLE_SW_BEFORE_2021 = {"630701": ("240603", "能源金属", "锂")}

#: Sample concepts: code -> (name, first day, member rule).  A rule is a set of (sector,
#: suffix) pairs, or ``'hash:N'`` (stocks whose crc32(code) % N == 0; half of them join on
#: the first day, the other half a year later).
SAMPLE_CONCEPTS = {
    "GN001": ("新能源汽车", "2014-01-02", {("new_energy", "锂业"), ("new_energy", "新能"),
                                       ("consumer_discretionary", "汽车")}),
    "GN002": ("芯片", "2015-06-01", {("semiconductors", "微电"), ("semiconductors", "集成")}),
    "GN003": ("5G", "2019-06-06", {("telecom", "通信"), ("semiconductors", "光电")}),
    "GN004": ("国企改革", "2015-09-14", "hash:9"),
    "GN005": ("光伏", "2014-01-02", {("new_energy", "光伏"), ("new_energy", "新能"),
                                   ("new_energy", "能源")}),
    "GN006": ("创新药", "2018-07-02", {("healthcare", "生物"), ("healthcare", "医药")}),
}


#: Sample market, well-known large caps: code -> their real SW2021 L3 class (they keep their
#: sample sector for prices; only the classification is the real company's).
SAMPLE_FAMOUS_L3 = {
    "000001.XSHE": "480301", "600000.XSHG": "480301", "600016.XSHG": "480301",
    "600036.XSHG": "480301", "601166.XSHG": "480301", "601818.XSHG": "480301",
    "601998.XSHG": "480301", "601288.XSHG": "480201", "601328.XSHG": "480201",
    "601398.XSHG": "480201", "601658.XSHG": "480201", "601939.XSHG": "480201",
    "601988.XSHG": "480201", "600030.XSHG": "490101", "300059.XSHE": "490101",
    "601318.XSHG": "490201", "601628.XSHG": "490201", "000002.XSHE": "430101",
    "000063.XSHE": "730204", "000333.XSHE": "330102", "000651.XSHE": "330102",
    "000568.XSHE": "340501", "000858.XSHE": "340501", "002304.XSHE": "340501",
    "600519.XSHG": "340501", "600809.XSHG": "340501", "600887.XSHG": "340702",
    "000725.XSHE": "270301", "002415.XSHE": "710102", "002475.XSHE": "270504",
    "002594.XSHE": "280501", "300015.XSHE": "370604", "300760.XSHE": "370502",
    "600276.XSHG": "370102", "002821.XSHE": "370603", "300750.XSHE": "630701",
    "300014.XSHE": "630701", "300073.XSHE": "630702", "600031.XSHG": "640601",
    "600309.XSHG": "220313", "600585.XSHG": "610101", "600900.XSHG": "410102",
    "601012.XSHG": "630501", "688599.XSHG": "630502", "601111.XSHG": "421001",
    "601919.XSHG": "421101", "601888.XSHG": "450701", "601989.XSHG": "650401",
    "002714.XSHE": "110702", "603799.XSHG": "240601", "688111.XSHG": "710402",
    "688981.XSHG": "270106",
}

_G = {  # short names of the sample groups (sector, name suffix)
    "农业": ("consumer_staples", "农业"), "食品": ("consumer_staples", "食品"),
    "乳业": ("consumer_staples", "乳业"), "酒业": ("consumer_staples", "酒业"),
    "化工": ("materials", "化工"), "材料": ("materials", "材料"), "有色": ("materials", "有色"),
    "钢铁": ("materials", "钢铁"), "电子": ("semiconductors", "电子"), "微电": ("semiconductors", "微电"),
    "集成": ("semiconductors", "集成"), "光电": ("semiconductors", "光电"),
    "汽车": ("consumer_discretionary", "汽车"), "电器": ("consumer_discretionary", "电器"),
    "服饰": ("consumer_discretionary", "服饰"), "家居": ("consumer_discretionary", "家居"),
    "医药": ("healthcare", "医药"), "生物": ("healthcare", "生物"), "药业": ("healthcare", "药业"),
    "医疗": ("healthcare", "医疗"), "能源": ("new_energy", "能源"), "锂业": ("new_energy", "锂业"),
    "新能": ("new_energy", "新能"), "光伏": ("new_energy", "光伏"), "装备": ("industrials", "装备"),
    "重工": ("industrials", "重工"), "机械": ("industrials", "机械"), "精工": ("industrials", "精工"),
    "地产": ("real_estate", "地产"), "置业": ("real_estate", "置业"), "发展": ("real_estate", "发展"),
    "城建": ("real_estate", "城建"), "银行": ("financials", "银行"), "证券": ("financials", "证券"),
    "保险": ("financials", "保险"), "信托": ("financials", "信托"), "网络": ("telecom", "网络"),
    "信息": ("telecom", "信息"), "传媒": ("telecom", "传媒"), "通信": ("telecom", "通信"),
}
#: Sample market: SW2021 L1 prefix -> the sample groups (sector, name suffix) whose stocks
#: carry that L1's classes besides each group's own class (:data:`SAMPLE_SW`), so that every
#: SW2021 L3 class -- hence every code of every scheme -- has members.  See
#: :func:`sample_sw_classes`.
SAMPLE_HOSTS = {p: tuple(_G[g] for g in gs.split()) for p, gs in {
    "11": "农业 食品 乳业", "22": "化工 材料 有色 钢铁", "23": "钢铁", "24": "有色",
    "27": "电子 微电 集成 光电", "28": "汽车", "33": "电器", "34": "食品 酒业 乳业", "35": "服饰",
    "36": "家居", "37": "医药 生物 药业 医疗", "41": "能源", "42": "装备 重工", "43": "地产 置业 发展",
    "45": "置业 服饰 家居", "46": "家居 服饰 传媒", "48": "银行", "49": "证券 保险 信托", "51": "信托",
    "61": "材料", "62": "城建 发展", "63": "锂业 新能 光伏", "64": "机械 精工 重工 装备",
    "65": "装备 精工", "71": "网络 信息", "72": "传媒", "73": "通信", "74": "能源 钢铁",
    "75": "能源 化工", "76": "能源 城建", "77": "生物 乳业"}.items()}

#: CSRC 2012 (zjw) division of a SW2021 class: by L3 class, else by L2 class (4 digits), else by
#: L1 prefix.  The sample's own choice (Shenwan and CSRC classify separately); chosen so that
#: every CSRC division JoinQuant lists has sample members.
_ZJW_L1 = {"11": "A01", "22": "C26", "23": "C31", "24": "C32", "27": "C39", "28": "C36", "33": "C38",
           "34": "C14", "35": "C18", "36": "C22", "37": "C27", "41": "D44", "42": "G54", "43": "K70",
           "45": "F52", "46": "L72", "48": "J66", "49": "J67", "51": "S90", "61": "C30", "62": "E48",
           "63": "C38", "64": "C34", "65": "C37", "71": "I65", "72": "R86", "73": "C39", "74": "B06",
           "75": "C25", "76": "N77", "77": "C26"}
_ZJW_L2 = {"1102": "A04", "1103": "A02", "1104": "C13", "1105": "C13", "1107": "A03", "1108": "C27",
           "1109": "A05", "2204": "C28", "2205": "C29", "2206": "C29", "2209": "C30", "2303": "B08",
           "2404": "B09", "2405": "B09", "2804": "C37", "3405": "C15", "3406": "C15", "3407": "C15",
           "3501": "C17", "3503": "C24", "3602": "C23", "3603": "C21", "3605": "C24", "3704": "F51",
           "3706": "Q83", "4103": "D45", "4208": "G58", "4210": "G56", "4211": "G55", "4502": "F51",
           "4506": "I64", "4606": "R88", "4607": "O79", "4608": "M74", "4609": "H62", "4610": "N78",
           "4611": "P82", "4902": "J68", "4903": "J69", "6201": "E47", "6202": "E50", "6204": "E49",
           "6206": "M74", "6402": "C35", "6405": "C37", "6406": "C35", "6407": "C35", "7101": "C39",
           "7204": "I64", "7205": "L72", "7207": "I64", "7208": "I64", "7209": "R85", "7301": "I63",
           "7402": "C25", "7501": "B07", "7502": "B11", "7602": "C35", "7701": "C22", "7703": "Q83"}
_ZJW_L3 = {"220901": "B10", "240504": "B12", "360103": "C16", "350107": "C19", "350205": "C19",
           "360306": "C20", "640108": "C33", "640107": "C40", "630804": "C40", "360311": "C41",
           "760103": "C42", "640203": "C43", "760102": "D46", "420903": "G53", "750202": "G57",
           "420806": "G59", "420804": "G60", "460901": "H61", "490305": "L71", "370603": "M73",
           "460801": "M75", "760104": "N76", "280303": "O80", "460804": "O81", "370605": "Q84",
           "720706": "R87", "461001": "R89"}

#: 聚宽一级 (jq_l1) of a SW2021 L1 prefix, and 聚宽二级 (jq_l2: code, name) by L2 class
#: (4 digits) else by L1 prefix.  jq_l2 codes here are ``HY`` + the jq_l1 digits + 2 digits;
#: JoinQuant's own jq_l2 numbering (``HY493`` 多元化银行 in its manual's example) was not
#: available: UNCONFIRMED, names follow JoinQuant's (GICS-like) industry groups.
_JQ1 = {"74": "HY001", "75": "HY001", "22": "HY002", "23": "HY002", "24": "HY002", "61": "HY002",
        "42": "HY003", "51": "HY003", "62": "HY003", "63": "HY003", "64": "HY003", "65": "HY003",
        "28": "HY004", "33": "HY004", "35": "HY004", "36": "HY004", "45": "HY004", "46": "HY004",
        "11": "HY005", "34": "HY005", "77": "HY005", "37": "HY006", "48": "HY007", "49": "HY007",
        "27": "HY008", "71": "HY008", "72": "HY009", "73": "HY009", "41": "HY010", "76": "HY010",
        "43": "HY011"}
_JQ2_L1 = {"74": ("HY00101", "煤炭"), "75": ("HY00102", "石油天然气"), "22": ("HY00202", "化工"),
           "23": ("HY00204", "钢铁"), "24": ("HY00201", "有色金属"), "61": ("HY00203", "建筑材料"),
           "42": ("HY00303", "交通运输"), "51": ("HY00304", "综合类"), "62": ("HY00305", "建筑与工程"),
           "63": ("HY00301", "电气设备"), "64": ("HY00302", "机械"), "65": ("HY00306", "航空航天与国防"),
           "28": ("HY00402", "汽车与汽车零部件"), "33": ("HY00401", "家庭耐用消费品"),
           "35": ("HY00403", "纺织品、服装与奢侈品"), "36": ("HY00401", "家庭耐用消费品"),
           "45": ("HY00404", "零售业"), "46": ("HY00405", "消费者服务"), "11": ("HY00503", "农产品"),
           "34": ("HY00501", "食品"), "77": ("HY00504", "家庭与个人用品"), "37": ("HY00601", "制药"),
           "48": ("HY00701", "银行"), "49": ("HY00704", "多元金融"),
           "27": ("HY00801", "电子设备、仪器和元件"), "71": ("HY00804", "软件"),
           "72": ("HY00902", "互动媒体与服务"), "73": ("HY00901", "通信设备"), "41": ("HY01001", "电力"),
           "76": ("HY01003", "水务与环保"), "43": ("HY01101", "房地产开发与运营")}
_JQ2_L2 = {"3405": ("HY00502", "饮料"), "3406": ("HY00502", "饮料"), "3407": ("HY00502", "饮料"),
           "3703": ("HY00602", "生物科技"), "3704": ("HY00603", "医疗保健设备与服务"),
           "3705": ("HY00603", "医疗保健设备与服务"), "3706": ("HY00603", "医疗保健设备与服务"),
           "4901": ("HY00702", "证券"), "4902": ("HY00703", "保险"), "2701": ("HY00802", "半导体产品与设备"),
           "7101": ("HY00805", "计算机设备"), "7103": ("HY00803", "信息技术服务"),
           "7206": ("HY00903", "媒体"), "7209": ("HY00903", "媒体"), "7210": ("HY00903", "媒体"),
           "7301": ("HY00904", "电信服务"), "4103": ("HY01002", "燃气"), "4303": ("HY01102", "房地产服务")}


def zjw_of(l3: str) -> str:
    """CSRC 2012 division (``'J66'``) the sample gives a SW2021 L3 class."""
    return _ZJW_L3.get(l3) or _ZJW_L2.get(l3[:4]) or _ZJW_L1[l3[:2]]


def jq_of(l3: str) -> tuple[str, str, str]:
    """(jq_l1 code, jq_l2 code, jq_l2 name) the sample gives a SW2021 L3 class."""
    j2, n2 = _JQ2_L2.get(l3[:4]) or _JQ2_L1[l3[:2]]
    return _JQ1[l3[:2]], j2, n2


def sw2014_l1(l3: str) -> str:
    """Shenwan L1 index code in force 2014-02-21 .. 2021-07-29 for a stock whose SW2021 class
    is ``l3``: the SW2021 L1s that did not exist before take their SW2014 home (煤炭, 油气开采
    and 油服 -> 801020 采掘; 炼化 and 美容护理 -> 801030 化工; 环保 -> 801160 公用事业)."""
    p = l3[:2]
    if p == "74" or l3[:4] in ("7501", "7502"):
        return "801020"
    if p in ("75", "77"):
        return "801030"
    if p == "76":
        return "801160"
    return SW_L1[p][0]


def sw_pre2014_l1(l3: str) -> str:
    """Shenwan L1 index code before 2014-02-21 (the 23-industry standard: 801060 建筑建材,
    801070 机械设备, 801090 交运设备, 801100 信息设备, 801190 金融服务, 801220 信息服务 held
    what SW2014 split into 801710/801720, 801730/801890, 801880/801740, 801750/801770 hardware,
    801780/801790 and 801750/801760/801770 services)."""
    p, p4 = l3[:2], l3[:4]
    if p in ("61", "62"):
        return "801060"
    if p in ("63", "64"):
        return "801070"
    if p in ("28", "65"):
        return "801090"
    if p4 in ("7101", "7302"):
        return "801100"
    if p in ("48", "49"):
        return "801190"
    if p in ("71", "72") or p4 == "7301":
        return "801220"
    return sw2014_l1(l3)


def sample_sw_classes(codes, sectors, suffixes) -> tuple[np.ndarray, np.ndarray]:
    """SW2021 L3 class of each sample stock before and from :data:`SW2021_DAY`.

    Rule (deterministic, a function of the stock list only): a well-known large cap
    (:data:`SAMPLE_FAMOUS_L3`) has its real class.  Every other stock of a group (sector, name
    suffix) has the group's class (:data:`SAMPLE_SW`) unless it hosts one of the classes no
    group owns: those classes, taken in order of how few groups may host them
    (:data:`SAMPLE_HOSTS`, then by code), go to the host group with the most room left (a group
    keeps at least a quarter of its stocks, and two, in its own class), to the stocks of the
    group in ``crc32(code)`` order.  Before 2021-07-30 the class is the same except that
    ``630701`` 锂电池 was ``240603`` 锂 (:data:`SAMPLE_SW_BEFORE_2021`).  ``''`` for a stock
    whose group is not in :data:`SAMPLE_SW`.

    Returns
    -------
    (before, after) : numpy.ndarray of str (object)
    """
    from .industry_codes import SW2021_L3
    codes = [str(c) for c in codes]
    n = len(codes)
    after = np.array([""] * n, dtype=object)
    groups: dict = {}
    for i, (c, sec, suf) in enumerate(zip(codes, sectors, suffixes)):
        k = (str(sec), str(suf))
        if k not in SAMPLE_SW:
            continue
        if c in SAMPLE_FAMOUS_L3:
            after[i] = SAMPLE_FAMOUS_L3[c]
            continue
        after[i] = SAMPLE_SW[k][0]
        groups.setdefault(k, []).append(i)
    for k in groups:
        groups[k].sort(key=lambda i: (zlib.crc32(codes[i].encode()), codes[i]))
    room = {k: len(v) - max(2, len(v) // 4) for k, v in groups.items()}
    owned = set(after[after != ""].tolist())
    need = [c for c in SW2021_L3 if c not in owned]
    need.sort(key=lambda c: (len(SAMPLE_HOSTS.get(c[:2], ())), c))
    hosted: dict = {k: [] for k in groups}
    for l3 in need:
        hosts = [h for h in SAMPLE_HOSTS.get(l3[:2], ()) if h in groups]
        cands = [h for h in hosts if room[h] > 0]
        if not cands:
            secs = {h[0] for h in hosts}
            cands = [h for h in groups if h[0] in secs and room[h] > 0] or [h for h in groups if room[h] > 0]
        if not cands:
            break
        h = max(cands, key=lambda g: (room[g], -list(groups).index(g)))
        hosted[h].append(l3)
        room[h] -= 1
    for k, l3s in hosted.items():
        for i, l3 in zip(groups[k], l3s):
            after[i] = l3
    before = np.array([SAMPLE_SW_BEFORE_2021.get(a, (a,))[0] if a else "" for a in after], dtype=object)
    return before, after


def sample_sw_l1(sectors, suffixes, codes=None) -> tuple[np.ndarray, np.ndarray]:
    """SW L1 index codes (``'801780'``) of sample stocks before and from :data:`SW2021_DAY`
    (SW2014 codes before, see :func:`sw2014_l1`); ``''`` where (sector, suffix) is not in
    :data:`SAMPLE_SW`.  With ``codes`` the classes are :func:`sample_sw_classes`' (the
    store's own); without, each group's own class."""
    if codes is None:
        after = np.array([SAMPLE_SW[(str(a), str(b))][0] if (str(a), str(b)) in SAMPLE_SW else ""
                          for a, b in zip(sectors, suffixes)], dtype=object)
        before = np.array([SAMPLE_SW_BEFORE_2021.get(a, (a,))[0] if a else "" for a in after], dtype=object)
    else:
        before, after = sample_sw_classes(codes, sectors, suffixes)
    b = np.array([sw2014_l1(x) if x else "" for x in before], dtype=object)
    a = np.array([SW_L1[x[:2]][0] if x else "" for x in after], dtype=object)
    return b, a


def sw_l1_index_name(index_code: str) -> str:
    """Display name of a Shenwan L1 index (SW2021 name, JoinQuant style ``'银行I'``)."""
    for prefix, (code, n21, n14) in SW_L1.items():
        if code == index_code:
            return jq_style_name(n21 or n14, 1)
    return index_code


def jq_style_name(name: str, level: int) -> str:
    """``'股份制银行Ⅱ'`` / ``'股份制银行'`` at level 2 -> ``'股份制银行II'`` (JoinQuant style)."""
    base = str(name).rstrip("ⅠⅡⅢ").rstrip()
    return base + "I" * level


def _l1(prefix: str, when_before_2021: bool) -> tuple[str, str] | None:
    e = SW_L1.get(prefix)
    if e is None:
        return None
    code, n21, n14 = e
    name = (n14 or n21) if when_before_2021 else (n21 or n14)
    return code, name


def _members(rows: list, scheme: str, code_ind: str, code: str, s, e) -> None:
    rows.append((scheme, code_ind, code, pd.Timestamp(s), pd.Timestamp(e)))


def _names_from_members(mem: pd.DataFrame, names: dict) -> pd.DataFrame:
    """industries table: one row per (scheme, industry_code, name era); start = first
    member day of that era, end = last (FAR if a member is current)."""
    out = []
    for (scheme, ic), g in mem.groupby(["scheme", "industry_code"], sort=True):
        s, e = g["start_date"].min(), g["end_date"].max()
        eras = names.get((scheme, ic))
        if isinstance(eras, str) or eras is None:
            out.append((scheme, ic, eras or ic, s, e))
            continue
        for nm, es, ee in eras:  # [(name, era start, era end)]
            a, b = max(s, es), min(e, ee)
            if a <= b:
                out.append((scheme, ic, nm, a, b))
    return pd.DataFrame(out, columns=list(schema.INDUSTRIES))


def _l1_eras(prefix: str) -> list | str:
    code, n21, n14 = SW_L1[prefix]
    if n14 is None:
        return jq_style_name(n21, 1)
    if n21 is None:
        return jq_style_name(n14, 1)
    return [(jq_style_name(n14, 1), pd.Timestamp("1990-01-01"), SW2021_DAY - pd.Timedelta(1, unit="D")),
            (jq_style_name(n21, 1), SW2021_DAY, FAR)]


# ---------------------------------------------------------------------------- sample
def sample_reference_tables(securities: pd.DataFrame, sectors: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Industry and concept tables of the sample market.

    Parameters
    ----------
    securities : pandas.DataFrame
        The store's securities master (``code``, ``display_name``, ``type``, ``start_date``,
        ``end_date``).
    sectors : pandas.DataFrame
        :func:`jqlite.data.sample.sample_sectors` (indexed by code, column ``sector``).

    Returns
    -------
    dict
        ``{'industry_members': DataFrame, 'industries': DataFrame}`` in the schema's columns.
    """
    from .industry_codes import SW2021_L2, SW2021_L3, SW_RETIRED_L1, ZJW, JQ_L1 as JQ1_NAMES
    sec = securities.copy()
    if "code" not in sec.columns:
        sec = sec.reset_index()
    sec = sec[sec["type"] == "stock"]
    sector = sectors["sector"] if "sector" in sectors.columns else sectors.iloc[:, 0]
    suffix_of = sectors["industry_suffix"] if "industry_suffix" in sectors.columns else None
    # the classification is a function of the whole sample stock list (sample_sw_classes):
    # the same list as the index members of jqlite.data.sample use
    all_codes = [str(c) for c in sectors.index]
    all_suf = [suffix_of.get(c) if suffix_of is not None else None for c in all_codes]
    disp = dict(zip(sec["code"], sec["display_name"]))
    all_suf = [sf if isinstance(sf, str) else str(disp.get(c, ""))[-2:] for c, sf in zip(all_codes, all_suf)]
    before_a, after_a = sample_sw_classes(all_codes, [sector.get(c) for c in all_codes], all_suf)
    cls = {c: (b, a) for c, b, a in zip(all_codes, before_a, after_a) if a}
    keys = {c: (str(sector.get(c)), sf) for c, sf in zip(all_codes, all_suf)}
    rows: list = []
    names: dict = {}
    d14, d21 = SW2014_DAY, SW2021_DAY
    one = pd.Timedelta(1, unit="D")
    for code, s, e in zip(sec["code"], sec["start_date"], sec["end_date"]):
        if code not in cls:
            continue
        b3, a3 = cls[code]
        s, e = pd.Timestamp(s), pd.Timestamp(e)
        e = FAR if e >= FAR else e
        # (from, to, sw_l1 code, SW2021 class in force)
        eras = [(pd.Timestamp("1900-01-01"), d14 - one, sw_pre2014_l1(b3), b3),
                (d14, d21 - one, sw2014_l1(b3), b3), (d21, FAR, SW_L1[a3[:2]][0], a3)]
        per: dict = {}
        for lo, hi, l1c, c3 in eras:
            lo, hi = max(lo, s), min(hi, e)
            if lo > hi:
                continue
            j1, j2, j2n = jq_of(c3)
            l2c, l2n = SW2021_L2[c3[:4] + "00"]
            l3c, l3n = SW2021_L3[c3]
            zc = zjw_of(c3)
            for sch, ic in (("sw_l1", l1c), ("sw_l2", l2c), ("sw_l3", l3c), ("jq_l1", j1),
                            ("jq_l2", j2), ("zjw", zc)):
                iv = per.setdefault(sch, [])
                if iv and iv[-1][0] == ic and iv[-1][2] + one >= lo:
                    iv[-1][2] = hi                      # same industry continues
                else:
                    iv.append([ic, lo, hi])
            names[("sw_l2", l2c)] = jq_style_name(l2n, 2)
            names[("sw_l3", l3c)] = jq_style_name(l3n, 3)
            names[("jq_l1", j1)] = JQ1_NAMES[j1]
            names[("jq_l2", j2)] = j2n
            names[("zjw", zc)] = ZJW[zc][0]
            if l1c in SW_RETIRED_L1 and l1c != "801020":
                names[("sw_l1", l1c)] = jq_style_name(SW_RETIRED_L1[l1c][0], 1)
            else:
                pfx = next(p for p, v in SW_L1.items() if v[0] == l1c)
                names[("sw_l1", l1c)] = _l1_eras(pfx)
        for sch, iv in per.items():
            for ic, lo, hi in iv:
                _members(rows, sch, ic, code, lo, hi)
    # concepts
    for cc, (cname, first, rule) in SAMPLE_CONCEPTS.items():
        c0 = pd.Timestamp(first)
        names[("jq_concept", cc)] = cname
        for code, s, e in zip(sec["code"], sec["start_date"], sec["end_date"]):
            s, e = pd.Timestamp(s), pd.Timestamp(e)
            e = FAR if e >= FAR else e
            join = c0
            if isinstance(rule, str):
                n = int(rule.split(":")[1])
                h = zlib.crc32(code.encode())
                if h % n:
                    continue
                if (h // n) % 2:
                    join = c0 + pd.DateOffset(years=1)
            elif keys.get(code) not in rule:
                continue
            a = max(s, join)
            if a <= e:
                _members(rows, "jq_concept", cc, code, a, e)
    mem = pd.DataFrame(rows, columns=list(schema.INDUSTRY_MEMBERS))
    mem = mem.sort_values(["scheme", "industry_code", "code", "start_date"]).reset_index(drop=True)
    return {"industry_members": mem, "industries": _names_from_members(mem, names)}


# ---------------------------------------------------------------------------- real data
def read_real_industries(src_dir, codes=None, start=None, end=None) -> dict[str, pd.DataFrame]:
    """Shenwan classification history of the real data folder as store tables.

    Parameters
    ----------
    src_dir : path-like
        The real-data root (holding ``fundamentals/``).
    codes : iterable of str, optional
        Keep only these securities (the store's codes).
    start, end : date-like, optional
        Keep only intervals overlapping ``[start, end]``.

    Returns
    -------
    dict
        ``{'industry_members', 'industries'}`` (empty frames when the files are absent).

    Notes
    -----
    The class in force on day D is the history row with the latest 计入日期 <= D (times of
    day dropped).  ``sw_l1`` comes from the first two digits of the classification code
    (SW2014 names before 2021-07-30 for the renamed L1s, 采掘 801020 until then); pre-2014
    codes (prefixes 25, 26, 31, 32, 44, 47) have no L1.  ``sw_l2``/``sw_l3`` exist only for
    rows from 2021-07-30 on (SW2021 codes, names from ``sw2021_industry_codes.parquet``).
    """
    from pathlib import Path

    from .industry_codes import SW2021_L2, SW2021_L3
    fd = Path(src_dir) / "fundamentals"
    hist_f, codes_f = fd / "sw_industry_history_swsindex.parquet", fd / "sw2021_industry_codes.parquet"
    empty = {"industry_members": pd.DataFrame(columns=list(schema.INDUSTRY_MEMBERS)),
             "industries": pd.DataFrame(columns=list(schema.INDUSTRIES))}
    if not hist_f.exists():
        return empty
    from .ingest import read_source
    h = read_source(hist_f, columns=["code", "计入日期", "行业代码"], required=["code", "计入日期", "行业代码"])
    h = h.rename(columns={"计入日期": "start_date", "行业代码": "ic"})
    h["start_date"] = pd.to_datetime(h["start_date"]).dt.normalize()
    h["ic"] = h["ic"].astype(str)
    if codes is not None:
        h = h[h["code"].isin(set(codes))]
    h = h.sort_values(["code", "start_date"], kind="stable").drop_duplicates(["code", "start_date"], keep="last")
    nxt = h.groupby("code")["start_date"].shift(-1)
    h["end_date"] = (nxt - pd.Timedelta(1, unit="D")).fillna(FAR)
    # every listed stock was re-coded on the SW2021 day: an older class never outlives it
    old = (h["start_date"] < SW2021_DAY).to_numpy()
    h.loc[old, "end_date"] = h.loc[old, "end_date"].clip(upper=SW2021_DAY - pd.Timedelta(1, unit="D"))
    if start is not None:
        h = h[h["end_date"] >= pd.Timestamp(start)]
    if end is not None:
        h = h[h["start_date"] <= pd.Timestamp(end)]
    names21 = {}
    if codes_f.exists():
        t = read_source(codes_f, required=["行业代码", "二级行业名称", "三级行业名称"])
        for ic, n2, n3 in zip(t["行业代码"].astype(str), t["二级行业名称"], t["三级行业名称"]):
            names21[ic] = (n2, n3)
    rows, names = [], {}
    for code, s, e, ic in zip(h["code"], h["start_date"], h["end_date"], h["ic"]):
        p = ic[:2]
        if p not in SW_L1:
            continue
        new = s >= SW2021_DAY
        l1c = SW_L1[p][0]
        _members(rows, "sw_l1", l1c, code, s, e)
        names[("sw_l1", l1c)] = _l1_eras(p)
        if new and ic in names21 and names21[ic][1] is not None:
            n2, n3 = names21[ic]
            # JoinQuant's codes are Shenwan's index codes (801783 / 857831), not the
            # classification codes (480300 / 480301) of the source
            c2 = SW2021_L2.get(ic[:4] + "00", (ic[:4] + "00",))[0]
            c3 = SW2021_L3.get(ic, (ic,))[0]
            _members(rows, "sw_l2", c2, code, s, e)
            _members(rows, "sw_l3", c3, code, s, e)
            names[("sw_l2", c2)] = jq_style_name(n2, 2)
            names[("sw_l3", c3)] = jq_style_name(n3, 3)
    mem = pd.DataFrame(rows, columns=list(schema.INDUSTRY_MEMBERS))
    # merge back-to-back intervals of the same (scheme, industry, code) (a re-coding that
    # keeps the L1 is not a change of L1)
    mem = mem.sort_values(["scheme", "code", "start_date"], kind="stable").reset_index(drop=True)
    same = (mem["scheme"].eq(mem["scheme"].shift()) & mem["code"].eq(mem["code"].shift())
            & mem["industry_code"].eq(mem["industry_code"].shift())
            & (mem["start_date"] - mem["end_date"].shift() <= pd.Timedelta(1, unit="D"))).to_numpy()
    gid = np.cumsum(~same)
    mem = mem.groupby(gid).agg(scheme=("scheme", "first"), industry_code=("industry_code", "first"),
                               code=("code", "first"), start_date=("start_date", "min"),
                               end_date=("end_date", "max")).reset_index(drop=True)
    mem = mem.sort_values(["scheme", "industry_code", "code", "start_date"]).reset_index(drop=True)
    return {"industry_members": mem, "industries": _names_from_members(mem, names)}


def read_real_index_weights(src_dir, calendar=None, codes=None) -> pd.DataFrame:
    """JoinQuant's daily CSI 500 weights (``constituents/jq_csi500_daily_weights_2020_2024.parquet``,
    fractions) as ``index_weights`` rows (``index_code='000905.XSHG'``, weight in percent),
    restricted to ``calendar`` days and ``codes`` when given; empty when the file is absent."""
    from pathlib import Path

    f = Path(src_dir) / "constituents" / "jq_csi500_daily_weights_2020_2024.parquet"
    if not f.exists():
        return pd.DataFrame(columns=list(schema.INDEX_WEIGHTS))
    from .ingest import read_source
    w = read_source(f)
    w["date"] = pd.to_datetime(w["date"])
    if calendar is not None:
        w = w[w["date"].isin(pd.DatetimeIndex(calendar))]
    if codes is not None:
        w = w[w["code"].isin(set(codes))]
    out = pd.DataFrame({"index_code": "000905.XSHG", "code": w["code"].astype(str).to_numpy(),
                        "date": w["date"].to_numpy(), "weight": w["weight"].to_numpy() * 100.0})
    return out.sort_values(["date", "code"]).reset_index(drop=True)


def read_real_reference(src_dir, codes=None, calendar=None, weight_codes=None) -> dict[str, pd.DataFrame]:
    """All reference tables of the real data folder: ``industry_members``, ``industries``
    (securities ``codes``, intervals overlapping ``calendar``) and ``index_weights`` (days of
    ``calendar``; only ``weight_codes`` when given)."""
    cal = pd.DatetimeIndex(calendar) if calendar is not None else None
    out = read_real_industries(src_dir, codes=codes,
                               start=None if cal is None else cal[0], end=None if cal is None else cal[-1])
    out["index_weights"] = read_real_index_weights(src_dir, calendar=cal, codes=weight_codes)
    return out
