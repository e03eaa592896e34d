//! Everything the reader knows about layouts, as tables: sheet names and their
//! aliases, columns and their aliases, units, and value spellings.

use rust_decimal::Decimal;

/// The fields the reader fills. One column of the input maps to at most one.
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

/// A money unit a clerk can state (in a header, a "单位：…" line, a cell's
/// text, or the mapping file). Everything is converted exactly to 万元.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    /// 千元
    QianYuan,
    WanYuan,
    /// 亿元
    YiYuan,
}

/// Unit words, longest first so "万元" is not read as "元".
pub const UNIT_WORDS: &[(&str, MoneyUnit)] = &[
    ("亿元", MoneyUnit::YiYuan),
    ("万元", MoneyUnit::WanYuan),
    ("千元", MoneyUnit::QianYuan),
    ("元", MoneyUnit::Yuan),
];

impl MoneyUnit {
    /// The unit a whole word names ("万元", "元", …).
    pub fn parse(word: &str) -> Option<MoneyUnit> {
        UNIT_WORDS.iter().find(|(w, _)| *w == word).map(|(_, u)| *u)
    }
    /// The unit a text starts with ("元）…" → 元).
    pub fn prefix_of(text: &str) -> Option<MoneyUnit> {
        UNIT_WORDS
            .iter()
            .find(|(w, _)| text.starts_with(w))
            .map(|(_, u)| *u)
    }
    pub fn name(self) -> &'static str {
        UNIT_WORDS
            .iter()
            .find(|(_, u)| *u == self)
            .map(|(w, _)| *w)
            .unwrap_or("万元")
    }
    /// An amount in this unit, in 万元 (exact).
    pub fn to_wan(self, amount: Decimal) -> Decimal {
        match self {
            MoneyUnit::Yuan => amount / Decimal::from(10_000),
            MoneyUnit::QianYuan => amount / Decimal::from(10),
            MoneyUnit::WanYuan => amount,
            MoneyUnit::YiYuan => amount * Decimal::from(10_000),
        }
    }
}

/// Header text → comparable key: no spaces or line breaks, half-width
/// brackets, and the trailing bracketed unit split off.
pub fn normalize_header(s: &str) -> (String, Option<MoneyUnit>) {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '【' | '［' | '[' => '(',
            '】' | '］' | ']' => ')',
            '：' => ':',
            c => c,
        })
        .collect();
    let mut unit = None;
    while t.ends_with(')') {
        let Some(open) = t.rfind('(') else { break };
        let inner = &t[open + 1..t.len() - 1];
        let inner = inner.trim_start_matches("单位").trim_start_matches(':');
        if let Some(u) = MoneyUnit::parse(inner) {
            unit = Some(u);
        }
        t.truncate(open);
    }
    // "金额/万元", "金额:万元" and a bare trailing unit word.
    for sep in ['/', ':'] {
        if let Some((head, tail)) = t.rsplit_once(sep)
            && let Some(u) = MoneyUnit::parse(tail)
        {
            unit = unit.or(Some(u));
            t = head.to_string();
        }
    }
    (t, unit)
}

/// Does a normalised header name this column?
pub fn header_matches(spec: &ColumnSpec, key: &str) -> bool {
    // Aliases are written normalised (a test checks it); the header loses its unit.
    header_key(spec) == key || spec.aliases.contains(&key)
}

/// The standard header without its unit: "预算金额（万元）" → "预算金额".
pub fn header_key(spec: &ColumnSpec) -> &'static str {
    spec.header.split('（').next().unwrap_or(spec.header)
}

/// Value spellings mapped to the standard ones (项目类别, 资金性质, 建设状态).
pub const VALUE_ALIASES: &[(&str, &str)] = &[
    ("中央衔接推进乡村振兴补助资金", "衔接资金"),
    ("财政衔接推进乡村振兴补助资金", "衔接资金"),
    ("衔接推进乡村振兴补助资金", "衔接资金"),
    ("中央衔接资金", "衔接资金"),
    ("省级衔接资金", "衔接资金"),
    ("其他涉农整合资金", "整合资金"),
    ("其他整合资金", "整合资金"),
    ("统筹整合使用财政涉农资金", "整合资金"),
    ("统筹整合资金", "整合资金"),
    ("涉农整合资金", "整合资金"),
    ("完工未结算", "已完工"),
    ("竣工", "已完工"),
    ("已竣工", "已完工"),
    ("完工", "已完工"),
    ("施工中", "在建"),
    ("建设中", "在建"),
    ("产业发展", "产业项目"),
    ("产业", "产业项目"),
    ("基础设施", "基础设施建设项目"),
    ("基础设施项目", "基础设施建设项目"),
    ("其他", "其他项目"),
];

/// Standard spelling of a coded value; unknown values are kept as given.
pub fn normalize_value(s: &str) -> String {
    let t: String = if s.chars().any(char::is_whitespace) {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        s.to_string()
    };
    if let Some((fund, _)) = fund_by_words(&t) {
        return fund.to_string();
    }
    VALUE_ALIASES
        .iter()
        .find(|(from, _)| *from == t)
        .map(|(_, to)| to.to_string())
        .unwrap_or(t)
}

/// 其他资金: money from outside the two pools (自筹, 社会, 其他).
pub const OTHER_FUNDS: &str = "其他资金";
/// Government levels a 衔接资金 spelling may name; the level is kept.
pub const FUND_LEVELS: &[&str] = &["中央", "省级", "市级", "县级", "省", "市", "县"];
/// Fund spellings by the words they contain, first match wins.
pub const FUND_WORDS: &[(&str, &str)] = &[
    ("衔接", "衔接资金"),
    ("整合", "整合资金"),
    ("涉农", "整合资金"),
    ("自筹", OTHER_FUNDS),
    ("社会资金", OTHER_FUNDS),
    ("群众投", OTHER_FUNDS),
    ("其他资金", OTHER_FUNDS),
];

/// The standard fund a spelling names, and the level it names
/// ("省级财政衔接推进乡村振兴补助资金" → 衔接资金, 省级). Only spellings
/// that end in 资金 (or are a bare fund word) count, so "整合方案" is no fund.
pub fn fund_by_words(t: &str) -> Option<(&'static str, Option<&'static str>)> {
    if !(t.ends_with("资金") || t.ends_with("资金)") || t == "衔接" || t == "整合" || t == "自筹")
    {
        return None;
    }
    let fund = FUND_WORDS
        .iter()
        .find(|(w, _)| t.contains(w))
        .map(|(_, f)| *f)?;
    let level = FUND_LEVELS
        .iter()
        .find(|l| t.starts_with(*l))
        .map(|l| match *l {
            "省" => "省级",
            "市" => "市级",
            "县" => "县级",
            l => l,
        });
    Some((fund, if fund == "衔接资金" { level } else { None }))
}

/// Headers by meaning: a header that contains one of `words` names the field,
/// unless it also contains one of `unless` (a rate, a date, another amount).
/// Tried only after every exact name and alias.
pub struct Meaning {
    pub role: SheetRole,
    pub field: Field,
    pub words: &'static [&'static str],
    pub unless: &'static [&'static str],
}

const NOT_MONEY: &[&str] = &[
    "率", "进度", "比例", "%", "日期", "时间", "个数", "人数", "户数",
];

pub const MEANINGS: &[Meaning] = &[
    Meaning {
        role: SheetRole::Projects,
        field: Field::CumulativePaid,
        words: &[
            "累计拨付",
            "累计支出",
            "累计支付",
            "已拨付",
            "已支付",
            "已拨",
            "实际支出",
            "累计完成投资",
        ],
        unless: NOT_MONEY,
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::Settled,
        words: &["结算", "决算", "审定"],
        unless: NOT_MONEY,
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::Budget,
        words: &[
            "资金规模",
            "计划投资",
            "投资规模",
            "安排资金",
            "下达资金",
            "预算",
            "总投资",
            "投资额",
            "计划投入",
            "资金总额",
        ],
        unless: NOT_MONEY,
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::ProjectId,
        words: &[
            "项目编号",
            "项目代码",
            "项目编码",
            "项目库编号",
            "项目库编码",
        ],
        unless: &[],
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::ProjectName,
        words: &["项目名称"],
        unless: &[],
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::Category,
        words: &["项目类别", "项目类型", "项目子类型", "项目分类"],
        unless: &[],
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::FundSource,
        words: &["资金性质", "资金来源", "资金类型", "资金类别"],
        unless: &["金额", "规模"],
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::Status,
        words: &[
            "项目进展",
            "建设进度",
            "建设状态",
            "项目状态",
            "实施进度",
            "进展情况",
            "建设情况",
        ],
        unless: &["率", "%"],
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::StartDate,
        words: &["开工"],
        unless: &[],
    },
    Meaning {
        role: SheetRole::Projects,
        field: Field::EndDate,
        words: &["完工", "竣工"],
        unless: &[],
    },
    Meaning {
        role: SheetRole::Payments,
        field: Field::PaymentDate,
        words: &["日期", "时间"],
        unless: &[],
    },
    Meaning {
        role: SheetRole::Payments,
        field: Field::PaymentAmount,
        words: &["拨付金额", "支付金额", "金额"],
        unless: &["率", "累计"],
    },
];

/// The field a header names by meaning (see `MEANINGS`).
pub fn field_by_meaning(role: SheetRole, key: &str) -> Option<Field> {
    MEANINGS
        .iter()
        .filter(|m| m.role == role)
        .find(|m| {
            m.words.iter().any(|w| key.contains(w)) && !m.unless.iter().any(|u| key.contains(u))
        })
        .map(|m| m.field)
}

/// Lines above or under a table that are notes or signatures, not records.
pub const NOTE_PREFIXES: &[&str] = &[
    "注",
    "备注:",
    "说明",
    "填表人",
    "填报人",
    "审核人",
    "制表",
    "制表人",
    "联系电话",
    "联系人",
    "电话",
    "填报日期",
    "填表日期",
    "报送日期",
    "负责人",
    "单位负责人",
    "分管领导",
    "主要领导",
    "财务负责人",
    "经办人",
    "复核人",
    "审批人",
    "盖章",
    "填报单位",
];

/// Does a row's first text name it a note or signature line?
pub fn is_note_text(t: &str) -> bool {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.replace('：', ":");
    NOTE_PREFIXES.iter().any(|p| {
        t.starts_with(p)
            && (p.ends_with(':')
                || t[p.len()..].starts_with([':', '(', '（', '1', '１', '、'])
                || t.len() == p.len()
                || [
                    "填表人",
                    "审核人",
                    "制表",
                    "联系电话",
                    "填报日期",
                    "负责人",
                    "经办人",
                ]
                .contains(p))
    })
}

/// Words a second header row is made of (under 资金规模, 受益对象, 拨付金额 …).
pub const SUBHEADER_WORDS: &[&str] = &[
    "预算",
    "结算",
    "小计",
    "合计",
    "中央",
    "省级",
    "市级",
    "县级",
    "户数",
    "人数",
    "其中脱贫户",
    "脱贫户",
    "脱贫人口",
    "计划开工",
    "计划完工",
    "实际开工",
    "实际完工",
    "金额",
    "数量",
    "单位",
    "衔接资金",
    "整合资金",
    "其他资金",
    "自筹资金",
    "财政资金",
    "开工",
    "完工",
    "本月",
    "累计",
];

/// A month column header: "3月", "3月份", "2024年3月", "2024.3" → (year, month).
pub fn month_header(key: &str) -> Option<(Option<i32>, u32)> {
    let t = key.trim_end_matches('份');
    let (year, rest) = match t.split_once('年') {
        Some((y, r)) => (
            Some(
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (2000..=2099).contains(y))?,
            ),
            r,
        ),
        None => (None, t),
    };
    let m: u32 = rest.strip_suffix('月')?.parse().ok()?;
    (1..=12).contains(&m).then_some((year, m))
}

/// What clerks type in an amount cell to mean "none".
pub const PLACEHOLDERS: &[&str] = &["", "—", "——", "-", "/", "／", "无"];

/// Above this, an amount in a column with no stated unit looks like 元.
pub const LOOKS_LIKE_YUAN: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

/// How far down a header row may sit.
pub const HEADER_SEARCH_ROWS: u32 = 15;

/// Words that put a date on a ledger's figures ("截至2024年9月30日").
pub const CUTOFF_WORDS: &[&str] = &["截至", "截止", "数据截止"];

/// 项目编号 of the template's example rows; `report` never counts them.
pub const EXAMPLE_ID_PREFIX: &str = "示例-";

/// Labels of rows that are totals, not records.
pub const TOTAL_LABELS: &[&str] = &["合计", "小计", "总计", "总合计"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_ignore_spaces_brackets_and_units() {
        assert_eq!(
            normalize_header("预算金额（万元）"),
            ("预算金额".into(), Some(MoneyUnit::WanYuan))
        );
        assert_eq!(
            normalize_header(" 预算金额 (元)"),
            ("预算金额".into(), Some(MoneyUnit::Yuan))
        );
        assert_eq!(normalize_header("项目 编号"), ("项目编号".into(), None));
        let budget = &PROJECT_COLUMNS[4];
        assert!(header_matches(budget, "预算金额"));
        assert!(header_matches(budget, "资金规模"));
        assert!(!header_matches(budget, "结算金额"));
    }

    #[test]
    fn aliases_are_written_normalised() {
        for sheet in SHEETS {
            assert_eq!(normalize_header(sheet.name).0, sheet.name);
            for c in sheet.readable() {
                assert_eq!(normalize_header(c.header).0, header_key(c), "{}", c.header);
                for a in c.aliases {
                    assert_eq!(normalize_header(a).0, *a, "{a}");
                }
            }
        }
    }

    #[test]
    fn total_labels_all_contain_ji() {
        // The reader skips cells without 计 before looking for a total label.
        assert!(TOTAL_LABELS.iter().all(|l| l.contains('计')));
    }

    #[test]
    fn value_spellings() {
        assert_eq!(normalize_value("中央衔接推进乡村振兴补助资金"), "衔接资金");
        assert_eq!(normalize_value(" 施工中 "), "在建");
        assert_eq!(normalize_value("乡村建设"), "乡村建设");
    }
}

#[cfg(test)]
mod meaning_tests {
    use super::*;

    #[test]
    fn headers_by_meaning() {
        let m = |k| field_by_meaning(SheetRole::Projects, k);
        assert_eq!(m("资金规模及筹资方式"), Some(Field::Budget));
        assert_eq!(m("结算审定金额"), Some(Field::Settled));
        assert_eq!(m("累计支出"), Some(Field::CumulativePaid));
        assert_eq!(m("支出进度"), None);
        assert_eq!(m("预算执行率"), None);
    }
}
