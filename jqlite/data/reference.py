"""Reference data of a store: industries, concepts and index weights (point in time).

Tables (layout in :mod:`jqlite.data.schema`): ``industry_members`` (scheme, industry_code,
code, start_date, end_date), ``industries`` (scheme, industry_code, name, start_date,
end_date) and ``index_weights`` (index_code, code, date, weight in percent).  They are
optional: a store without them answers ``get_industry`` & co. with empty results.

Two builders:

* :func:`sample_reference_tables` -- the synthetic sample market.  Each sample stock's sector
  and name suffix (``...银行``, ``...证券``, ...) map to a real Shenwan 2021 (SW2021) L3 class
  (:data:`SAMPLE_SW`), giving ``sw_l1`` (JoinQuant's 801xxx index codes), ``sw_l2``/``sw_l3``
  (Shenwan classification codes, see below) and ``jq_l1`` (聚宽一级, ``HY001``...).  Point in
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

Industry codes.  ``sw_l1`` uses the Shenwan L1 *index* codes JoinQuant uses (``801780`` 银行).
For L2/L3 the mapping from Shenwan's classification codes to JoinQuant's index codes
(``801192``, ``851911``) is not in the available data, so ``sw_l2``/``sw_l3`` codes are the
6-digit Shenwan classification codes (``480300`` 股份制银行Ⅱ, ``480301`` 股份制银行Ⅲ).
Names follow JoinQuant's style: ``银行I``, ``股份制银行II``, ``股份制银行III``.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from . import schema

FAR = pd.Timestamp(schema.FAR_FUTURE)
#: The SW2021 revision day (Shenwan 2021 classification in force).
SW2021_DAY = pd.Timestamp("2021-07-30")

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

#: 聚宽一级行业 codes used by the sample market.
JQ_L1 = {"HY002": "材料", "HY003": "工业", "HY004": "可选消费", "HY005": "日常消费",
         "HY006": "医药卫生", "HY007": "金融", "HY008": "信息技术", "HY009": "电信服务",
         "HY010": "公用事业", "HY011": "房地产"}

#: Sample market: (sector key, name suffix) -> (SW2021 L3 code, L2 name, L3 name, jq_l1 code).
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


#: Sample market: SW2021 L3 code -> (证监会 zjw code, zjw name, 聚宽二级 jq_l2 code, jq_l2 name).
#: zjw codes are the CSRC 2012 classification (letter + 2 digits: ``C39``); jq_l2 codes are
#: 聚宽二级行业 codes (``HY`` + 5 digits, the first three those of the jq_l1 parent) --
#: their exact numbering on JoinQuant is UNCONFIRMED; the names are JoinQuant's.
SAMPLE_ZJW_JQL2 = {
    "480301": ("J66", "货币金融服务", "HY00701", "银行"),
    "490101": ("J67", "资本市场服务", "HY00702", "证券"),
    "490201": ("J68", "保险业", "HY00703", "保险"),
    "490304": ("J69", "其他金融业", "HY00704", "多元金融"),
    "430101": ("K70", "房地产业", "HY01101", "房地产开发与运营"),
    "430102": ("K70", "房地产业", "HY01101", "房地产开发与运营"),
    "430103": ("K70", "房地产业", "HY01101", "房地产开发与运营"),
    "430301": ("K70", "房地产业", "HY01102", "房地产服务"),
    "340404": ("C14", "食品制造业", "HY00501", "食品"),
    "340501": ("C15", "酒、饮料和精制茶制造业", "HY00502", "饮料"),
    "340702": ("C14", "食品制造业", "HY00501", "食品"),
    "110102": ("A01", "农业", "HY00503", "农产品"),
    "330102": ("C38", "电气机械和器材制造业", "HY00401", "家庭耐用消费品"),
    "280502": ("C36", "汽车制造业", "HY00402", "汽车与汽车零部件"),
    "360307": ("C21", "家具制造业", "HY00401", "家庭耐用消费品"),
    "350209": ("C18", "纺织服装、服饰业", "HY00403", "纺织品、服装与奢侈品"),
    "370102": ("C27", "医药制造业", "HY00601", "制药"),
    "370304": ("C27", "医药制造业", "HY00602", "生物科技"),
    "370201": ("C27", "医药制造业", "HY00601", "制药"),
    "370502": ("C35", "专用设备制造业", "HY00603", "医疗保健设备与服务"),
    "270504": ("C39", "计算机、通信和其他电子设备制造业", "HY00801", "电子设备、仪器和元件"),
    "270104": ("C39", "计算机、通信和其他电子设备制造业", "HY00802", "半导体产品与设备"),
    "270107": ("C39", "计算机、通信和其他电子设备制造业", "HY00802", "半导体产品与设备"),
    "270301": ("C39", "计算机、通信和其他电子设备制造业", "HY00801", "电子设备、仪器和元件"),
    "730204": ("C39", "计算机、通信和其他电子设备制造业", "HY00901", "通信设备"),
    "720401": ("I64", "互联网和相关服务", "HY00902", "互动媒体与服务"),
    "710301": ("I65", "软件和信息技术服务业", "HY00803", "信息技术服务"),
    "710402": ("I65", "软件和信息技术服务业", "HY00804", "软件"),
    "410106": ("D44", "电力、热力生产和供应业", "HY01001", "电力"),
    "630701": ("C38", "电气机械和器材制造业", "HY00301", "电气设备"),
    "240603": ("C32", "有色金属冶炼和压延加工业", "HY00201", "有色金属"),
    "630502": ("C38", "电气机械和器材制造业", "HY00301", "电气设备"),
    "630501": ("C38", "电气机械和器材制造业", "HY00301", "电气设备"),
    "640106": ("C34", "通用设备制造业", "HY00302", "机械"),
    "640601": ("C35", "专用设备制造业", "HY00302", "机械"),
    "640209": ("C35", "专用设备制造业", "HY00302", "机械"),
    "640101": ("C34", "通用设备制造业", "HY00302", "机械"),
    "220309": ("C26", "化学原料和化学制品制造业", "HY00202", "化工"),
    "610101": ("C30", "非金属矿物制品业", "HY00203", "建筑材料"),
    "230402": ("C31", "黑色金属冶炼和压延加工业", "HY00204", "钢铁"),
    "240302": ("C32", "有色金属冶炼和压延加工业", "HY00201", "有色金属"),
}


def sample_sw_l1(sectors, suffixes) -> tuple[np.ndarray, np.ndarray]:
    """SW L1 index codes (``'801780'``) of sample stocks before and from :data:`SW2021_DAY`
    (they differ for the 锂业 stocks); ``''`` where (sector, suffix) is not in
    :data:`SAMPLE_SW`."""
    before, after = [], []
    for sec, suf in zip(sectors, suffixes):
        e = SAMPLE_SW.get((str(sec), str(suf)))
        if e is None:
            before.append("")
            after.append("")
            continue
        l3 = e[0]
        b3 = SAMPLE_SW_BEFORE_2021.get(l3, (l3,))[0]
        before.append(SW_L1[b3[:2]][0])
        after.append(SW_L1[l3[:2]][0])
    return np.array(before, dtype=object), np.array(after, dtype=object)


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
    return [(jq_style_name(n14, 1), pd.Timestamp("1990-01-01"), SW2021_DAY - pd.Timedelta(days=1)),
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
    sec = securities.copy()
    if "code" not in sec.columns:
        sec = sec.reset_index()
    sec = sec[sec["type"] == "stock"]
    sector = sectors["sector"] if "sector" in sectors.columns else sectors.iloc[:, 0]
    suffix_of = sectors["industry_suffix"] if "industry_suffix" in sectors.columns else None
    rows: list = []
    names: dict = {}
    keys = {}
    for code, disp, s, e in zip(sec["code"], sec["display_name"], sec["start_date"], sec["end_date"]):
        suf = suffix_of.get(code) if suffix_of is not None else None
        k = (str(sector.get(code)), str(suf) if isinstance(suf, str) else str(disp)[-2:])
        if k not in SAMPLE_SW:
            continue
        keys[code] = k
        s, e = pd.Timestamp(s), pd.Timestamp(e)
        e = FAR if e >= FAR else e
        l3, l2n, l3n, jq = SAMPLE_SW[k]
        eras = [(l3, l2n, l3n, s, e)]
        if l3 in SAMPLE_SW_BEFORE_2021 and s < SW2021_DAY:
            b3, b2n, b3n = SAMPLE_SW_BEFORE_2021[l3]
            eras = [(b3, b2n, b3n, s, min(e, SW2021_DAY - pd.Timedelta(days=1)))]
            if e >= SW2021_DAY:
                eras.append((l3, l2n, l3n, SW2021_DAY, e))
        for c3, n2, n3, a, b in eras:
            l1c = SW_L1[c3[:2]][0]
            _members(rows, "sw_l1", l1c, code, a, b)
            _members(rows, "sw_l2", c3[:4] + "00", code, a, b)
            _members(rows, "sw_l3", c3, code, a, b)
            names[("sw_l1", l1c)] = _l1_eras(c3[:2])
            names[("sw_l2", c3[:4] + "00")] = jq_style_name(n2, 2)
            names[("sw_l3", c3)] = jq_style_name(n3, 3)
            zc, zn, j2, j2n = SAMPLE_ZJW_JQL2[c3]
            _members(rows, "zjw", zc, code, a, b)
            _members(rows, "jq_l2", j2, code, a, b)
            names[("zjw", zc)] = zn
            names[("jq_l2", j2)] = j2n
        _members(rows, "jq_l1", jq, code, s, e)
        names[("jq_l1", jq)] = JQ_L1[jq]
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
    h["end_date"] = (nxt - pd.Timedelta(days=1)).fillna(FAR)
    # every listed stock was re-coded on the SW2021 day: an older class never outlives it
    old = (h["start_date"] < SW2021_DAY).to_numpy()
    h.loc[old, "end_date"] = h.loc[old, "end_date"].clip(upper=SW2021_DAY - pd.Timedelta(days=1))
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
            _members(rows, "sw_l2", ic[:4] + "00", code, s, e)
            _members(rows, "sw_l3", ic, code, s, e)
            names[("sw_l2", ic[:4] + "00")] = jq_style_name(n2, 2)
            names[("sw_l3", ic)] = jq_style_name(n3, 3)
    mem = pd.DataFrame(rows, columns=list(schema.INDUSTRY_MEMBERS))
    # merge back-to-back intervals of the same (scheme, industry, code) (a re-coding that
    # keeps the L1 is not a change of L1)
    mem = mem.sort_values(["scheme", "code", "start_date"], kind="stable").reset_index(drop=True)
    same = (mem["scheme"].eq(mem["scheme"].shift()) & mem["code"].eq(mem["code"].shift())
            & mem["industry_code"].eq(mem["industry_code"].shift())
            & (mem["start_date"] - mem["end_date"].shift() <= pd.Timedelta(days=1))).to_numpy()
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
