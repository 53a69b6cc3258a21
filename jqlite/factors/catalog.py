"""JoinQuant's factor library as data: every factor ``get_all_factors()`` lists.

One row per factor: ``(factor, category, factor_intro, documented formula)``, transcribed
from JoinQuant's data dictionary pages (stored crawl of 2026-03-27), one page per category:

============  ======================================================================  =====
category      page                                                                    rows
============  ======================================================================  =====
basics        https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10434 基础类因子     37
emotion       ...&id=10439 情绪类因子                                                    36
growth        ...&id=10436 成长类因子                                                     9
momentum      ...&id=10441 动量类因子                                                    34
pershare      ...&id=10437 每股类因子                                                    15
quality       ...&id=10433 质量类因子                                                    71
risk          ...&id=10440 风险类因子                                                    12
style         ...&id=10448 风格因子 (10 style factors + 21 descriptors, one shared)     30
technical     ...&id=10443 技术类因子                                                    16
============  ======================================================================  =====

260 factors, the count of the ``get_all_factors()`` example on JoinQuant's page "获取聚宽因子名称"
(…&id=10431), whose rows are sorted by category then case-insensitively by code
(``administration_expense_ttm, asset_impairment_loss_ttm, …, MFI14, price_no_fq``).  The
``style_pro`` (CNE6) category is left out: JoinQuant's page says it is "调试中，未正式上线" and
publishes no formulas.

``factor_intro`` is the page's 因子名称 column, except ``price_no_fq`` whose intro is the
``get_all_factors()`` example's ("不复权价格因子").  The implemented formula of each factor is its
``FactorDef.description`` (:mod:`jqlite.factors.library`); the documented one is kept here.
"""

from __future__ import annotations

DOC_PAGES = {
    "basics": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10434",
    "quality": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10433",
    "emotion": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10439",
    "growth": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10436",
    "risk": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10440",
    "pershare": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10437",
    "technical": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10443",
    "momentum": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10441",
    "style": "https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=10448",
}

_ROWS = """
basics|net_working_capital|净运营资本|流动资产 － 流动负债
basics|total_operating_revenue_ttm|营业总收入TTM|计算过去12个月的 营业总收入 之和
basics|operating_profit_ttm|营业利润TTM|计算过去12个月 营业利润 之和
basics|net_operate_cash_flow_ttm|经营活动现金流量净额TTM|计算过去12个月 经营活动产生的现金流量净值 之和
basics|operating_revenue_ttm|营业收入TTM|计算过去12个月的 营业收入 之和
basics|interest_carry_current_liability|带息流动负债|流动负债合计 - 无息流动负债
basics|sale_expense_ttm|销售费用TTM|计算过去12个月 销售费用 之和
basics|gross_profit_ttm|毛利TTM|过去12个月的 毛利润 之和
basics|retained_earnings|留存收益|盈余公积金+未分配利润
basics|total_operating_cost_ttm|营业总成本TTM|计算过去12个月的 营业总成本 之和
basics|non_operating_net_profit_ttm|营业外收支净额TTM|营业外收入（TTM） - 营业外支出（TTM）
basics|net_invest_cash_flow_ttm|投资活动现金流量净额TTM|计算过去12个月 投资活动现金流量净额 之和
basics|financial_expense_ttm|财务费用TTM|计算过去12个月 财务费用 之和
basics|administration_expense_ttm|管理费用TTM|计算过去12个月 管理费用 之和
basics|net_interest_expense|净利息费用|利息支出-利息收入
basics|value_change_profit_ttm|价值变动净收益TTM|计算过去12个月 价值变动净收益 之和
basics|total_profit_ttm|利润总额TTM|计算过去12个月 利润总额 之和
basics|net_finance_cash_flow_ttm|筹资活动现金流量净额TTM|计算过去12个月 筹资活动现金流量净额 之和
basics|interest_free_current_liability|无息流动负债|应付票据+应付账款+预收账款(用 预售款项 代替)+应交税费+应付利息+其他应付款+其他流动负债
basics|EBIT|息税前利润|净利润+所得税+财务费用
basics|net_profit_ttm|净利润TTM|计算过去12个月 净利润 之和
basics|OperateNetIncome|经营活动净收益|经营活动净收益/利润总额(%) * 利润总额
basics|EBITDA|息税折旧摊销前利润（报告期）|（营业总收入-营业税金及附加）-（营业成本+利息支出+手续费及佣金支出+销售费用+管理费用+研发费用+资产减值损失）+（固定资产折旧、油气资产折耗、生产性生物资产折旧）+无形资产摊销+长期待摊费用摊销
basics|asset_impairment_loss_ttm|资产减值损失TTM|计算过去12个月 资产减值损失 之和
basics|np_parent_company_owners_ttm|归属于母公司股东的净利润TTM|计算过去12个月 归属于母公司股东的净利润 之和
basics|operating_cost_ttm|营业成本TTM|计算过去12个月的 营业成本 之和
basics|net_debt|净债务|总债务-期末现金及现金等价物余额
basics|non_recurring_gain_loss|非经常性损益|归属于母公司股东的净利润-扣除非经常损益后的净利润(元)
basics|goods_sale_and_service_render_cash_ttm|销售商品提供劳务收到的现金|计算过去12个月 销售商品提供劳务收到的现金 之和
basics|market_cap|市值|市值
basics|cash_flow_to_price_ratio|现金流市值比|1 / pcf_ratio (ttm)
basics|sales_to_price_ratio|营收市值比|1 / ps_ratio (ttm)
basics|circulating_market_cap|流通市值|流通市值
basics|operating_assets|经营性资产|总资产 - 金融资产
basics|financial_assets|金融资产|货币资金 + 交易性金融资产 + 应收票据 + 应收利息 + 应收股利 + 可供出售金融资产 + 持有至到期投资
basics|operating_liability|经营性负债|总负债 - 金融负债
basics|financial_liability|金融负债|(流动负债合计-应付账款-预收款项-应付职工薪酬-应交税费-其他应付款-一年内的递延收益-其它流动负债)+(长期借款+应付债券)
quality|net_profit_to_total_operate_revenue_ttm|净利润与营业总收入之比|净利润（TTM）/营业总收入（TTM）
quality|cfo_to_ev|经营活动产生的现金流量净额与企业价值之比TTM|经营活动产生的现金流量净额TTM / 企业价值; 企业价值=司市值+负债合计-货币资金
quality|accounts_payable_turnover_days|应付账款周转天数|360 / 应付账款周转率
quality|net_profit_ratio|销售净利率|净利润（TTM）/营业收入（TTM）
quality|net_non_operating_income_to_total_profit|营业外收支利润净额/利润总额|营业外收支利润净额/利润总额
quality|fixed_asset_ratio|固定资产比率|(固定资产+工程物资+在建工程)/总资产
quality|account_receivable_turnover_days|应收账款周转天数|360/应收账款周转率
quality|DEGM|毛利率增长|(今年毛利率（TTM）/去年毛利率（TTM）)-1
quality|sale_expense_to_operating_revenue|营业费用与营业总收入之比|销售费用（TTM）/营业总收入（TTM）
quality|operating_tax_to_operating_revenue_ratio_ttm|销售税金率|营业税金及附加（TTM）/营业收入（TTM）
quality|inventory_turnover_days|存货周转天数|360/存货周转率
quality|OperatingCycle|营业周期|应收账款周转天数+存货周转天数
quality|net_operate_cash_flow_to_operate_income|经营活动产生的现金流量净额与经营活动净收益之比|经营活动产生的现金流量净额（TTM）/(营业总收入（TTM）-营业总成本（TTM））
quality|net_operating_cash_flow_coverage|净利润现金含量|经营活动产生的现金流量净额/归属于母公司所有者的净利润
quality|quick_ratio|速动比率|(流动资产合计-存货)/ 流动负债合计
quality|intangible_asset_ratio|无形资产比率|(无形资产+研发支出+商誉)/总资产
quality|MLEV|市场杠杆|非流动负债合计/(非流动负债合计+总市值)
quality|debt_to_equity_ratio|产权比率|负债合计/归属母公司所有者权益合计
quality|super_quick_ratio|超速动比率|（货币资金+交易性金融资产+应收票据+应收帐款+其他应收款）／流动负债合计
quality|inventory_turnover_rate|存货周转率|营业成本（TTM）/存货
quality|operating_profit_growth_rate|营业利润增长率|(今年营业利润（TTM）/去年营业利润（TTM）)-1
quality|long_debt_to_working_capital_ratio|长期负债与营运资金比率|非流动负债合计/(流动资产合计-流动负债合计)
quality|current_ratio|流动比率(单季度)|流动资产合计/流动负债合计
quality|net_operate_cash_flow_to_net_debt|经营活动产生现金流量净额/净债务|经营活动产生现金流量净额/净债务
quality|net_operate_cash_flow_to_asset|总资产现金回收率|经营活动产生的现金流量净额(ttm) / 总资产
quality|non_current_asset_ratio|非流动资产比率|非流动资产合计/总资产
quality|total_asset_turnover_rate|总资产周转率|营业收入(ttm)/总资产
quality|long_debt_to_asset_ratio|长期借款与资产总计之比|长期借款/总资产
quality|debt_to_tangible_equity_ratio|有形净值债务率|负债合计/有形净值; 有形净值=股东权益-(商誉+无形资产)
quality|ROAEBITTTM|总资产报酬率|（利润总额（TTM）+利息支出（TTM）） / 总资产在过去12个月的平均
quality|operating_profit_ratio|营业利润率|营业利润（TTM）/营业收入（TTM）
quality|long_term_debt_to_asset_ratio|长期负债与资产总计之比|非流动负债合计/总资产
quality|current_asset_turnover_rate|流动资产周转率TTM|过去12个月的营业收入/过去12个月的平均流动资产合计
quality|financial_expense_rate|财务费用与营业总收入之比|财务费用（TTM） / 营业总收入（TTM）
quality|operating_profit_to_total_profit|经营活动净收益/利润总额|经营活动净收益/利润总额
quality|debt_to_asset_ratio|债务总资产比|负债合计/总资产
quality|equity_to_fixed_asset_ratio|股东权益与固定资产比率|股东权益/(固定资产+工程物资+在建工程)
quality|net_operate_cash_flow_to_total_liability|经营活动产生的现金流量净额/负债合计|经营活动产生的现金流量净额/负债合计
quality|cash_rate_of_sales|经营活动产生的现金流量净额与营业收入之比|经营活动产生的现金流量净额（TTM） / 营业收入（TTM）
quality|operating_profit_to_operating_revenue|营业利润与营业总收入之比|营业利润（TTM）/营业总收入（TTM）
quality|roa_ttm|资产回报率TTM|净利润（TTM）/期末总资产
quality|admin_expense_rate|管理费用与营业总收入之比|管理费用（TTM）/营业总收入（TTM）
quality|fixed_assets_turnover_rate|固定资产周转率|过去12个月的营业收入/过去12个月的平均（固定资产+工程物资+在建工程）
quality|invest_income_associates_to_total_profit|对联营和合营公司投资收益/利润总额|对联营和营公司投资收益/利润总额
quality|equity_to_asset_ratio|股东权益比率|股东权益/总资产
quality|goods_service_cash_to_operating_revenue_ttm|销售商品提供劳务收到的现金与营业收入之比|销售商品和提供劳务收到的现金（TTM）/营业收入（TTM）
quality|cash_to_current_liability|现金比率|期末现金及现金等价物余额/流动负债合计的12个月均值
quality|net_operate_cash_flow_to_total_current_liability|现金流动负债比|经营活动产生的现金流量净额（TTM）/流动负债合计
quality|ACCA|现金流资产比和资产回报率之差|现金流资产比-资产回报率; 现金流资产比=经营活动产生的现金流量净额/总资产
quality|roe_ttm|权益回报率TTM|净利润（TTM）/期末股东权益
quality|accounts_payable_turnover_rate|应付账款周转率|TTM(营业成本,0)/（AvgQ(应付账款,4,0) + AvgQ(应付票据,4,0) + AvgQ(预付款项,4,0) ）
quality|gross_income_ratio|销售毛利率|(营业收入（TTM）-营业成本（TTM）)/营业收入（TTM）
quality|adjusted_profit_to_total_profit|扣除非经常损益后的净利润/利润总额|扣除非经常损益后的净利润/利润总额
quality|account_receivable_turnover_rate|应收账款周转率|TTM(营业收入,0)/（AvgQ(应收账款,4,0) + AvgQ(应收票据,4,0) + AvgQ(预收账款,4,0) ）
quality|equity_turnover_rate|股东权益周转率|营业收入(ttm)/股东权益
quality|total_profit_to_cost_ratio|成本费用利润率|利润总额/(营业成本+财务费用+销售费用+管理费用)，以上科目使用的都是TTM的数值
quality|operating_cost_to_operating_revenue_ratio|销售成本率|营业成本（TTM）/营业收入（TTM）
quality|LVGI|财务杠杆指数|本期(年报)资产负债率/上期(年报)资产负债率
quality|SGI|营业收入指数|本期(年报)营业收入/上期(年报)营业收入
quality|GMI|毛利率指数|上期(年报)毛利率/本期(年报)毛利率
quality|DSRI|应收账款指数|本期(年报)应收账款占营业收入比例/上期(年报)应收账款占营业收入比例
quality|rnoa_ttm|经营资产回报率TTM|销售利润率*经营资产周转率
quality|profit_margin_ttm|销售利润率TTM|营业利润/营业收入
quality|roe_ttm_8y|长期权益回报率TTM|8年(1+roe_ttm)的累乘 ^ (1/8) - 1 # 至少要有近4年的数据，否则为 nan
quality|asset_turnover_ttm|经营资产周转率TTM|营业收入TTM/近4个季度期末净经营性资产均值; 净经营性资产=经营资产-经营负债
quality|roic_ttm|投资资本回报率TTM|归属于母公司股东的净利润（TTM）/ 前四个季度投资资本均值; 投资资本=股东权益+负债合计-无息流动负债-无息非流动负债; 无息流动负债=应付账款+预收款项+应付职工薪酬+应交税费+其他应付款+一年内的递延收益+其它流动负债; 无息非流动负债=非流动负债合计-长期借款-应付债券
quality|roa_ttm_8y|长期资产回报率TTM|8年(1+roa_ttm)的乘积 ^ (1/8) - 1 # 至少要有近4年的数据，否则为 nan
quality|SGAI|销售管理费用指数|本期(年报)销售管理费用占营业收入的比例/上期(年报)销售管理费用占营业收入的比例
quality|DEGM_8y|长期毛利率增长|过去8年(1+DEGM)的累成 ^ (1/8) - 1
quality|maximum_margin|最大盈利水平|max(margin_stability, DEGM_8y)
quality|margin_stability|盈利能力稳定性|mean(GM)/std(GM); GM 为过去8年毛利率ttm
emotion|VROC12|12日量变动速率指标|成交量减N日前的成交量，再除以N日前的成交量，放大100倍，n=12
emotion|TVMA6|6日成交金额的移动平均值|6日成交金额的移动平均值
emotion|VEMA10|成交量的10日指数移动平均|
emotion|VR|成交量比率（Volume Ratio）|VR=（AVS+1/2CVS）/（BVS+1/2CVS）
emotion|VOL5|5日平均换手率|5日换手率的均值,单位为%
emotion|BR|意愿指标|BR=N日内（当日最高价－昨日收盘价）之和 / N日内（昨日收盘价－当日最低价）之和×100 n设定为26
emotion|VEMA12|12日成交量的移动平均值|
emotion|TVMA20|20日成交金额的移动平均值|20日成交金额的移动平均值
emotion|DAVOL5|5日平均换手率与120日平均换手率|5日平均换手率 / 120日平均换手率
emotion|VDIFF|计算VMACD因子的中间变量|EMA(VOLUME，SHORT)-EMA(VOLUME，LONG) short=12，long=26
emotion|WVAD|威廉变异离散量|(收盘价－开盘价)/(最高价－最低价)×成交量，再做加和，使用过去6个交易日的数据
emotion|MAWVAD|因子WVAD的6日均值|
emotion|VSTD10|10日成交量标准差|10日成交量标准差
emotion|ATR14|14日均幅指标|真实振幅的14日移动平均
emotion|VOL10|10日平均换手率|10日换手率的均值,单位为%
emotion|DAVOL10|10日平均换手率与120日平均换手率之比|10日平均换手率 / 120日平均换手率
emotion|VDEA|计算VMACD因子的中间变量|EMA(VDIFF，M) M=9
emotion|VSTD20|20日成交量标准差|20日成交量标准差
emotion|ATR6|6日均幅指标|真实振幅的6日移动平均
emotion|VOL20|20日平均换手率|20日换手率的均值,单位为%
emotion|DAVOL20|20日平均换手率与120日平均换手率之比|20日平均换手率 / 120日平均换手率
emotion|VMACD|成交量指数平滑异同移动平均线|EMA12-EMA26 得到 DIFF, DIFF 的 M 日移动平均得到 DEA，MACD = DIFF-DEA
emotion|AR|人气指标|AR=N日内（当日最高价—当日开市价）之和 / N日内（当日开市价—当日最低价）之和 * 100，n设定为26
emotion|VOL60|60日平均换手率|60日换手率的均值,单位为%
emotion|turnover_volatility|换手率相对波动率|取20个交易日个股换手率的标准差
emotion|VOL120|120日平均换手率|120日换手率的均值,单位为%
emotion|VROC6|6日量变动速率指标|成交量减N日前的成交量，再除以N日前的成交量，放大100倍，n=6
emotion|TVSTD20|20日成交金额的标准差|20日成交额的标准差
emotion|ARBR|ARBR|因子 AR 与因子 BR 的差
emotion|money_flow_20|20日资金流量|用收盘价、最高价及最低价的均值乘以当日成交量即可得到该交易日的资金流量
emotion|VEMA5|成交量的5日指数移动平均|
emotion|VOL240|240日平均换手率|240日换手率的均值,单位为%
emotion|VEMA26|成交量的26日指数移动平均|
emotion|VOSC|成交量震荡|'VEMA12'和'VEMA26'两者的差值，再求差值与'VEMA12'的比，最后将比值放大100倍
emotion|TVSTD6|6日成交金额的标准差|6日成交额的标准差
emotion|PSY|心理线指标|12日内上涨的天数/n *100
growth|operating_revenue_growth_rate|营业收入增长率|（今年营业收入（TTM）/去年营业收入（TTM））-1
growth|total_asset_growth_rate|总资产增长率|总资产 / 总资产_4 -1
growth|net_operate_cashflow_growth_rate|经营活动产生的现金流量净额增长率|(今年经营活动产生的现金流量净额（TTM）/去年经营活动产生的现金流量净额（TTM）)-1
growth|total_profit_growth_rate|利润总额增长率|(今年利润总额（TTM）/去年利润总额（TTM）)-1
growth|np_parent_company_owners_growth_rate|归属母公司股东的净利润增长率|(今年归属于母公司所有者的净利润（TTM）/去年归属于母公司所有者的净利润（TTM）)-1
growth|financing_cash_growth_rate|筹资活动产生的现金流量净额增长率|过去12个月的筹资现金流量净额 / 4季度前的12个月的筹资现金流量净额 - 1
growth|net_profit_growth_rate|净利润增长率|(今年净利润（TTM）/去年净利润（TTM）)-1
growth|net_asset_growth_rate|净资产增长率|（当季的股东权益/三季度前的股东权益）-1
growth|PEG|市盈率相对盈利增长比率|PE / (归母公司净利润(TTM)增长率 * 100) # 如果 PE 或 增长率为负，则为 nan
momentum|arron_up_25|Aroon指标上轨|Aroon(上升)=[(计算期天数-最高价后的天数)/计算期天数]*100
momentum|arron_down_25|Aroon指标下轨|Aroon(下降)=[(计算期天数-最低价后的天数)/计算期天数]*100
momentum|BBIC|BBI 动量|BBI(3, 6, 12, 24) / 收盘价
momentum|bear_power|空头力道|(最低价-EMA(close,13)) / close
momentum|BIAS5|5日乖离率|（收盘价-收盘价的N日简单平均）/ 收盘价的N日简单平均*100，n=5
momentum|BIAS10|10日乖离率|（收盘价-收盘价的N日简单平均）/ 收盘价的N日简单平均*100，n=10
momentum|BIAS20|20日乖离率|（收盘价-收盘价的N日简单平均）/ 收盘价的N日简单平均*100，n=20
momentum|BIAS60|60日乖离率|（收盘价-收盘价的N日简单平均）/ 收盘价的N日简单平均*100，n=60
momentum|bull_power|多头力道|(最高价-EMA(close,13)) / close
momentum|CCI10|10日顺势指标|(TYP-MA(TYP,N))/(0.015*AVEDEV(TYP,N)); TYP=(HIGH+LOW+CLOSE)/3; N=10
momentum|CCI15|15日顺势指标|(TYP-MA(TYP,N))/(0.015*AVEDEV(TYP,N)); TYP=(HIGH+LOW+CLOSE)/3; N=15
momentum|CCI20|20日顺势指标|(TYP-MA(TYP,N))/(0.015*AVEDEV(TYP,N)); TYP=(HIGH+LOW+CLOSE)/3; N=20
momentum|CCI88|88日顺势指标|(TYP-MA(TYP,N))/(0.015*AVEDEV(TYP,N)); TYP=(HIGH+LOW+CLOSE)/3; N=88
momentum|CR20|CR指标|中间价=1日前的(最高价+最低价)/2; 上升值=今天的最高价-前一日的中间价(负值记0); 下跌值=前一日的中间价-今天的最低价(负值记0); CR=20天上升值之和/20天下跌值之和×100
momentum|fifty_two_week_close_rank|当前价格处于过去1年股价的位置|取过去的250个交易日各股的收盘价时间序列，每只股票按照从大到小排列，并找出当日所在的位置
momentum|MASS|梅斯线|MASS(N1=9, N2=25, M=6)
momentum|PLRC12|12日收盘价格与日期线性回归系数|12 日收盘价格与日期序号（1-12）的线性回归系数，(close / mean(close)) = beta * t + alpha
momentum|PLRC24|24日收盘价格与日期线性回归系数|24 日收盘价格与日期序号（1-24）的线性回归系数，(close / mean(close)) = beta * t + alpha
momentum|PLRC6|6日收盘价格与日期线性回归系数|6 日收盘价格与日期序号（1-6）的线性回归系数，(close / mean(close)) = beta * t + alpha
momentum|Price1M|当前股价除以过去一个月股价均值再减1|当日收盘价 / mean(过去一个月(21天)的收盘价) -1
momentum|Price3M|当前股价除以过去三个月股价均值再减1|当日收盘价 / mean(过去三个月(61天)的收盘价) -1
momentum|Price1Y|当前股价除以过去一年股价均值再减1|当日收盘价 / mean(过去一年(250天)的收盘价) -1
momentum|Rank1M|1减去 过去一个月收益率排名与股票总数的比值|1-(Rank(个股20日收益) / 股票总数)
momentum|ROC12|12日变动速率（Price Rate of Change）|(今天的收盘价—12天前的收盘价)/12天前的收盘价*100
momentum|ROC120|120日变动速率（Price Rate of Change）|(今天的收盘价—120天前的收盘价)/120天前的收盘价*100
momentum|ROC20|20日变动速率（Price Rate of Change）|(今天的收盘价—20天前的收盘价)/20天前的收盘价*100
momentum|ROC6|6日变动速率（Price Rate of Change）|(今天的收盘价—6天前的收盘价)/6天前的收盘价*100
momentum|ROC60|60日变动速率（Price Rate of Change）|(今天的收盘价—60天前的收盘价)/60天前的收盘价*100
momentum|single_day_VPT|单日价量趋势|（今日收盘价 - 昨日收盘价）/ 昨日收盘价 * 当日成交量 # (复权方法为基于当日前复权)
momentum|single_day_VPT_12|单日价量趋势12均值|MA(single_day_VPT, 12)
momentum|single_day_VPT_6|单日价量趋势6日均值|MA(single_day_VPT, 6)
momentum|TRIX10|10日终极指标TRIX|MTR=收盘价的三次ema10; TRIX=(MTR-1日前的MTR)/1日前的MTR*100
momentum|TRIX5|5日终极指标TRIX|MTR=收盘价的三次ema5; TRIX=(MTR-1日前的MTR)/1日前的MTR*100
momentum|Volume1M|当前交易量相比过去1个月日均交易量 与过去过去20日日均收益率乘积|当日交易量 / 过去20日交易量MEAN * 过去20日收益率MEAN
pershare|total_operating_revenue_per_share_ttm|每股营业总收入TTM|营业总收入（TTM）除以总股本
pershare|cash_and_equivalents_per_share|每股现金及现金等价物余额|每股现金及现金等价物余额
pershare|surplus_reserve_fund_per_share|每股盈余公积金|每股盈余公积金
pershare|retained_profit_per_share|每股未分配利润|每股未分配利润
pershare|operating_revenue_per_share_ttm|每股营业收入TTM|营业收入（TTM）除以总股本
pershare|net_asset_per_share|每股净资产|(归属母公司所有者权益合计-其他权益工具)除以总股本
pershare|total_operating_revenue_per_share|每股营业总收入|每股营业总收入
pershare|retained_earnings_per_share|每股留存收益|每股留存收益
pershare|operating_revenue_per_share|每股营业收入|每股营业收入
pershare|net_operate_cash_flow_per_share|每股经营活动产生的现金流量净额|每股经营活动产生的现金流量净额
pershare|operating_profit_per_share_ttm|每股营业利润TTM|营业利润（TTM）除以总股本
pershare|eps_ttm|每股收益TTM|过去12个月归属母公司所有者的净利润（TTM）除以总股本
pershare|cashflow_per_share_ttm|每股现金流量净额，根据当时日期来获取最近变更日的总股本|现金流量净额（TTM）除以总股本
pershare|operating_profit_per_share|每股营业利润|每股营业利润
pershare|capital_reserve_fund_per_share|每股资本公积金|每股资本公积金
risk|Variance20|20日年化收益方差|20日年化收益方差
risk|Skewness20|个股收益的20日偏度|个股收益的20日偏度
risk|Kurtosis20|个股收益的20日峰度|个股收益的20日峰度
risk|sharpe_ratio_20|20日夏普比率|（Rp - Rf）/Sigma p; Rp 个股年化收益率，Rf=0.04，Sigma p 收益波动率（标准差）
risk|Variance60|60日年化收益方差|60日年化收益方差
risk|Skewness60|个股收益的60日偏度|个股收益的60日偏度
risk|Kurtosis60|个股收益的60日峰度|个股收益的60日峰度
risk|sharpe_ratio_60|60日夏普比率|（Rp - Rf）/Sigma p; Rp 个股年化收益率，Rf=0.04，Sigma p 收益波动率（标准差）
risk|Variance120|120日年化收益方差|120日年化收益方差
risk|Skewness120|个股收益的120日偏度|个股收益的120日偏度
risk|Kurtosis120|个股收益的120日峰度|个股收益的120日峰度
risk|sharpe_ratio_120|120日夏普比率|（Rp - Rf）/Sigma p; Rp 个股年化收益率，Rf=0.04，Sigma p 收益波动率（标准差）
style|size|市值|1•natural_log_of_market_cap; 捕捉大盘股和小盘股之间的收益差异
style|beta|贝塔|1•raw_beta; 表征股票相对于市场的波动敏感度
style|momentum|动量|1•relative_strength; 过去两年里相对强势的股票与弱势股票之间的差异
style|residual_volatility|残差波动率|0.74•daily_standard_deviation + 0.16•cumulative_range + 0.10•historical_sigma, 关于 beta 和 size 正交化
style|non_linear_size|非线性市值|1•cube_of_size
style|book_to_price_ratio|账面市值比|最新一季财报的账面价值与当前市值的比值（pb_ratio的倒数），小于0的值设置为nan
style|liquidity|流动性|0.35•share_turnover_monthly + 0.35•average_share_turnover_quarterly + 0.3•average_share_turnover_annual, 关于对数市值正交化
style|earnings_yield|盈利能力|0.68•predicted_earnings_to_price_ratio + 0.21•cash_earnings_to_price_ratio + 0.11•earnings_to_price_ratio
style|growth|成长|0.18•long_term_predicted_earnings_growth + 0.11•short_term_predicted_earnings_growth + 0.24•earnings_growth + 0.47•sales_growth
style|leverage|杠杆|0.38•market_leverage + 0.35•debt_to_assets + 0.27•book_leverage
style|natural_log_of_market_cap|对数总市值|公司的总市值的自然对数
style|raw_beta|RAW|过去252个交易日股票的收益与市场收益（全A股票收益按流通市值加权）指数加权回归的斜率，半衰期63个交易日
style|relative_strength|相对强弱|滞后21个交易日的过去504个交易日股票超额对数收益率的指数加权之和，半衰期126个交易日
style|daily_standard_deviation|日收益率标准差|过去252日的超额收益的指数加权标准差，以42个交易日为半衰期
style|cumulative_range|收益离差|过去12个月中月收益率（以21个交易日为一个月）的最大值和最小值之间的差异，上市需超过6个月
style|historical_sigma|残差历史波动率|计算beta时的回归残差项的过去252个交易日的标准差，上市需超过21个交易日
style|cube_of_size|市值立方因子|标准化后的市值因子size暴露值求立方，与市值进行加权回归的正交化处理
style|share_turnover_monthly|月换手率|过去21日的股票换手率之和的对数，上市需超过1个月
style|average_share_turnover_quarterly|季度平均平均月换手率|过去3个月的平均share_turnover_monthly，并取对数，上市需超过3个月
style|average_share_turnover_annual|年度平均月换手率|过去12个月的平均share_turnover_monthly，并取对数，上市需超过12个月
style|predicted_earnings_to_price_ratio|预期市盈率|用未来12个月的净利预测值除以当前市值
style|cash_earnings_to_price_ratio|现金流量市值比|过去12个月的净经营现金流除以当前股票市值
style|earnings_to_price_ratio|利润市值比|过去12个月的归母净利润除以当前股票市值
style|long_term_predicted_earnings_growth|预期长期盈利增长率|未来三年净利润分析师一致预期相对于净利润最新年报值的平均增长率
style|short_term_predicted_earnings_growth|预期短期盈利增长率|未来一年净利润分析师一致预期相对于净利润最新年报值的平均增长率
style|earnings_growth|5年盈利增长率|过去5年的基本每股收益关于[0,1,2,3,4]回归的斜率系数，除以过去5年基本每股收益的均值的绝对值
style|sales_growth|5年营业收入增长率|过去5年每股营业收入关于[0,1,2,3,4]回归的斜率系数，除以过去5年每股营业收入的均值的绝对值
style|market_leverage|市场杠杆|(当前的普通股市值+优先股账面价值+长期债务账面价值)/当前的普通股市值
style|debt_to_assets|总负债的账面价值/总资产的账面价值|总负债的账面价值/总资产的账面价值
style|book_leverage|账面杠杆|(普通股账面价值+优先股账面价值+长期债务账面价值)/普通股账面价值，需在0到100之间，否则为nan
technical|boll_down|下轨线（布林线）指标|(MA(CLOSE,M)-2*STD(CLOSE,M)) / 今日收盘价; M=20
technical|boll_up|上轨线（布林线）指标|(MA(CLOSE,M)+2*STD(CLOSE,M)) / 今日收盘价; M=20
technical|EMA5|5日指数移动均线|5日指数移动均线 / 今日收盘价
technical|EMAC10|10日指数移动均线|10日指数移动均线 / 今日收盘价
technical|EMAC12|12日指数移动均线|12日指数移动均线 / 今日收盘价
technical|EMAC20|20日指数移动均线|20日指数移动均线 / 今日收盘价
technical|EMAC26|26日指数移动均线|26日指数移动均线 / 今日收盘价
technical|EMAC120|120日指数移动均线|120日指数移动均线 / 今日收盘价
technical|MAC5|5日移动均线|5日移动均线 / 今日收盘价
technical|MAC10|10日移动均线|10日移动均线 / 今日收盘价
technical|MAC20|20日移动均线|20日移动均线 / 今日收盘价
technical|MAC60|60日移动均线|60日移动均线 / 今日收盘价
technical|MAC120|120日移动均线|120日移动均线 / 今日收盘价
technical|MACDC|平滑异同移动平均线|MACD(SHORT=12, LONG=26, MID=9) / 今日收盘价
technical|MFI14|资金流量指标|典型价格=(最高价+最低价+收盘价)/3; 资金流=典型价格*成交量; MR=正向/负向; MFI=100-100/(1+MR)
technical|price_no_fq|不复权价格因子|不复权价格
"""


def _parse():
    out = []
    for line in _ROWS.strip().splitlines():
        cat, name, intro, doc = line.split("|", 3)
        out.append((name, cat, intro, doc))
    return tuple(out)


#: ``(factor, category, factor_intro, documented formula)`` for each of JoinQuant's factors.
JQ_FACTORS: tuple = _parse()

#: factor -> (category, factor_intro, documented formula)
BY_NAME: dict = {r[0]: r[1:] for r in JQ_FACTORS}


def listing_order() -> list[str]:
    """Factor codes in ``get_all_factors()`` order: category, then code case-insensitively."""
    return [r[0] for r in sorted(JQ_FACTORS, key=lambda r: (r[1], r[0].lower()))]
