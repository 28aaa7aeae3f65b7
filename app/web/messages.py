"""The Chinese of the pages' English source text, and the names of enumeration members in both languages."""
from __future__ import annotations

from app.services.waybills.named import NO_CARRIER, NO_PERSON, NO_VEHICLE, SEVERAL
from models.identifiers import PROVINCES

ZH: dict[str, str] = {
    # frame and navigation
    "Hazardous-chemical supervision": "危险化学品全过程监管",
    "Hazardous-chemical lifecycle ledger": "危险化学品全生命周期监管台账",
    "Skip to content": "跳到正文", "Main menu": "主菜单", "Map data": "地图数据",
    "Sign in": "登录", "Sign out": "退出", "User name": "用户名", "Password": "密码",
    "You have signed out.": "您已退出登录。",
    "The user name or the password is wrong.": "用户名或密码错误。",
    "Too many failed attempts: wait a quarter of an hour, or ask an administrator.":
        "失败次数过多：请等待一刻钟后再试，或联系管理员。",
    "Dashboard": "监管看板", "Waybills": "电子运单", "Batch trace": "批次追溯", "My enterprise": "本企业",
    "New waybill": "新建运单", "Register batch": "登记批次", "Register movement": "登记出入库",
    "Back to the start page": "返回首页", "The HTTP API is documented at": "HTTP 接口文档见",
    "hazledger follows every batch of a hazardous chemical through production, storage, trade, use, transport and "
    "disposal in an append-only, tamper-evident ledger; checks electronic waybills against the catalogue, the "
    "parties' permits, the vehicle and its crew; and checks each vehicle's route and GPS track against the "
    "corridors the authority permits.":
        "hazledger 以只增不改、防篡改的台账记录每批危险化学品从生产、储存、经营、使用、运输到处置的全过程；"
        "对照危险化学品目录、各方许可、车辆及从业人员核验电子运单；并对照主管部门许可的通行线路核查车辆的行驶路线和 GPS 轨迹。",
    "Chemical firms register batches and movements and submit e-waybills.": "化工企业登记批次和出入库，提交电子运单。",
    "Transport supervisors follow waybills in transit and their alerts, and verify routes on a map.":
        "运输监管人员跟踪在途运单及其报警，在地图上核查线路。",
    "Auditors trace a batch's whole chain and verify the ledger's integrity.": "审计人员追溯批次全链条，校验台账完整性。",
    # errors shown on pages
    "Your role may not open this page.": "您的角色无权打开此页面。",
    "This page declares no access policy.": "此页面未声明访问策略。",
    "The server could not complete the request; it has been logged.": "服务器未能完成请求，已记录该错误。",
    "The form has expired or did not come from this site; reload the page and try again.":
        "表单已过期或并非来自本站；请刷新页面后重试。",
    "Only a draft or a rejected waybill is edited here.": "只有草稿或被退回的运单可在此修改。",
    # field messages from the API's schemas and services
    "required to submit": "提交时必填", "Missing data for required field.": "必填项缺失。",
    "Field may not be null.": "此项不能为空。", "Not a valid UUID.": "不是有效的选项。",
    "Not a valid number.": "不是有效的数字。", "Not a valid integer.": "不是有效的整数。",
    "Not a valid datetime.": "不是有效的日期时间。", "String does not match expected pattern.": "格式不正确。",
    "Must be greater than 0.": "必须大于 0。", "at least one line is required to submit": "提交时至少需要一行货物",
    "must not be before departure_earliest": "不得早于最早出发时间", "already in use": "已被使用",
    "The form has {count} problem(s); each is shown next to its field.": "表单有 {count} 处问题，已在对应字段旁标出。",
    # lists and filters
    "Filter": "筛选", "Filter waybills": "筛选运单", "Filter the dashboard": "筛选看板", "Clear filters": "清除筛选",
    "Status": "状态", "Waybill number": "运单号", "Shipper": "托运人", "Consignee": "收货人", "Carrier": "承运人",
    "Created": "创建时间", "{count} waybill(s)": "共 {count} 份运单", "No waybill matches.": "没有符合条件的运单。",
    "Pages": "分页", "Previous": "上一页", "Next": "下一页",
    # dashboard
    "Supervision dashboard": "运输监管看板", "Open alerts": "未关闭报警", "Waybills in transit": "在途运单",
    "Vehicle": "车辆", "Departed": "出发时间", "Latest position": "最新定位", "no position yet": "尚无定位",
    "No waybill in transit.": "当前没有在途运单。", "By district": "分区统计", "District": "区县", "Sites": "场所",
    "In transit (loaded here)": "在途（由此装货）", "outside Wuxi": "无锡市外", "Severity at least": "最低级别",
    "Wuxi districts shaded by the number of registered sites": "无锡各区县，按登记场所数量着色",
    "District outlines: DataV.GeoAtlas (may be offset by a few hundred metres).": "区县边界：DataV.GeoAtlas（可能有数百米偏移）。",
    "Live: updates appear as they happen.": "实时：报警变化即时显示。",
    "Live updates interrupted; reconnecting…": "实时更新中断，正在重连…",
    "Reload the page to see new alerts (live updates need JavaScript).": "刷新页面可查看新报警（实时更新需要 JavaScript）。",
    # alerts
    "Alerts": "报警", "Alert": "报警", "Severity": "级别", "Kind": "类型", "Since": "开始时间", "State": "处置状态",
    "Action": "操作", "Acknowledge": "确认", "Note": "备注", "Note (optional)": "备注（可选）", "No alert.": "暂无报警。",
    "Alert acknowledged: {title}": "已确认报警：{title}",
    # waybill page
    "Waybill": "运单", "Version": "版本", "Delivered": "送达时间", "Parties and trip": "各方与行程", "Driver": "驾驶员",
    "Escort": "押运员", "Loading site": "装货地点", "Unloading site": "卸货地点", "Departure window": "出发时间窗",
    "Emergency contact": "应急联系电话", "Corridor": "通行线路",
    "Dangerous goods (transport document)": "危险货物（运输单据）", "Description (ADR 5.4.1)": "货物描述（ADR 5.4.1）",
    "Batch": "批次", "Quantity (kg)": "数量（千克）", "Packaging": "包装", "Delivered (kg)": "实收（千克）",
    "not yet checked (draft)": "尚未核验（草稿）", "No line yet.": "尚无货物行。", "Route check": "线路核查",
    "No position received yet: compliance unknown.": "尚未收到定位：合规情况未知。", "Compliant": "合规",
    "Not compliant: {count} episode(s)": "不合规：{count} 个事件", "{count} positions": "{count} 个定位点",
    "inside the corridor": "在线路内", "Episodes": "违规事件", "Start": "开始", "End": "结束",
    "Duration (s)": "持续（秒）", "Max offset (m)": "最大偏离（米）",
    "No corridor is attached to this waybill: there is no route to check yet.": "此运单未指定通行线路，暂无可核查的路线。",
    "Trip map": "行程地图",
    "The permitted corridor, forbidden zones, the planned route and the track driven, with its episodes "
    "highlighted, on the OpenStreetMap road network.":
        "在 OpenStreetMap 路网上显示许可通行线路、禁行区、规划路线和实际行驶轨迹，并突出显示违规事件。",
    "Permitted corridor": "许可通行线路", "Forbidden zone": "禁行区", "Planned route": "规划路线",
    "Track driven": "实际轨迹",
    "No road network is installed: the map shows no streets and no planned route.": "未安装路网数据：地图不显示道路和规划路线。",
    "Preparing the road network: the streets and the planned route appear once it is ready (reload the page in a "
    "moment).": "正在准备路网数据：准备好后将显示道路和规划路线（请稍后刷新页面）。",
    "Status history": "状态记录", "When": "时间", "From": "从", "To": "到", "By": "操作人", "Reason": "原因",
    # trace
    "Ledger verification": "台账校验", "Ledger intact": "台账完整", "Ledger broken": "台账已损坏",
    "{count} entries re-hashed, the chain holds": "已重算 {count} 条记录的哈希，链条完整",
    "{count} signed checkpoint(s) checked": "已核验 {count} 个签名检查点", "first bad entry": "首个异常记录",
    "bad checkpoint": "异常检查点", "Head": "链头",
    "Verified at": "校验时间", "Verify again now": "立即重新校验", "Trace a batch": "追溯批次", "Batch code": "批次号",
    "Direction": "方向", "Upstream and downstream": "上游和下游", "Upstream": "上游", "Downstream": "下游",
    "Trace": "追溯", "Recent batches": "最近的批次", "No batch yet.": "尚无批次。", "Trace of batch": "批次追溯：",
    "Show": "显示", "Download JSON": "下载 JSON", "Download EPCIS 2.0": "下载 EPCIS 2.0", "Chain": "链条",
    "Batches, transformations, sites and waybills of the chain, left to right in order":
        "链条中的批次、加工转化、场所和运单，自左向右按先后排列",
    "Traced batch": "被追溯批次",
    "The chain is too large to draw; the tables below list all of it.": "链条过大无法绘制；下表列出全部内容。",
    "Batches and reconciliation": "批次与数量平衡",
    "For each batch, what entered the ledger equals what is on hand plus what left it.":
        "每个批次：进入台账的数量等于现存数量加上离开台账的数量。",
    "Relation": "关系", "Chemical": "化学品", "Producer": "生产者", "In (kg)": "进（千克）", "On hand (kg)": "现存（千克）",
    "Out (kg)": "出（千克）", "Reconciles": "平衡", "yes": "是", "no": "否", "Ledger entries": "台账记录",
    "Document": "单据", "Hash": "哈希", "Documents": "相关单据",
    # firm pages
    "Our waybills": "本企业运单", "Our batches": "本企业批次", "Edit and submit": "修改并提交", "No waybill yet.": "尚无运单。",
    "Produced": "生产时间", "On hand with us (kg)": "本企业现存（千克）",
    "Register a produced batch": "登记生产批次", "Site": "场所", "Quantity": "数量", "Unit": "单位",
    "t, kg, g, or L with a density": "吨（t）、千克（kg）、克（g），或升（L，需填写密度）", "Density (kg/L)": "密度（千克/升）",
    "Produced at": "生产时间", "Document reference": "单据编号", "Register": "登记",
    "Batch {code} registered.": "批次 {code} 已登记。", "Register a movement": "登记出入库",
    "Each kind needs its own fields; the form shows those of the chosen kind when JavaScript is on, and names any "
    "that are missing.": "不同类型需要不同字段；启用 JavaScript 时只显示所选类型的字段，缺少的字段会被指出。",
    "New batch code": "新批次号", "From site": "发出场所", "To site": "接收场所",
    "Vehicle plate or waybill number": "车牌号或运单号", "Counted (stocktake)": "盘点数量", "Post": "登记",
    "{count} ledger entries posted.": "已登记 {count} 条台账记录。",
    "Transfer offered: it is posted when the receiving enterprise accepts it.": "转移已提交：接收企业确认后登记入账。",
    "Transfers awaiting our acceptance": "待本企业确认的转入", "Handed over": "交付时间", "Accept": "接收",
    "Refuse": "拒收", "Transfer accepted: posted to our stock.": "已接收，已登记入本企业库存。",
    "Transfer refused.": "已拒收。",
    "Parties": "各方", "Vehicle and crew": "车辆与人员", "Trailer": "挂车", "Places and times": "地点与时间",
    "Earliest departure": "最早出发", "Latest departure": "最晚出发",
    "digits, spaces and dashes, e.g. 0510-86801119": "数字、空格和短横线，如 0510-86801119", "Lines": "货物",
    "Leave a row empty to leave it out; save to get another empty row.": "空行将被忽略；保存后会再增加一个空行。",
    "e.g. tank, IBC, drum": "如 罐体、IBC、桶", "Packages": "件数", "Save draft": "保存草稿", "Save and submit": "保存并提交",
    "Draft {number} saved.": "草稿 {number} 已保存。",
    "Draft {number} saved, but it cannot be submitted yet.": "草稿 {number} 已保存，但尚不能提交。",
    "Waybill {number} issued.": "运单 {number} 已生成。",
    "Waybill content (national format)": "运单内容（国家格式）", "Shipper's phone": "托运人联系电话",
    "Consignee's phone": "收货人联系电话", "Loader (装货人)": "装货人", "Loader's phone": "装货人联系电话",
    "Plate colour (黄, 蓝, 黄绿 ...)": "车牌颜色（黄、蓝、黄绿……）",
    "Road transport certificate (道路运输证) number": "道路运输证号", "Trailer plate colour": "挂车车牌颜色",
    "Trailer's road transport certificate number": "挂车道路运输证号", "Tank number": "罐体编号",
    "Tank capacity (m³)": "罐体容积（m³）", "Tank inspection valid until": "罐体检验有效期至",
    "Driver's phone": "驾驶员联系电话", "Escort's phone": "押运员联系电话", "Dispatcher (调度人)": "调度人",
    "Dispatch date": "调度日期", "Waste transfer manifest (转移联单) number": "危险废物转移联单号",
    "Shared trip reference": "同车次编号",
    "Print view": "打印运单", "Print": "打印",
    "Consignment lists": "托运清单", "Goods": "货物", "Make the waybill": "制作运单",
    "No consignment list yet.": "暂无托运清单。", "Number": "编号",
    "New consignment list": "新建托运清单", "Shipping date": "托运日期",
    "Consignment list {number} handed to the carrier.": "托运清单 {number} 已交承运人。",
    "The UN number, proper shipping name, class and packing group of each line are read from the catalogue entry "
    "of its batch.": "每行货物的联合国编号、正式运输名称、类别和包装类别均取自其批次在危险化学品目录中的条目。",
    "Hazards (危险特性)": "危险特性", "First aid (急救措施)": "急救措施", "Spill response (泄漏应急处置)": "泄漏应急处置",
    "Fire response (消防措施)": "消防措施", "Hand the list to the carrier": "交承运人",
    "no such active carrier": "没有该在用承运人", "no such active enterprise": "没有该在用企业",
    "no such batch of the shipper": "托运人没有该批次",
    "no such active site of the shipper": "托运人没有该在用场所",
    "no such active site of the consignee": "收货人没有该在用场所",
    "Draft {number} made from the consignment list: add the vehicle and crew.":
        "已根据托运清单生成运单草稿 {number}：请填写车辆和人员。",
    "Pass number": "通行证号", "awaiting public security": "待公安机关核发",
    "Waybill {number} awaits its pass from public security.": "运单 {number} 待公安机关核发通行证。",
    "As the carrier told you: the plates, and the qualification certificate numbers of the driver and the escort. "
    "They are looked up at the chosen carrier.":
        "按承运人提供的信息填写：车牌号，以及驾驶员和押运员的从业资格证号；系统只在所选承运人的登记中查找。",
    "Vehicle plate": "车牌号", "Trailer plate": "挂车车牌号", "e.g. 苏B12345": "如 苏B12345",
    "e.g. 苏B1234挂; empty without a trailer": "如 苏B1234挂；无挂车时留空",
    "Driver's certificate number": "驾驶员从业资格证号", "Escort's certificate number": "押运员从业资格证号",
    "a site of the consignee": "须为收货人的场所", "Only the shipper may do this.": "只有托运人可以执行此操作。",
    # risk map
    "Risk map": "风险四色图", "Major hazard sources: four-colour risk map (Wuxi)": "危险化学品重大危险源风险四色图（无锡）",
    "Sites coloured by their major-hazard grade (GB 18218-2018), districts by their worst site.":
        "场所按重大危险源分级（GB 18218-2018）着色，区县按其风险最高的场所着色。",
    "{count} site(s); the table below lists every major hazard source and every site above low risk.":
        "共 {count} 个场所；下表列出全部重大危险源及风险高于低风险的场所。",
    "Legend": "图例",
    "An unresolved critical alert about a site raises it one level; a district takes the level of its worst site.":
        "场所存在未关闭的严重报警时风险升一级；区县取其风险最高场所的等级。",
    "Major hazard sources": "重大危险源", "Enterprise": "企业", "Grade": "分级", "Risk level": "风险等级",
    "not a major hazard source": "非重大危险源", "raised by a critical alert": "因严重报警升级",
    "No major hazard source.": "暂无重大危险源。",
    "S = Σ q/Q (a major hazard source when S ≥ 1); R = α · Σ β·q/Q decides the grade: 一级 R ≥ 100, 二级 50–100, "
    "三级 10–50, 四级 below 10.":
        "S = Σ q/Q（S ≥ 1 即为重大危险源）；R = α · Σ β·q/Q 决定分级：一级 R ≥ 100，二级 50–100，三级 10–50，四级 低于 10。",
    # the waybill's vehicle, crew and sites (app/services/waybills/named.py, service.py, checks.py)
    NO_VEHICLE: "所选承运人没有此车牌号的在用车辆",
    NO_PERSON: "所选承运人没有持此从业资格证号的在职驾驶员或押运员",
    SEVERAL: "所选承运人有多名在职人员持此从业资格证号，请联系承运人更正",
    NO_CARRIER: "请先选择承运人",
    f"must start with a province abbreviation ({PROVINCES})": f"须以省份简称开头（{PROVINCES}）",
    "must be like 苏B12345, a new-energy plate like 苏BD12345 or 苏B12345D, or a trailer like 苏B1234挂":
        "格式应如 苏B12345、新能源号牌 苏BD12345 或 苏B12345D、挂车 苏B1234挂",
    "no such site of the consignee": "不是收货人的场所", "not a site of the consignee": "不是收货人的场所",
    "not a vehicle of the carrier": "不是承运人的车辆", "not employed by the carrier": "不是承运人的从业人员",
    # the waybill form's dangerous-goods panel (app/web/rules_preview.py)
    "Dangerous-goods rules (ADR 2017 / JT/T 617)": "危险货物运输规则（ADR 2017 / JT/T 617）",
    "May be loaded together": "可以混装", "May not be loaded together": "不得混装",
    "Tunnel restriction code": "隧道限制代码", "closed to tunnel categories": "禁止通行的隧道类别",
    "in packages": "包件运输", "in a tank": "罐式运输",
    # the trace page's hazardous waste (app/services/waste/batches.py)
    "Hazardous waste declarations and transfer manifests": "危险废物申报与转移联单", "Waste code": "废物代码",
    "Waste category": "废物类别", "Hazard characteristics": "危险特性", "Catalogue edition": "名录版本",
    "Transfer manifests": "转移联单", "none": "无",
    "code entry checked against the {editions} edition only": "代码条目仅按 {editions} 年版核对",
}

#: group -> value -> (Chinese, English)
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "role": {"admin": ("管理员", "Administrator"), "supervisor": ("监管人员", "Supervisor"),
             "auditor": ("审计人员", "Auditor"), "enterprise": ("企业用户", "Enterprise")},
    "status": {"draft": ("草稿", "Draft"), "submitted": ("已提交", "Submitted"), "approved": ("已批准", "Approved"),
               "rejected": ("已退回", "Rejected"), "in_transit": ("运输中", "In transit"),
               "delivered": ("已送达", "Delivered"), "closed": ("已完结", "Closed"), "cancelled": ("已取消", "Cancelled"),
               "issued": ("已生成", "Issued"), "awaiting_pass": ("待核发通行证", "Awaiting pass")},
    "severity": {"low": ("低", "Low"), "medium": ("中", "Medium"), "high": ("高", "High"),
                 "critical": ("严重", "Critical")},
    "alert_state": {"open": ("待处置", "Open"), "acknowledged": ("已确认", "Acknowledged"),
                    "closed": ("已关闭", "Closed")},
    "alert_kind": {"deviation": ("偏离线路", "Deviation"), "forbidden_zone": ("闯入禁行区", "Forbidden zone"),
                   "stop": ("违规停车", "Stop"), "signal_gap": ("信号中断", "Signal gap"),
                   "time_window": ("超出通行时段", "Time window"), "overspeed": ("超速", "Overspeed"),
                   "arrival_elsewhere": ("非约定地点到达", "Arrived elsewhere"),
                   "waste_overdue": ("危废超期贮存", "Waste stored too long"),
                   "major_hazard": ("重大危险源", "Major hazard source"),
                   "waste_transfer": ("危废转移联单", "Waste transfer")},
    "episode": {"deviation": ("偏离线路", "Deviation"), "forbidden_zone": ("闯入禁行区", "Forbidden zone"),
                "signal_gap": ("信号中断", "Signal gap"), "stop": ("违规停车", "Stop"),
                "time_window": ("超出通行时段", "Time window"), "overspeed": ("超速", "Overspeed")},
    "entry_kind": {"produce": ("生产", "Produce"), "receive": ("接收入账", "Receive"), "transfer": ("调拨", "Transfer"),
                   "load": ("装车", "Load"), "unload": ("卸货", "Unload"), "consume": ("使用消耗", "Consume"),
                   "transform": ("加工转化", "Transform"), "split": ("分装", "Split"),
                   "generate_waste": ("产生危废", "Generate waste"), "dispose": ("处置", "Dispose"),
                   "loss": ("损耗", "Loss"), "adjust": ("盘点调整", "Stocktake adjustment"),
                   "reversal": ("冲正", "Reversal")},
    "boundary": {"produced": ("生产/入账", "Produced"), "received": ("外部接收", "Received"),
                 "transformed": ("加工转化", "Transformed"), "consumed": ("使用消耗", "Consumed"),
                 "disposed": ("已处置", "Disposed"), "loss": ("损耗", "Loss"), "adjustment": ("盘点调整", "Adjustment")},
    "vehicle_kind": {"tank": ("罐式车辆", "Tank vehicle"), "van": ("厢式车辆", "Van"), "flatbed": ("栏板/平板车", "Flatbed"),
                     "tractor": ("牵引车", "Tractor"), "tank_trailer": ("罐式挂车", "Tank trailer"),
                     "semi_trailer": ("挂车", "Semi-trailer")},
    "risk_level": {"red": ("重大风险", "Major risk"), "orange": ("较大风险", "Considerable risk"),
                   "yellow": ("一般风险", "Moderate risk"), "blue": ("低风险", "Low risk")},
    "risk_rule": {"red": ("一级重大危险源", "grade 1 major hazard source"),
                  "orange": ("二级重大危险源", "grade 2 major hazard source"),
                  "yellow": ("三级重大危险源", "grade 3 major hazard source"),
                  "blue": ("四级重大危险源或非重大危险源", "grade 4, or not a major hazard source")},
    "hazard_grade": {"一级": ("一级", "Grade 1"), "二级": ("二级", "Grade 2"), "三级": ("三级", "Grade 3"),
                     "四级": ("四级", "Grade 4")},
    "crew_role": {"driver": ("驾驶员", "Driver"), "escort": ("押运员", "Escort")},
    "relation": {"self": ("本批次", "This batch"), "upstream": ("上游", "Upstream"), "downstream": ("下游", "Downstream")},
    "node": {"root": ("被追溯批次", "Traced batch"), "batch": ("批次", "Batch"), "transformation": ("加工转化", "Transformation"),
             "site": ("场所", "Site"), "waybill": ("运单在途", "Waybill in transit"), "end": ("去向", "Leaves the ledger")},
    "http": {"400": ("请求无效", "Bad request"), "401": ("未登录", "Not signed in"), "403": ("无权访问", "Forbidden"),
             "404": ("未找到", "Not found"), "405": ("方法不允许", "Method not allowed"), "409": ("冲突", "Conflict"),
             "422": ("无法处理", "Unprocessable"), "429": ("请求过多", "Too many requests"),
             "500": ("服务器错误", "Server error")},
}
