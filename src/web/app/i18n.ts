/**
 * The dashboard's two languages: Simplified Chinese by default, English on request (remembered in
 * localStorage). Every message exists in both — the type of MESSAGES makes a missing one a compile error.
 * Domain terms (`term.*`) are shown with their name in the other language beside them, so a Chinese report and an
 * English reader meet on the same words: "出境断面 outbound section".
 */
export type Lang = 'zh-CN' | 'en';
export const LANG_STORAGE = 'qingliu.lang';

interface Message {
  zh: string;
  en: string;
}

export const MESSAGES = {
  'app.name': { zh: '清流', en: 'Qingliu' },
  'app.subtitle': { zh: '水质监测', en: 'water-quality monitoring' },
  'nav.overview': { zh: '总览', en: 'Overview' },
  'nav.alerts': { zh: '告警', en: 'Alerts' },
  'nav.compliance': { zh: '达标率', en: 'Compliance' },
  'nav.report': { zh: '月报', en: 'Reports' },
  'nav.api': { zh: 'API 文档', en: 'API docs' },
  'nav.marks': { zh: '数据审核', en: 'Data marks' },
  'marks.title': { zh: '待审核的数据标记（数据审核）', en: 'Data marks awaiting approval (数据审核)' },
  'marks.intro': {
    zh: '运营单位标记的数据在审核通过后才生效：通过后这些数据按标记计算（不计入均值和达标评价），驳回则保持原样。',
    en: "Operators' marks take effect only once approved: approved, the readings count by the mark's flag (left out of means and compliance); rejected, they stay as the devices sent them.",
  },
  'marks.none': { zh: '没有待审核的数据标记', en: 'No data mark awaits approval' },
  'marks.id': { zh: '编号', en: 'No.' },
  'marks.station': { zh: '站点', en: 'Station' },
  'marks.parameters': { zh: '监测项目', en: 'Parameters' },
  'marks.range': { zh: '时段', en: 'Time range' },
  'marks.flag': { zh: '标记', en: 'Flag' },
  'marks.reason': { zh: '原因', en: 'Reason' },
  'marks.by': { zh: '标记人', en: 'Marked by' },
  'marks.note': { zh: '审核意见', en: 'Note' },
  'marks.notePlaceholder': { zh: '审核意见（驳回时必填）', en: 'Note (required to reject)' },
  'marks.approve': { zh: '通过', en: 'Approve' },
  'marks.reject': { zh: '驳回', en: 'Reject' },
  'marks.approvedDone': { zh: '标记 {id} 已通过，已生效', en: 'Mark {id} approved: it is in effect' },
  'marks.rejectedDone': { zh: '标记 {id} 已驳回', en: 'Mark {id} rejected' },
  'marks.noteRequired': { zh: '驳回时请填写审核意见', en: 'Give a note to reject' },
  'marks.all': { zh: '全部项目', en: 'all parameters' },
  'marks.selectHint': {
    zh: '在趋势图上按住鼠标拖动，选择一段时间即可标记数据（如维护、校准、故障）。',
    en: 'Drag across a trend chart to select a time range and mark its data (maintenance, calibration, fault …).',
  },
  'marks.formTitle': { zh: '标记数据：{param}', en: 'Mark data: {param}' },
  'marks.submit': { zh: '提交标记', en: 'Submit mark' },
  'marks.cancel': { zh: '取消', en: 'Cancel' },
  'marks.reasonPlaceholder': {
    zh: '原因（必填），例如：更换氨氮分析仪电极',
    en: 'Reason (required), e.g. NH3-N analyser electrode replaced',
  },
  'marks.reasonRequired': { zh: '请填写原因', en: 'A reason is required' },
  'marks.createdPending': {
    zh: '标记已提交，待生态环境局审核后生效',
    en: 'Mark submitted: it takes effect once the bureau approves it',
  },
  'marks.createdApproved': { zh: '标记已生效', en: 'Mark in effect' },
  'marks.onChart': { zh: '数据标记', en: 'Data marks' },
  'marks.state.pending': { zh: '待审核', en: 'pending' },
  'marks.state.approved': { zh: '已生效', en: 'approved' },
  'marks.flag.N': { zh: '恢复正常', en: 'restored to normal' },
  'lang.switch': { zh: 'English', en: '中文' },
  'lang.switchTitle': { zh: 'Switch to English', en: '切换到中文' },

  'login.title': { zh: '登录', en: 'Sign in' },
  'login.key': { zh: 'API 密钥', en: 'API key' },
  'login.submit': { zh: '登录', en: 'Sign in' },
  'login.hint': {
    zh: '向管理员索取 API 密钥（管理员用 {command} 创建）。密钥只保存在本浏览器中。',
    en: 'Ask your administrator for an API key (created with {command}). The key is kept in this browser only.',
  },
  'login.demoHint': {
    zh: '演示模式：管理员密钥在启动时打印在终端，并保存在 DATA_DIR/demo-admin-key。',
    en: 'Demo: the admin key is printed at start-up and kept in DATA_DIR/demo-admin-key.',
  },
  'app.timeZone': { zh: '时区 {zone}（{offset}）', en: 'Time zone {zone} ({offset})' },
  'app.timeZoneTitle': {
    zh: '所有时间按此时区显示；日、月统计也按此时区的零点划分',
    en: 'All times are shown in this zone; days and months start at its midnight',
  },
  'login.empty': { zh: '请输入 API 密钥', en: 'Enter an API key' },
  'login.invalid': { zh: '密钥无效或已被吊销', en: 'The key is invalid or revoked' },
  'login.signedInAs': { zh: '已登录：{name}', en: 'Signed in: {name}' },
  'login.signOut': { zh: '退出', en: 'Sign out' },
  'login.expired': { zh: '密钥已失效，请重新登录', en: 'The key is no longer valid; sign in again' },

  'role.admin': { zh: '管理员', en: 'administrator' },
  'role.bureau': { zh: '生态环境局', en: 'bureau' },
  'role.operator': { zh: '运营单位', en: 'plant operator' },
  'role.viewer': { zh: '公众查看', en: 'viewer' },

  'term.section': { zh: '断面', en: 'section' },
  'term.inbound': { zh: '入境断面', en: 'inbound section' },
  'term.control': { zh: '控制断面', en: 'control section' },
  'term.outbound': { zh: '出境断面', en: 'outbound section' },
  'term.plant': { zh: '排污单位', en: 'discharging facility' },
  'term.targetClass': { zh: '目标水质', en: 'target class' },
  'term.currentClass': { zh: '现状水质', en: 'current class' },
  'term.waterClass': { zh: '水质类别', en: 'water-quality class' },
  'term.complianceRate': { zh: '达标率', en: 'compliance rate' },
  'term.compliance': { zh: '达标情况', en: 'compliance' },
  'term.primaryPollutants': { zh: '主要污染指标', en: 'primary pollutants' },
  'term.exceedance': { zh: '超标倍数', en: 'exceedance multiple' },
  'term.dischargeStandard': { zh: '排放标准', en: 'discharge standard' },
  'term.dischargeLimit': { zh: '排放限值', en: 'discharge limit' },
  'term.upstream': { zh: '上游', en: 'upstream' },
  'term.grade': { zh: '水质状况', en: 'grade' },
  'term.freshness': { zh: '数据时效', en: 'data freshness' },
  'term.flag': { zh: '数据标记', en: 'data flag' },
  'term.dataLogger': { zh: '数据采集仪', en: 'data logger' },
  'term.standardCheck': { zh: '标样核查', en: 'standard-sample check' },
  'term.blackOdorous': { zh: '黑臭水体', en: 'black-odorous water' },

  'kind.river_section': { zh: '河流断面', en: 'river section' },
  'kind.plant_influent': { zh: '进水口', en: 'plant influent' },
  'kind.plant_effluent': { zh: '污水处理厂出水口', en: 'plant effluent' },
  'kind.industrial_outfall': { zh: '工业排口', en: 'industrial outfall' },
  'kind.urban_water': { zh: '城市水体', en: 'urban water' },

  'fresh.online': { zh: '在线', en: 'online' },
  'fresh.late': { zh: '延迟', en: 'late' },
  'fresh.offline': { zh: '离线', en: 'offline' },
  'fresh.unknown': { zh: '无数据', en: 'no data' },

  'status.compliant': { zh: '达标', en: 'compliant' },
  'status.noncompliant': { zh: '超标', en: 'non-compliant' },
  'status.unknown': { zh: '无法评价', en: 'not judged' },
  'status.insufficient': { zh: '数据不足', en: 'insufficient data' },

  'common.loading': { zh: '加载中…', en: 'Loading…' },
  'common.retry': { zh: '重试', en: 'Retry' },
  'common.error': { zh: '出错了：{message}', en: 'Something went wrong: {message}' },
  'common.none': { zh: '无', en: 'none' },
  'common.noData': { zh: '暂无数据', en: 'No data' },
  'common.station': { zh: '站点', en: 'Station' },
  'common.stations': { zh: '站点', en: 'Stations' },
  'common.river': { zh: '河流', en: 'River' },
  'common.time': { zh: '时间', en: 'Time' },
  'common.value': { zh: '数值', en: 'Value' },
  'common.latest': { zh: '最新数据', en: 'Latest readings' },
  'common.updated': { zh: '更新于 {time}', en: 'Updated {time}' },
  'common.all': { zh: '全部', en: 'All' },
  'common.from': { zh: '开始', en: 'From' },
  'common.to': { zh: '结束', en: 'To' },
  'common.apply': { zh: '应用', en: 'Apply' },
  'common.back': { zh: '返回', en: 'Back' },
  'common.km': { zh: '{km} 公里', en: 'km {km}' },
  'common.kind': { zh: '类型', en: 'Kind' },
  'common.parameter': { zh: '指标', en: 'Parameter' },
  'common.details': { zh: '详情', en: 'Details' },

  'overview.title': { zh: '流域总览', en: 'Basin overview' },
  'overview.map': { zh: '流域地图', en: 'Basin map' },
  'overview.sections': { zh: '断面水质', en: 'Sections' },
  'overview.plants': { zh: '排污单位', en: 'Discharging facilities' },
  'overview.urban': { zh: '城市水体', en: 'Urban waters' },
  'overview.openAlerts': { zh: '未关闭告警', en: 'Open alerts' },
  'overview.noOpenAlerts': { zh: '当前没有未关闭的告警', en: 'No open alerts' },
  'overview.allAlerts': { zh: '全部告警 →', en: 'All alerts →' },
  'overview.summary': {
    zh: '{total} 个站点 · {offline} 个离线 · {bad} 个未达标',
    en: '{total} stations · {offline} offline · {bad} not meeting target',
  },
  'overview.summaryBlackOdorous': { zh: ' · {n} 个黑臭水体', en: ' · {n} black-odorous' },
  'map.legend.class': { zh: '断面水质类别', en: 'Section class' },
  'map.legend.plant': { zh: '排污单位：达标 / 超标', en: 'Facility: compliant / non-compliant' },
  'map.legend.blackOdorous': {
    zh: '城市黑臭水体：无 / 轻度 / 重度',
    en: 'Black-odorous water body: none / light / severe',
  },
  'map.legend.influent': { zh: '进水口', en: 'Plant influent' },
  'map.legend.ring': { zh: '红圈：未达到目标或超标', en: 'Red ring: below target or over the limit' },
  'map.legend.offline': { zh: '灰色虚线：离线', en: 'Grey, dashed: offline' },
  'map.legend.meetsTarget': { zh: '达到目标', en: 'meets target' },

  'station.target': { zh: '目标', en: 'target' },
  'station.standard': { zh: '标准', en: 'standard' },
  'station.unit': { zh: '责任单位', en: 'responsible unit' },
  'station.range': { zh: '时间范围', en: 'Range' },
  'station.window': { zh: '统计窗口', en: 'Window' },
  'station.range.24h': { zh: '24 小时', en: '24 h' },
  'station.range.7d': { zh: '7 天', en: '7 d' },
  'station.range.30d': { zh: '30 天', en: '30 d' },
  'station.range.custom': { zh: '自定义', en: 'Custom' },
  'station.window.raw': { zh: '原始数据', en: 'raw readings' },
  'station.window.1h': { zh: '1 小时均值', en: 'hourly means' },
  'station.window.4h': { zh: '4 小时均值', en: '4-hour means' },
  'station.window.1d': { zh: '日均值', en: 'daily means' },
  'station.trends': { zh: '趋势', en: 'Trends' },
  'station.timeline': { zh: '水质类别时间线', en: 'Water-class timeline' },
  'station.timelinePlant': { zh: '达标时间线', en: 'Compliance timeline' },
  'station.upstream': { zh: '上游站点', en: 'Upstream stations' },
  'station.upstreamHint': {
    zh: '过去 {hours} 小时上游站点的读数，用于追溯超标来源',
    en: 'Readings upstream over the past {hours} h, to trace an exceedance to its source',
  },
  'station.distance': { zh: '距离', en: 'Distance' },
  'station.travel': { zh: '流经时间', en: 'Travel time' },
  'station.rawTruncated': {
    zh: '原始数据过多，只显示前 {n} 条；请选择统计窗口',
    en: 'Too many raw readings: the first {n} are shown; choose a window',
  },
  'station.flagsTruncated': {
    zh: '带标记的读数过多，仅显示前一部分',
    en: 'Too many flagged readings: only the first part is marked',
  },
  'station.downsampled': { zh: '数据较多，已降采样显示', en: 'Large range: the data is downsampled' },
  'station.excluded': { zh: '{n} 个带标记的读数未计入均值', en: '{n} flagged readings left out of the means' },
  'station.flagLegend': {
    zh: '空心点 = 带标记的读数（不计入达标评价）',
    en: 'Hollow markers = flagged readings (not counted for compliance)',
  },
  'station.noBands': {
    zh: 'GB 3838-2002 表 1 未规定此指标的类别限值，仅作监测参考',
    en: 'GB 3838-2002 Table 1 sets no class limits for this parameter: shown for reference',
  },
  'station.noBandsTnRiver': {
    zh: 'GB 3838-2002 的总氮限值只适用于湖泊、水库：河流断面不按总氮评价类别',
    en: 'GB 3838-2002 sets TN limits for lakes and reservoirs only: a river section is not classed by TN',
  },
  'station.meanMax': { zh: '（均值 / 最大值）', en: ' (mean / max)' },
  'station.rateBasis': { zh: '{window}，{range}', en: '{window}, {range}' },
  'station.last.24h': { zh: '近 24 小时', en: 'last 24 h' },
  'station.last.7d': { zh: '近 7 天', en: 'last 7 days' },
  'station.last.30d': { zh: '近 30 天', en: 'last 30 days' },
  'station.plantRules': {
    zh: 'GB 18918-2002 以日均值考核达标（达标率页面按日统计）。出水小时均值超标另行触发“出水小时均值超标”告警，所以日均值达标的一天也可能有小时超标告警。',
    en: 'GB 18918-2002 assesses daily means (the Compliance page counts days). An hourly mean over the limit raises its own alert (effluent hourly exceedance), so a compliant day can still have hourly alerts.',
  },
  'station.rateElsewhere': {
    zh: '达标率页面按所选评价周期（默认按日）统计整月，窗口不同，数值可能与此处不同。',
    en: 'The Compliance page counts its chosen period (days by default) over a month: other windows, so its rate can differ from this one.',
  },
  'window.1h': { zh: '按 1 小时窗口', en: 'hourly windows' },
  'window.4h': { zh: '按 4 小时窗口', en: '4-hour windows' },
  'window.1d': { zh: '按日均值', en: 'daily means' },
  'window.1mo': { zh: '按月均值', en: 'monthly means' },
  'blackOdorous.none': { zh: '无黑臭', en: 'not black-odorous' },
  'blackOdorous.light': { zh: '轻度黑臭', en: 'light' },
  'blackOdorous.severe': { zh: '重度黑臭', en: 'severe' },
  'station.limit': { zh: '限值', en: 'limit' },
  'station.mean': { zh: '均值', en: 'mean' },
  'station.minmax': { zh: '最小–最大', en: 'min–max' },
  'station.flagged': { zh: '带标记', en: 'flagged' },
  'station.min': { zh: '最小', en: 'min' },
  'station.max': { zh: '最大', en: 'max' },
  'station.notFound': { zh: '没有这个站点', en: 'No such station' },

  'alerts.title': { zh: '告警', en: 'Alerts' },
  'alerts.state': { zh: '状态', en: 'State' },
  'alerts.severity': { zh: '级别', en: 'Severity' },
  'alerts.rule': { zh: '规则', en: 'Rule' },
  'alerts.opened': { zh: '发生时间', en: 'Opened' },
  'alerts.period': { zh: '告警时段', en: 'Window' },
  'alerts.detected': { zh: '发现时间', en: 'Detected' },
  'alerts.detectedLate': { zh: '窗口结束{after}后{how}', en: '{after} after the window closed, {how}' },
  'alerts.detection.late_data': { zh: '根据补传数据发现', en: 'from back-filled data' },
  'alerts.detection.flag_correction': { zh: '根据更正的数据标识发现', en: 'from corrected data flags' },
  'alerts.detection.mark': { zh: '根据数据标记发现', en: 'after a data mark (数据标记)' },
  'alerts.detection.catch_up': { zh: '停机后补评时发现', en: 'during catch-up after downtime' },
  'alerts.late': { zh: '迟发现', en: 'late' },
  'alerts.dataCorrected': { zh: '数据已更正', en: 'data corrected (数据已更正)' },
  'alerts.transition.rejudged': { zh: '重新评价', en: 're-judged' },
  'alerts.count': { zh: '次数', en: 'Count' },
  'alerts.state.open': { zh: '未确认', en: 'open' },
  'alerts.state.acknowledged': { zh: '已确认', en: 'acknowledged' },
  'alerts.state.resolved': { zh: '已解除', en: 'resolved' },
  'alerts.severity.info': { zh: '提示', en: 'info' },
  'alerts.severity.warning': { zh: '警告', en: 'warning' },
  'alerts.severity.critical': { zh: '严重', en: 'critical' },
  'alerts.ack': { zh: '确认', en: 'Acknowledge' },
  'alerts.resolve': { zh: '解除', en: 'Resolve' },
  'alerts.note': { zh: '备注', en: 'Note' },
  'alerts.notePlaceholder': { zh: '处理情况、联系人等', en: 'What was done, who was contacted' },
  'alerts.reasonRequired': { zh: '解除告警须填写原因', en: 'A reason is required to resolve' },
  'alerts.timeline': { zh: '处理记录', en: 'Timeline' },
  'alerts.none': { zh: '没有符合条件的告警', en: 'No alerts match' },
  'alerts.live': { zh: '实时', en: 'live' },
  'alerts.offline': { zh: '实时更新已断开，正在重连…', en: 'Live updates disconnected, reconnecting…' },
  'alerts.unavailable': { zh: '告警接口暂不可用', en: 'The alerts API is not available' },
  'alerts.select': { zh: '选择一条告警查看详情', en: 'Select an alert to see its details' },
  'alerts.classReached': { zh: '达到{cls}（目标{target}）', en: '{cls} reached (target {target})' },
  'alerts.windowClass': { zh: '评价时段水质', en: 'Class in the window' },
  'alerts.highest': { zh: '最高', en: 'highest' },
  'alerts.latestSeverity': { zh: '最新一次评价', en: 'latest finding' },
  'alerts.latestShort': { zh: '最新', en: 'latest' },
  'alerts.actor.system': { zh: '系统自动', en: 'automatic' },
  'alerts.autoResolved': {
    zh: '连续 {n} 个评价时段达标，自动解除',
    en: '{n} consecutive compliant windows: resolved automatically',
  },
  'alerts.acknowledgedBy': { zh: '{actor} 于 {time} 确认', en: 'Acknowledged by {actor} at {time}' },
  'alerts.resolvedBy': { zh: '{actor} 于 {time} 解除', en: 'Resolved by {actor} at {time}' },
  'alerts.window': { zh: '评价窗口', en: 'Window' },
  'alerts.projected': { zh: '预计 {time} 超过限值', en: 'Projected to cross the limit at {time}' },
  'alerts.new': { zh: '新告警', en: 'new alert' },
  'alerts.done': { zh: '已更新', en: 'Updated' },
  'alerts.forbidden': { zh: '当前角色无权处理告警', en: 'This role may not act on alerts' },
  'alerts.transition.opened': { zh: '发生', en: 'opened' },
  'alerts.transition.severity_raised': { zh: '级别升高', en: 'severity raised' },
  'alerts.transition.acknowledged': { zh: '确认', en: 'acknowledged' },
  'alerts.transition.escalated': { zh: '逐级上报', en: 'escalated' },
  'alerts.transition.resolved': { zh: '解除', en: 'resolved' },

  'rule.section_compliance': { zh: '断面水质不达标', en: 'section below target' },
  'rule.early_warning': { zh: '超标预警', en: 'early warning' },
  'rule.trend_warning': { zh: '趋势预警', en: 'trend warning' },
  'rule.effluent_hourly': { zh: '出水小时均值超标', en: 'effluent hourly exceedance' },
  'rule.effluent_daily': { zh: '出水日均值超标', en: 'effluent daily exceedance' },
  'rule.threshold': { zh: '阈值告警', en: 'threshold' },
  'rule.station_offline': { zh: '站点离线', en: 'station offline' },
  'rule.sensor_stuck': { zh: '传感器数值不变', en: 'sensor stuck' },
  'rule.sensor_out_of_range': { zh: '数值异常（超出常见范围）', en: 'unusual value' },
  'rule.sensor_spikes': { zh: '数值频繁突变', en: 'repeated spikes' },
  'rule.sensor_flags': { zh: '频繁维护/校准', en: 'frequent maintenance flags' },
  'rule.sensor_check_failed': { zh: '标样核查未通过', en: 'standard-sample check failed' },

  'compliance.title': { zh: '月度达标率', en: 'Monthly compliance' },
  'compliance.month': { zh: '月份', en: 'Month' },
  'compliance.scope': { zh: '范围', en: 'Scope' },
  'compliance.scope.outbound': { zh: '出境断面', en: 'outbound sections' },
  'compliance.scope.sections': { zh: '全部断面', en: 'all sections' },
  'compliance.scope.plants': { zh: '排污单位', en: 'discharging facilities' },
  'compliance.window': { zh: '评价周期', en: 'Evaluation period' },
  'compliance.window.1d': { zh: '按日', en: 'daily' },
  'compliance.window.1mo': { zh: '按月', en: 'monthly' },
  'compliance.windows': { zh: '评价窗口数', en: 'Windows' },
  'compliance.failed': { zh: '不达标窗口', en: 'Non-compliant windows' },
  'compliance.worst': { zh: '最差类别', en: 'Worst class' },
  'compliance.periodClass': { zh: '月均值类别', en: 'Class of the period means' },
  'compliance.export': { zh: '导出 CSV', en: 'Export CSV' },
  'compliance.insufficientNote': {
    zh: '有效数据不足的窗口既不算达标也不算超标，不计入达标率的分母',
    en: 'Windows with too few valid readings (insufficient data) count neither way and are left out of the rate',
  },
  'compliance.rateBasis': { zh: '达标率{window}统计，{month} 整月', en: 'Compliance rate on {window} over {month}' },
  'overview.dbDown': {
    zh: '数据库暂时无法访问：地图和站点来自站点目录，暂无最新数据。',
    en: 'The database is not reachable: the map and the stations come from the catalog, without readings.',
  },
  'logger.connection': { zh: '连接状态', en: 'connection' },
  'logger.connected': { zh: '在线', en: 'connected' },
  'logger.disconnected': { zh: '离线', en: 'disconnected' },
  'logger.never': { zh: '从未连接', en: 'never connected' },
  'logger.since': { zh: '连接于', en: 'since' },
  'logger.disconnectedAt': { zh: '断开于', en: 'disconnected at' },
  'logger.lastPacket': { zh: '最后数据包', en: 'last packet' },
  'logger.lastHeartbeat': { zh: '最后心跳', en: 'last heartbeat' },
  'logger.protocol': { zh: '协议', en: 'protocol' },
  'logger.mismatch': {
    zh: '数据包标识为 {seen}，与站点目录登记的 {catalog} 不一致；按目录登记的协议解析。',
    en: 'Packets say {seen} but the catalog registers {catalog}; they are read as the catalog says.',
  },
  'logger.mn': { zh: '设备唯一标识', en: 'device ID (MN)' },
  'logger.cn': { zh: '命令编码', en: 'command (CN)' },
  'logger.surfaceWater': { zh: 'HJ 212 地表水自动站', en: 'HJ 212 surface-water station' },
  'logger.record': { zh: '记录数据', en: 'record stream' },
  'logger.record.realtime': { zh: '实时数据', en: 'real-time data' },
  'logger.record.minute': { zh: '分钟数据', en: 'minute data' },
  'logger.record.hourly': { zh: '小时数据', en: 'hourly data' },
  'logger.record.daily': { zh: '日数据', en: 'daily data' },
  'logger.counts': { zh: '计数', en: 'counts' },
  'logger.countsValue': {
    zh: '数据包 {packets} · 心跳 {heartbeats} · 状态 {status}',
    en: 'packets {packets} · heartbeats {heartbeats} · status records {status}',
  },
  'logger.checkCn': { zh: '（2062）', en: ' (2062)' },
  'logger.checkPassed': { zh: '合格', en: 'passed' },
  'logger.checkFailed': { zh: '不合格', en: 'failed' },
  'logger.checkNone': { zh: '暂无核查记录', en: 'no check yet' },
  'logger.lastStatus': { zh: '最后设备状态', en: 'last equipment status' },
  'logger.records': { zh: '最近的设备记录', en: 'Latest device records' },
  'logger.kind': { zh: '类型', en: 'Kind' },
  'logger.kind.status': { zh: '设备状态', en: 'equipment status' },
  'logger.kind.check': { zh: '标样核查', en: 'standard-sample check' },
  'logger.result': { zh: '结果', en: 'Result' },
  'logger.fields': { zh: '内容', en: 'Content' },
  'logger.noRecords': { zh: '暂无设备记录', en: 'No device record yet' },
  'compliance.exported': { zh: '已下载 {file}', en: 'Downloaded {file}' },
} as const satisfies Record<string, Message>;

export type MessageKey = keyof typeof MESSAGES;
export type TermKey = Extract<MessageKey, `term.${string}`>;

type LangStorage = Pick<Storage, 'getItem' | 'setItem'>;

export interface I18n {
  lang(): Lang;
  setLang(lang: Lang): void;
  /** The message in the current language, with `{name}` placeholders filled. */
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** The message in the other language (the secondary name of a domain term). */
  other(key: MessageKey): string;
  /** Joins a list the way the language does: "总磷、氨氮" / "TP, NH3-N". */
  list(items: readonly string[]): string;
  /** A catalog name ({zh, en}) in the current language. */
  name(n: { zh: string; en: string } | undefined, fallback?: string): string;
}

function fill(text: string, vars?: Record<string, string | number>): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** zh-CN unless English was chosen before (the switch is remembered in localStorage). */
export function initialLang(storage: LangStorage | undefined): Lang {
  return storage?.getItem(LANG_STORAGE) === 'en' ? 'en' : 'zh-CN';
}

export function createI18n(storage: LangStorage | undefined, lang: Lang): I18n {
  let current = lang;
  const pick = (m: Message, l: Lang) => (l === 'en' ? m.en : m.zh);
  return {
    lang: () => current,
    setLang(next) {
      current = next;
      storage?.setItem(LANG_STORAGE, next);
    },
    // An unknown key (a rule or state a newer server sends) shows as itself rather than breaking the page.
    t: (key, vars) => (key in MESSAGES ? fill(pick(MESSAGES[key], current), vars) : key),
    other: (key) => (key in MESSAGES ? pick(MESSAGES[key], current === 'en' ? 'zh-CN' : 'en') : key),
    list: (items) => items.join(current === 'en' ? ', ' : '、'),
    name: (n, fallback = '') => (n ? pick(n, current) : fallback),
  };
}
