//! The standard ledger: its sheets, columns and value vocabulary (categories,
//! fund sources, statuses). Shared by the template writer, the reader (which
//! looks for these first, then for the aliases) and the report.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ProjectId,
    ProjectName,
    Category,
    FundSource,
    Budget,
    Settled,
    Status,
    Location,
    Implementer,
    StartDate,
    EndDate,
    DeviationReason,
    AnnualTarget,
    ActualResult,
    PaymentDate,
    PaymentAmount,
    Voucher,
    Memo,
    Level1,
    Level2,
    Level3,
    TargetValue,
    ActualValue,
    Weight,
    HandScore,
    /// 累计拨付 / 累计支出: paid so far, in a ledger without a payment list.
    CumulativePaid,
    /// 乡镇 / 村: the group a 小计 row sums.
    Group,
    /// 执行率 / 支出进度 (%): a check on paid ÷ budget, never a figure.
    RateCheck,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Money in 万元 (or 元, converted).
    Money,
    Date,
    Number,
}

/// One column of a standard sheet.
#[derive(Debug)]
pub struct ColumnSpec {
    pub field: Field,
    /// The header as the standard workbook writes it (unit included).
    pub header: &'static str,
    pub required: bool,
    pub kind: Kind,
    /// Other names clerks use; compared after `normalize_header`.
    pub aliases: &'static [&'static str],
    /// Explanation on the template's 说明 sheet.
    pub help: &'static str,
    /// Dropdown values in the template, if the column is coded.
    pub choices: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetRole {
    Projects,
    Payments,
    Indicators,
    Info,
}

#[derive(Debug)]
pub struct SheetSpec {
    pub role: SheetRole,
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// The standard workbook's columns.
    pub columns: &'static [ColumnSpec],
    /// Columns real ledgers have that the reader also takes.
    pub extra: &'static [ColumnSpec],
}

impl SheetSpec {
    /// Every column the reader looks for.
    pub fn readable(&self) -> impl Iterator<Item = &'static ColumnSpec> {
        self.columns.iter().chain(self.extra.iter())
    }
}

/// A fund family: every spelling of a family (中央财政衔接推进乡村振兴补助
/// 资金, 2026 年的中央财政常态化帮扶资金 …) is read into one of these, once,
/// in `read`; compute compares these, never spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fund {
    /// 衔接资金 (常态化帮扶资金 from 2026)
    Xianjie,
    /// 整合资金
    Zhenghe,
    /// 其他资金: 自筹、社会资金 …
    Other,
}

impl Fund {
    pub const ALL: [Fund; 3] = [Fund::Xianjie, Fund::Zhenghe, Fund::Other];
    /// The standard name a ledger's fund reads as.
    pub fn name(self) -> &'static str {
        match self {
            Fund::Xianjie => "衔接资金",
            Fund::Zhenghe => "整合资金",
            Fund::Other => OTHER_FUNDS,
        }
    }
    /// The family of a standard name (as `read` writes it); None for a fund
    /// kept as given.
    pub fn of(name: &str) -> Option<Fund> {
        Fund::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The government level of 衔接资金.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Central,
    Province,
    City,
    County,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Central, Level::Province, Level::City, Level::County];
    pub fn name(self) -> &'static str {
        match self {
            Level::Central => "中央",
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
        }
    }
    /// 中央, 省级 or 省, 市级 or 市, 县级 or 县.
    pub fn of(word: &str) -> Option<Level> {
        match word {
            "中央" => Some(Level::Central),
            "省级" | "省" => Some(Level::Province),
            "市级" | "市" => Some(Level::City),
            "县级" | "县" => Some(Level::County),
            _ => None,
        }
    }
}

/// 建设状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    NotStarted,
    Building,
    Finished,
    Settled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::NotStarted,
        Status::Building,
        Status::Finished,
        Status::Settled,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Status::NotStarted => "未开工",
            Status::Building => "在建",
            Status::Finished => "已完工",
            Status::Settled => "已结算",
        }
    }
    pub fn of(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }
    /// The work is finished, so a 结算金额 is expected.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Finished | Status::Settled)
    }
}

pub const CATEGORIES: &[&str] = &["产业项目", "基础设施建设项目", "其他项目"];
pub const FUND_SOURCES: &[&str] = &["衔接资金", "整合资金"];
/// Every fund the reader recognises: the two pools and money from outside them.
pub const KNOWN_FUNDS: &[&str] = &["衔接资金", "整合资金", "其他资金"];
pub const STATUSES: &[&str] = &["未开工", "在建", "已完工", "已结算"];
/// Statuses meaning the work is finished, so a 结算金额 is expected.
pub const FINISHED_STATUSES: &[&str] = &["已完工", "已结算"];

const fn col(
    field: Field,
    header: &'static str,
    required: bool,
    kind: Kind,
    aliases: &'static [&'static str],
    help: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        field,
        header,
        required,
        kind,
        aliases,
        help,
        choices: &[],
    }
}

pub const PROJECT_COLUMNS: &[ColumnSpec] = &[
    col(
        Field::ProjectId,
        "项目编号",
        true,
        Kind::Text,
        &["项目代码", "项目编码"],
        "必填。工作簿内唯一，拨付表和绩效指标表用它对应项目。",
    ),
    col(
        Field::ProjectName,
        "项目名称",
        true,
        Kind::Text,
        &[],
        "必填。",
    ),
    ColumnSpec {
        choices: CATEGORIES,
        ..col(
            Field::Category,
            "项目类别",
            true,
            Kind::Text,
            &["项目类型"],
            "必填。产业项目 / 基础设施建设项目 / 其他项目；其他写法按原样单列一类。",
        )
    },
    ColumnSpec {
        choices: FUND_SOURCES,
        ..col(
            Field::FundSource,
            "资金性质",
            true,
            Kind::Text,
            &["资金来源", "资金类型"],
            "必填。衔接资金 / 整合资金；预算按项目的资金性质汇总。",
        )
    },
    col(
        Field::Budget,
        "预算金额（万元）",
        true,
        Kind::Money,
        &[
            "资金规模",
            "安排资金",
            "计划投资",
            "预算",
            "下达资金",
            "年度预算",
            "投资规模",
            "计划投入资金",
            "预算金额",
            "总投资",
        ],
        "必填。当年安排的资金，万元，不小于0。",
    ),
    col(
        Field::Settled,
        "结算金额（万元）",
        false,
        Kind::Money,
        &[
            "决算金额",
            "审定金额",
            "结算",
            "实际使用金额",
            "结算审定金额",
            "审定结算金额",
            "结算价",
        ],
        "完工项目结算（审定）后的金额，万元；用于计算待拨付和结余。",
    ),
    ColumnSpec {
        choices: STATUSES,
        ..col(
            Field::Status,
            "建设状态",
            false,
            Kind::Text,
            &[
                "项目状态",
                "进度",
                "项目进展",
                "建设进度",
                "实施进度",
                "进展情况",
            ],
            "未开工 / 在建 / 已完工 / 已结算。",
        )
    },
    col(
        Field::Location,
        "建设地点",
        false,
        Kind::Text,
        &["实施地点", "项目地点"],
        "选填。",
    ),
    col(
        Field::Implementer,
        "实施单位",
        false,
        Kind::Text,
        &["责任单位", "实施主体", "项目实施单位"],
        "选填。",
    ),
    col(
        Field::StartDate,
        "开工日期",
        false,
        Kind::Date,
        &[
            "开工时间",
            "计划开工时间",
            "计划开工",
            "实际开工时间",
            "实施年月",
            "实施时间",
        ],
        "选填。日期。",
    ),
    col(
        Field::EndDate,
        "完工日期",
        false,
        Kind::Date,
        &[
            "完工时间",
            "计划完工时间",
            "计划完工",
            "实际完工时间",
            "竣工时间",
            "竣工日期",
        ],
        "选填。日期。",
    ),
    col(
        Field::DeviationReason,
        "偏差原因",
        false,
        Kind::Text,
        &[],
        "选填。预算未全部使用或未按期完成的原因。",
    ),
    col(
        Field::AnnualTarget,
        "年度目标",
        false,
        Kind::Text,
        &["年度总体目标"],
        "选填。绩效表“年度总体目标·预期目标”。",
    ),
    col(
        Field::ActualResult,
        "实际完成情况",
        false,
        Kind::Text,
        &[],
        "选填。绩效表“年度总体目标·实际完成情况”。",
    ),
];

/// Columns the reader knows that the standard workbook doesn't have.
pub const PROJECT_EXTRA_COLUMNS: &[ColumnSpec] = &[
    col(
        Field::CumulativePaid,
        "累计拨付（万元）",
        false,
        Kind::Money,
        &[
            "累计支出",
            "已拨付",
            "已拨付金额",
            "已支付金额",
            "累计支付",
            "累计",
        ],
        "选填。没有“拨付”表时，按此列计已拨付（截至台账日期）。",
    ),
    col(
        Field::Group,
        "乡镇",
        false,
        Kind::Text,
        &["村", "村名", "行政村", "所在村", "乡镇名称", "所属乡镇"],
        "选填。小计行按此列分组核对。",
    ),
    col(
        Field::RateCheck,
        "执行率",
        false,
        Kind::Number,
        &[
            "支出进度",
            "资金支出进度",
            "支付进度",
            "拨付进度",
            "支付率",
            "预算执行率",
            "资金执行率",
            "支出率",
        ],
        "选填。只用来核对：应等于已拨付 ÷ 预算。",
    ),
];

pub const PAYMENT_COLUMNS: &[ColumnSpec] = &[
    col(
        Field::ProjectId,
        "项目编号",
        true,
        Kind::Text,
        &["项目代码", "项目编码"],
        "必填。须是“项目”表中的编号。",
    ),
    col(
        Field::ProjectName,
        "项目名称",
        false,
        Kind::Text,
        &[],
        "选填。没有“项目编号”列时按项目名称对应项目。",
    ),
    col(
        Field::PaymentDate,
        "拨付日期",
        true,
        Kind::Date,
        &["支付日期", "日期", "拨付时间", "支付时间"],
        "必填。日期；晚于截止日期的拨付不计入。",
    ),
    col(
        Field::PaymentAmount,
        "拨付金额（万元）",
        true,
        Kind::Money,
        &["支付金额", "金额"],
        "必填。万元；退回资金填负数。",
    ),
    ColumnSpec {
        choices: FUND_SOURCES,
        ..col(
            Field::FundSource,
            "资金性质",
            false,
            Kind::Text,
            &["资金来源", "资金类型"],
            "选填。本笔拨付实际使用的资金；空则取项目的资金性质。",
        )
    },
    col(Field::Voucher, "凭证号", false, Kind::Text, &[], "选填。"),
    col(Field::Memo, "摘要", false, Kind::Text, &[], "选填。"),
];

pub const INDICATOR_COLUMNS: &[ColumnSpec] = &[
    col(
        Field::ProjectId,
        "项目编号",
        true,
        Kind::Text,
        &["项目代码", "项目编码"],
        "必填。须是“项目”表中的编号。",
    ),
    col(
        Field::Level1,
        "一级指标",
        false,
        Kind::Text,
        &[],
        "产出指标 / 效益指标 / 满意度指标。",
    ),
    col(
        Field::Level2,
        "二级指标",
        false,
        Kind::Text,
        &[],
        "如 数量指标、质量指标、时效指标、成本指标、社会效益指标。",
    ),
    col(
        Field::Level3,
        "三级指标",
        false,
        Kind::Text,
        &[],
        "具体指标名称。",
    ),
    col(
        Field::TargetValue,
        "指标值",
        false,
        Kind::Text,
        &["年度指标值"],
        "如 ≥720平方米、=100%、效果明显。",
    ),
    col(
        Field::ActualValue,
        "实际完成值",
        false,
        Kind::Text,
        &["全年实际值"],
        "年底实际完成的值。",
    ),
    col(
        Field::Weight,
        "分值",
        false,
        Kind::Number,
        &[],
        "选填。不填则按规则平均分配。",
    ),
    col(
        Field::HandScore,
        "得分",
        false,
        Kind::Number,
        &["自评得分"],
        "选填。手工评分；定性指标部分达成或未达成时按此计分，其他指标与规则得分不同时提示。",
    ),
    col(
        Field::DeviationReason,
        "偏差原因",
        false,
        Kind::Text,
        &["偏差原因分析及改进措施"],
        "选填。",
    ),
];

pub const SHEETS: &[SheetSpec] = &[
    SheetSpec {
        role: SheetRole::Projects,
        name: "项目",
        aliases: &["项目台账", "项目清单", "项目明细", "项目库"],
        columns: PROJECT_COLUMNS,
        extra: PROJECT_EXTRA_COLUMNS,
    },
    SheetSpec {
        role: SheetRole::Payments,
        name: "拨付",
        aliases: &["资金拨付", "拨付台账", "拨付明细", "支付明细", "资金支付"],
        columns: PAYMENT_COLUMNS,
        extra: &[],
    },
    SheetSpec {
        role: SheetRole::Indicators,
        name: "绩效指标",
        aliases: &["绩效目标", "绩效目标表", "指标"],
        columns: INDICATOR_COLUMNS,
        extra: &[],
    },
    SheetSpec {
        role: SheetRole::Info,
        name: "说明",
        aliases: &["填表说明", "基本信息"],
        columns: &[],
        extra: &[],
    },
];

pub fn sheet_spec(role: SheetRole) -> &'static SheetSpec {
    SHEETS
        .iter()
        .find(|s| s.role == role)
        .expect("every role has a spec")
}

/// Keys read from column A of the 说明 sheet (value in column B).
pub const INFO_UNIT: &str = "单位名称";
pub const INFO_YEAR: &str = "年度";
pub const INFO_AS_OF: &str = "截止日期";
pub const INFO_DEPARTMENT: &str = "主管部门";

/// 项目编号 of the template's example rows; `report` never counts them.
pub const EXAMPLE_ID_PREFIX: &str = "示例-";

/// 其他资金: money from outside the two pools (自筹, 社会, 其他).
pub const OTHER_FUNDS: &str = "其他资金";
