//! Everything the reader knows about layouts, as tables: sheet names and their
//! aliases, columns and their aliases, units, and value spellings.

use rust_decimal::Decimal;

pub use crate::model::standard::*;

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
    // "10.5万", "金额（万）": after 万元 and 元, so those are found first.
    ("万", MoneyUnit::WanYuan),
];

impl MoneyUnit {
    /// The unit a whole word names ("万元", "元", …).
    pub fn parse(word: &str) -> Option<MoneyUnit> {
        UNIT_WORDS.iter().find(|(w, _)| *w == word).map(|(_, u)| *u)
    }
    /// The unit a text starts with ("元）…" → 元).
    pub fn prefix_of(text: &str) -> Option<MoneyUnit> {
        Self::prefix_word(text).map(|(_, u)| u)
    }
    /// The unit word a text starts with, as written ("万" or "万元"), and its unit.
    pub fn prefix_word(text: &str) -> Option<(&'static str, MoneyUnit)> {
        UNIT_WORDS
            .iter()
            .find(|(w, _)| text.starts_with(w))
            .copied()
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

/// Words that may stand between "单位：" and the unit word, or after it:
/// 单位：人民币元, 单位：元人民币.
pub const CURRENCY_WORDS: &[&str] = &["人民币"];

/// Header text → comparable key: no spaces or line breaks, half-width
/// brackets, and the trailing bracketed unit split off.
pub fn normalize_header(s: &str) -> (String, Option<MoneyUnit>) {
    let mapped = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '（' | '）' | '【' | '［' | '[' | '】' | '］' | ']' | '：'
            )
    };
    // Most headers have nothing to drop or map: copied whole.
    let mut t: String = if !s.chars().any(mapped) {
        s.to_string()
    } else {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                '【' | '［' | '[' => '(',
                '】' | '］' | ']' => ')',
                '：' => ':',
                c => c,
            })
            .collect()
    };
    let mut unit = None;
    while t.ends_with(')') {
        let Some(open) = t.rfind('(') else { break };
        let inner = &t[open + 1..t.len() - 1];
        let mut inner = inner.trim_start_matches("单位").trim_start_matches(':');
        // （人民币元）, （元人民币）
        for w in CURRENCY_WORDS {
            inner = inner.strip_prefix(w).unwrap_or(inner);
            inner = inner.strip_suffix(w).unwrap_or(inner);
        }
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

/// One of the numerals of section numbers (一 … 十).
fn is_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

/// Does a normalised header name this column?
pub fn header_matches(spec: &ColumnSpec, key: &str) -> bool {
    // Aliases are written normalised (a test checks it); the header loses its unit.
    // header_key(spec) == key, without a search in the header each time.
    let standard = spec
        .header
        .strip_prefix(key)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('（'))
        && !key.contains('（');
    standard || spec.aliases.contains(&key)
}

/// The standard header without its unit: "预算金额（万元）" → "预算金额".
pub fn header_key(spec: &ColumnSpec) -> &'static str {
    spec.header.split('（').next().unwrap_or(spec.header)
}

/// Value spellings mapped to the standard ones (项目类别, 建设状态); fund
/// spellings go by their words (`FUND_WORDS`).
pub const VALUE_ALIASES: &[(&str, &str)] = &[
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

/// Government levels a 衔接资金 spelling may name; the level is kept.
pub const FUND_LEVELS: &[&str] = &["中央", "省级", "市级", "县级", "省", "市", "县"];
/// Fund spellings by the words they contain, first match wins.
pub const FUND_WORDS: &[(&str, &str)] = &[
    ("衔接", "衔接资金"),
    // The 2026 labels of the same family (中央财政常态化帮扶资金).
    ("常态化帮扶", "衔接资金"),
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
    // Two funds in one text (县级衔接资金+整合资金) are not one fund: kept as
    // written, never read as the first one named.
    if FUND_WORDS.iter().any(|(w, f)| *f != fund && t.contains(w)) {
        return None;
    }
    let level = FUND_LEVELS
        .iter()
        .find(|l| t.starts_with(*l))
        .and_then(|l| Level::of(l))
        .map(Level::name);
    Some((
        fund,
        (Fund::of(fund) == Some(Fund::Xianjie))
            .then_some(level)
            .flatten(),
    ))
}

/// A level word: 中央, 省级 (or 省), 市级, 县级 — alone or as 中央财政 / 中央资金.
pub fn level_word(t: &str) -> Option<&'static str> {
    Level::of(t.trim_end_matches("资金").trim_end_matches("财政")).map(Level::name)
}

/// Parents whose children are paid or settled amounts, never budget parts
/// (累计拨付 → 衔接资金 | 整合资金 is paid by fund).
pub const NOT_BUDGET_PARENTS: &[&str] = &[
    "拨付", "支出", "支付", "结算", "决算", "累计", "到位", "完成", "结余",
];

/// The budget part a column names by its own header (its parent only
/// supplies the fund of a bare level: 财政衔接资金 → 中央 | 省级): a fund
/// ("整合资金", "自筹资金"), a level of 衔接资金 ("中央", "省级衔接资金",
/// "中央财政常态化帮扶资金"). None under a paid or settled parent, or a month.
pub fn split_of(own: &str, parent: Option<&str>) -> Option<(&'static str, Option<&'static str>)> {
    if let Some(p) = parent
        && (month_header(p).is_some() || NOT_BUDGET_PARENTS.iter().any(|w| p.contains(w)))
    {
        return None;
    }
    let t = own.trim_start_matches("其中").trim_start_matches(':');
    if let Some(level) = level_word(t) {
        let fund = parent
            .and_then(fund_by_words)
            .map(|(f, _)| f)
            .unwrap_or("衔接资金");
        return Some((
            fund,
            (Fund::of(fund) == Some(Fund::Xianjie)).then_some(level),
        ));
    }
    fund_by_words(t)
}

/// Children of a month parent: the month's own amount, and its running total.
pub const MONTH_OWN_WORDS: &[&str] = &["本月", "当月"];
pub const MONTH_CUM_WORDS: &[&str] = &["累计", "截至"];

/// Keys of `key：value` context texts above a table (填报单位：…, 编制日期：…).
pub const CONTEXT_KEYS: &[&str] = &[
    "填报单位",
    "编制单位",
    "报送单位",
    "单位",
    "截至",
    "截止",
    "日期",
    "编制",
    "盖章",
    "制表",
    "填表",
    "填报",
    "统计时间",
    "时间",
    "年度",
];

/// Children that only restate their parent ("资金规模 | 合计").
pub const PARENT_ONLY: &[&str] = &["合计", "小计", "总计", "金额", "计"];

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

/// A pay verb in a project header that is not the amount paid so far: what
/// is still to pay (待拨付, 未支付), a plan, a text about payment (支付方式,
/// 拨付依据, 支出科目), or one payment of several (第一次拨付金额: a payment
/// column pair, see `PAYMENT_ORDINALS`).
const NOT_PAID: &[&str] = &[
    "率", "进度", "比例", "%", "日期", "时间", "个数", "人数", "户数", "待", "未", "应付", "应拨",
    "计划", "剩余", "结余", "预算", "方式", "单位", "依据", "对象", "文号", "凭证", "账", "情况",
    "说明", "备注", "科目", "分类", "类", "第", "次", "笔", "批", "本月", "当月", "上年", "往年",
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
            // What was paid out, however the verb is spelt, with a word that
            // makes it an amount (拨付金额, 资金拨付, 已兑付): in a project
            // table it is the paid so far. A bare verb (支出方向) is not.
            "拨付金额",
            "支付金额",
            "拨款金额",
            "支出金额",
            "兑付金额",
            "付款金额",
            "拨付资金",
            "支付资金",
            "拨款资金",
            "资金拨付",
            "资金支付",
            "拨付额",
            "支付额",
            "拨付数",
            "拨款数",
            "已兑付",
            "已付款",
            "已支出",
            "已拨款",
            "实际拨付",
            "实际支付",
            "累计拨款",
            "累计兑付",
            // Paid this year: beside a 累计 column, two candidates for the
            // paid (since the project began, or this year) — never chosen.
            "本年拨付",
            "本年支付",
            "本年支出",
            "本年度拨付",
            "当年拨付",
            "当年支付",
            "年度拨付",
        ],
        unless: NOT_PAID,
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
            "批复金额",
            "批复资金",
            "批复投资",
            "下达金额",
            "安排金额",
            "计划资金",
            "投资金额",
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
        words: &[
            "拨付金额",
            "支付金额",
            "金额",
            "拨付",
            "拨款",
            "支付",
            "支出",
            "付款",
            "兑付",
        ],
        unless: &[
            "率", "累计", "方式", "单位", "依据", "对象", "账", "凭证", "文号", "科目", "摘要",
            "说明", "备注", "项目", "批次", "次数", "方向", "用途", "内容", "人",
        ],
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

/// The signals a row under a header is classified by, in the order they
/// are tried; a row no signal claims is a record. Unlabelled totals are
/// found afterwards, by what they sum (rows above or below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSignal {
    Blank,
    MappedSkip,
    Outside,
    TotalLabel,
    Breakdown,
    Section,
    NoteOrFooter,
    HeaderAgain,
    Example,
}

pub struct RowClass {
    pub signal: RowSignal,
    /// What the signal is, as 读取说明 and the README say it.
    pub means: &'static str,
}

pub const ROW_SIGNALS: &[RowClass] = &[
    RowClass {
        signal: RowSignal::Blank,
        means: "空行",
    },
    RowClass {
        signal: RowSignal::MappedSkip,
        means: "映射文件 [skip_rows] 指定的行",
    },
    RowClass {
        signal: RowSignal::Outside,
        means: "只在表格列以外有内容的行",
    },
    RowClass {
        signal: RowSignal::HeaderAgain,
        means: "重复的表头或标题",
    },
    RowClass {
        signal: RowSignal::TotalLabel,
        means: "前几格写“合计/总计/小计/某某小计”的行",
    },
    RowClass {
        signal: RowSignal::Breakdown,
        means: "前几格写“其中：…”的行：上面合计或小计的一部分，不是项目，不计入",
    },
    RowClass {
        signal: RowSignal::Section,
        means: "只有一格分类标题（一、产业发展类项目（4个））、其余只有金额的行：为其下各行定类别（或资金性质、乡镇）",
    },
    RowClass {
        signal: RowSignal::NoteOrFooter,
        means: "只有文字、不在金额列、每格都是注释/“某某：…”/整句的行（注、说明、公告期、监督电话、填表人…）",
    },
    RowClass {
        signal: RowSignal::Example,
        means: "模板示例行（示例-…）",
    },
];

/// A section label: 一、产业发展类项目（4个）/ （二）基础设施类 / 三、项目管理费
/// → (产业发展类项目, Some(4)). Numbered, or ending in 类 / 类项目.
pub fn section_label(text: &str) -> Option<(String, Option<usize>)> {
    const NUMERALS: &str = "一二三四五六七八九十";
    // Numbered needs a numeral, named needs 类: most texts have neither
    // and are told without a copy.
    if !text.chars().any(|c| is_numeral(c) || c == '类') {
        return None;
    }
    let t: String = super::value::compact(text);
    let mut rest: &str = &t;
    let mut numbered = false;
    let digits = rest.chars().take_while(|c| NUMERALS.contains(*c)).count();
    if digits > 0 {
        let after: String = rest.chars().skip(digits).collect();
        if let Some(r) = after.strip_prefix(['、', '.', '．']) {
            numbered = true;
            rest = &t[t.len() - r.len()..];
        }
    } else if let Some(r) = rest.strip_prefix(['(', '（']) {
        let n = r.chars().take_while(|c| NUMERALS.contains(*c)).count();
        let after: String = r.chars().skip(n).collect();
        if n > 0
            && let Some(r2) = after.strip_prefix([')', '）'])
        {
            numbered = true;
            rest = &t[t.len() - r2.len()..];
        }
    }
    let mut count = None;
    if rest.ends_with([')', '）'])
        && let Some(open) = rest.rfind(['(', '（'])
    {
        let inner = &rest[open..];
        let inner = inner
            .trim_start_matches(['(', '（'])
            .trim_end_matches([')', '）'])
            .trim_start_matches('共');
        if let Some(n) = inner
            .strip_suffix('个')
            .or_else(|| inner.strip_suffix("个项目"))
        {
            count = n.parse().ok();
            if count.is_some() {
                rest = &rest[..open];
            }
        }
    }
    let named = rest.ends_with("类项目") || rest.ends_with('类');
    let n = rest.chars().count();
    ((numbered || named) && (2..=20).contains(&n)).then(|| (rest.to_string(), count))
}

/// Category words: a section label (or a value) naming a category.
pub const CATEGORY_WORDS: &[(&str, &str)] = &[
    ("产业", "产业项目"),
    ("基础设施", "基础设施建设项目"),
    ("其他", "其他项目"),
];

pub fn category_by_words(t: &str) -> Option<&'static str> {
    CATEGORY_WORDS
        .iter()
        .find(|(w, _)| t.contains(w))
        .map(|(_, c)| *c)
}

/// A text that can stand on a note or footer line: a note (注：…), a
/// `key：value` statement (公告期：…, 监督举报电话：…), or a sentence.
pub fn is_note_like(t: &str) -> bool {
    if is_note_text(t) {
        return true;
    }
    let k: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some((key, value)) = k.split_once([':', '：'])
        && !value.is_empty()
        && (1..=10).contains(&key.chars().count())
    {
        return true;
    }
    k.chars().count() >= 16 && (k.ends_with(['。', '.']) || k.contains(['，', '；']))
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

/// A month column header: "3月", "3月份", "2024年3月", "2024.3" → (year, month);
/// a quarter ("一季度", "2024年第三季度") → its last month.
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
    // A quarter (一季度, 第二季度, 3季度) stands at its last month.
    if let Some(q) = rest
        .strip_suffix("季度")
        .or_else(|| rest.strip_suffix('季'))
    {
        let q = q.trim_start_matches('第');
        let n = match q {
            "一" | "1" => 1,
            "二" | "2" => 2,
            "三" | "3" => 3,
            "四" | "4" => 4,
            _ => return None,
        };
        return Some((year, n * 3));
    }
    let m = rest.strip_suffix('月')?;
    let m: u32 = m.parse().ok().or_else(|| chinese_number(m))?;
    (1..=12).contains(&m).then_some((year, m))
}

/// Month headers standing alone (no parent) are months only when the header
/// has at least this many: a run of months (1月 … 12月), not one 3月 column.
pub const BARE_MONTHS_MIN: usize = 2;

/// Words after a month that make it the month's payment: 3月拨付, 3月份拨付金额.
pub const MONTH_PAY_SUFFIXES: &[&str] = &[
    "拨付金额",
    "拨付资金",
    "拨付",
    "支出金额",
    "支出",
    "支付金额",
    "支付",
    "拨款金额",
    "拨款",
];

/// A month's payment column by its own header: "3月拨付", "2024年3月支出金额".
pub fn month_pay_header(key: &str) -> Option<(Option<i32>, u32)> {
    MONTH_PAY_SUFFIXES
        .iter()
        .find_map(|s| key.strip_suffix(s))
        .and_then(month_header)
}

/// Words of a header that speaks of money paid or received (拨付, 到位资金,
/// 报账): an amount column with such a header that no rule reads, in a
/// ledger whose paid figures would otherwise all be 0, is an error naming
/// it — never a silent 0.
pub const PAID_LIKE_WORDS: &[&str] = &[
    "拨",
    "支付",
    "支出",
    "兑付",
    "付款",
    "到位",
    "报账",
    "已用",
    "使用",
    "完成投资",
];
/// …unless the header is a date, a rate or a count.
pub const PAID_LIKE_UNLESS: &[&str] = &[
    "日期", "时间", "率", "进度", "比例", "%", "个数", "人数", "户数", "文号", "凭证",
];

/// Is a header one that speaks of money paid or received?
pub fn paid_like(key: &str) -> bool {
    PAID_LIKE_WORDS.iter().any(|w| key.contains(w))
        && !PAID_LIKE_UNLESS.iter().any(|w| key.contains(w))
}

/// Payments kept as column pairs in a project table, one pair a payment:
/// 第一次拨付日期 | 第一次拨付金额, or 第2笔拨付 over 日期 | 金额. The
/// ordinal is 第 + a number + one of these.
pub const PAYMENT_ORDINAL_UNITS: &[char] = &['次', '笔', '批'];
/// A pair's header must speak of paying.
pub const PAYMENT_PAIR_WORDS: &[&str] = &["拨", "支付", "付款", "兑付", "支出"];

/// Words making a paid column this year's (本年拨付), not the paid so far.
pub const THIS_YEAR_WORDS: &[&str] = &["本年", "当年", "年度"];

/// What a numbered payment's column may be other than its date or amount.
pub const PAYMENT_PART_NOT_AMOUNT: &[&str] = &[
    "凭证", "文号", "号", "单位", "方式", "依据", "说明", "备注", "比例", "进度", "率", "人",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairPart {
    Date,
    Amount,
}

/// The payment a header path of a pair column names: "第一次拨付日期" →
/// (1, Date); "第2笔拨付/金额" → (2, Amount).
pub fn payment_pair_part(key: &str) -> Option<(u32, PairPart)> {
    if !PAYMENT_PAIR_WORDS.iter().any(|w| key.contains(w)) {
        return None;
    }
    let after = &key[key.find('第')? + '第'.len_utf8()..];
    let digits: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(*c))
        .collect();
    let rest = &after[digits.len()..];
    if !rest.starts_with(PAYMENT_ORDINAL_UNITS) {
        return None;
    }
    let n = chinese_number(&digits)?;
    let part = if ["日期", "时间"].iter().any(|w| rest.contains(w)) {
        PairPart::Date
    } else if ["金额", "资金", "额", "数"]
        .iter()
        .any(|w| rest.contains(w))
        // 第一批拨付, 资金拨付情况/第一批: the batch's amount (the pay word
        // anywhere in the path), unless it is a text about it.
        || !PAYMENT_PART_NOT_AMOUNT.iter().any(|w| rest.contains(w))
    {
        PairPart::Amount
    } else {
        return None;
    };
    Some((n, part))
}

/// 1, 12, 一, 十, 十二, 二十一 → the number (up to 99).
fn chinese_number(t: &str) -> Option<u32> {
    if let Ok(n) = t.parse() {
        return Some(n);
    }
    let d = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
    let c: Vec<char> = t.chars().collect();
    match c.as_slice() {
        [a] if *a == '十' => Some(10),
        [a] => d(*a),
        ['十', b] => Some(10 + d(*b)?),
        [a, '十'] => Some(d(*a)? * 10),
        [a, '十', b] => Some(d(*a)? * 10 + d(*b)?),
        _ => None,
    }
}

/// What clerks type in an amount cell to mean "none".
pub const PLACEHOLDERS: &[&str] = &["", "—", "——", "-", "/", "／", "无"];

/// A project id or name as compared when written another way: full-width
/// folded, spaces dropped, Latin letters in capitals, dashes as "-"
/// (ＸＭ－０１, xm-01 and "XM 01" are XM-01).
pub fn fold_key(key: &str) -> String {
    super::value::compact(key)
        .chars()
        .map(|c| match c {
            '–' | '—' | '‐' | '‑' | '―' => '-',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// What a clerk writes in a 结算金额 cell before there is one: not yet
/// settled (未结算, 待结算, 审计中 …), never a number to guess.
pub const SETTLEMENT_PENDING: &[&str] = &[
    "未结算",
    "待结算",
    "结算中",
    "未审计",
    "待审计",
    "审计中",
    "未决算",
    "待决算",
    "决算中",
    "未审定",
    "待审定",
    "审定中",
    "未完工",
    "未竣工",
    "未验收",
    "待验收",
];

pub fn settlement_pending(text: &str) -> bool {
    let t = super::value::compact(text);
    SETTLEMENT_PENDING
        .iter()
        .any(|w| t == *w || (t.contains(w) && t.chars().count() <= 8))
}

/// Payments with no stated unit summing to more than this many times the
/// whole budget are in another unit (元, 千元) read as 万元.
pub const PAID_OVER_BUDGET_UNIT_RATIO: u32 = 10;

/// Above this, an amount in a column with no stated unit looks like 元.
pub const LOOKS_LIKE_YUAN: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

/// An amount column with no stated unit whose median amount (in 万元) is
/// at least this, none with a 万元 figure's 3–4 decimals, looks like 元:
/// township projects are of a few to a few hundred 万元, and half of them
/// over 1,000 万元 (10 million 元) is a 元 ledger of small projects.
pub const YUAN_SIZED_MEDIAN: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// Keys of a 说明 sheet row stating the money unit (金额单位 | 元).
pub const INFO_MONEY_UNIT_KEYS: &[&str] =
    &["金额单位", "单位", "计量单位", "货币单位", "金额计量单位"];

/// How far down a header row may sit.
pub const HEADER_SEARCH_ROWS: u32 = 15;

/// The deepest header band read (资金来源 / 财政衔接资金 / 中央 is three).
pub const MAX_HEADER_DEPTH: u32 = 4;

/// Words that put a date on a ledger's figures ("截至2024年9月30日").
pub const CUTOFF_WORDS: &[&str] = &["截至", "截止", "数据截止"];

/// Labels of rows that are totals, not records.
pub const TOTAL_LABELS: &[&str] = &["合计", "小计", "总计", "总合计"];

/// What a total row's label says it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalLabel {
    /// The rows of its group (小计, 乡镇小计, 本月合计, 本页合计).
    Subtotal,
    /// Every row (合计, 全镇合计, 总计).
    Total,
    /// Every row so far (本年累计 under each month of a payment journal).
    Running,
}

/// Words before 合计 that make it the whole table's: 全镇合计, 本年度合计.
pub const TOTAL_WHOLE_QUALIFIERS: &[&str] = &[
    "全镇",
    "全乡",
    "全县",
    "全村",
    "全街道",
    "本表",
    "全年",
    "本年度",
    "年度",
    "总",
];
/// Words before 合计 that make it a part's: 本月合计, 本页合计.
pub const TOTAL_PART_QUALIFIERS: &[&str] = &["本月", "当月", "本季度", "本季", "本页"];
/// Labels of a running total: every row so far.
pub const RUNNING_LABELS: &[&str] = &[
    "累计",
    "本年累计",
    "年累计",
    "本年度累计",
    "本季累计",
    "自年初累计",
    "至本月累计",
];

/// A total row's label (no spaces, numbering taken off): 合计, 合计：,
/// 合计（6个）, 合计数, 全镇合计, 本月合计, 红石镇小计, 本年累计 → what it sums
/// and the label as kept (a subtotal's names its group).
pub fn total_label(t: &str) -> Option<(TotalLabel, String)> {
    let mut k = t.trim_end_matches([':', '：']);
    // A count or a unit in brackets after it: 合计（6个）, 合计(万元).
    if k.ends_with([')', '）'])
        && let Some(open) = k.rfind(['(', '（'])
    {
        k = &k[..open];
    }
    let k = k
        .strip_suffix("金额")
        .or_else(|| k.strip_suffix('数'))
        .unwrap_or(k);
    if k == "小计" || (k.ends_with("小计") && k.chars().count() <= 12) {
        return Some((TotalLabel::Subtotal, k.to_string()));
    }
    if RUNNING_LABELS.contains(&k) {
        return Some((TotalLabel::Running, k.to_string()));
    }
    if TOTAL_LABELS.contains(&k) {
        return Some((TotalLabel::Total, k.to_string()));
    }
    let rest = |qs: &[&str]| {
        qs.iter()
            .filter_map(|q| k.strip_prefix(q))
            .find(|r| TOTAL_LABELS.contains(r))
    };
    if rest(TOTAL_PART_QUALIFIERS).is_some() {
        return Some((TotalLabel::Subtotal, "小计".to_string()));
    }
    rest(TOTAL_WHOLE_QUALIFIERS).map(|r| (TotalLabel::Total, r.to_string()))
}

/// Headers of a row-number column, where a total's label may stand alone.
pub const SEQ_HEADERS: &[&str] = &["序号", "序", "编号"];

/// A row under a total giving a part of it: 其中：衔接资金.
pub const BREAKDOWN_PREFIXES: &[&str] = &["其中"];

/// A section's number written in a cell of its own (一 | 产业发展类项目):
/// 一, 二 …, （一）, 一、.
pub fn section_number(t: &str) -> bool {
    const NUMERALS: &str = "一二三四五六七八九十";
    // Only numerals are left once brackets and marks are trimmed: a text
    // without one is told without a copy.
    if !t.chars().any(is_numeral) {
        return false;
    }
    let k: String = super::value::compact(t);
    let k = k
        .trim_start_matches(['(', '（'])
        .trim_end_matches([')', '）', '、', '.', '．']);
    let n = k.chars().count();
    (1..=3).contains(&n) && k.chars().all(|c| NUMERALS.contains(c))
}

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
        assert!(RUNNING_LABELS.iter().all(|l| l.contains('计')));
    }

    #[test]
    fn total_labels_as_clerks_write_them() {
        use TotalLabel::*;
        let k = |t| total_label(t).map(|(k, _)| k);
        for t in [
            "合计",
            "合计：",
            "合计（6个）",
            "合计数",
            "全镇合计",
            "总计",
            "本年度合计",
        ] {
            assert_eq!(k(t), Some(Total), "{t}");
        }
        for t in ["小计", "红石镇小计", "本月合计", "本页合计"] {
            assert_eq!(k(t), Some(Subtotal), "{t}");
        }
        for t in ["本年累计", "累计"] {
            assert_eq!(k(t), Some(Running), "{t}");
        }
        for t in ["村集体经济合计", "累计拨付", "合计划"] {
            assert_eq!(k(t), None, "{t}");
        }
    }

    #[test]
    fn value_spellings() {
        assert_eq!(normalize_value("中央衔接推进乡村振兴补助资金"), "衔接资金");
        assert_eq!(normalize_value(" 施工中 "), "在建");
        assert_eq!(normalize_value("乡村建设"), "乡村建设");
        // Two funds named: kept as written, not the first one.
        assert_eq!(
            normalize_value("县级衔接资金+整合资金"),
            "县级衔接资金+整合资金"
        );
        assert_eq!(normalize_value("统筹整合使用财政涉农资金"), "整合资金");
    }
}

#[cfg(test)]
mod meaning_tests {
    use super::*;

    #[test]
    fn month_headers_as_clerks_write_them() {
        assert_eq!(month_header("十二月"), Some((None, 12)));
        assert_eq!(month_header("2024年三月份"), Some((Some(2024), 3)));
        assert_eq!(month_pay_header("3月拨付"), Some((None, 3)));
        assert_eq!(month_pay_header("3月份拨付金额"), Some((None, 3)));
        assert_eq!(month_pay_header("计划完工"), None);
        assert_eq!(month_header("三月拨付"), None);
    }

    #[test]
    fn payment_pair_headers() {
        assert_eq!(
            payment_pair_part("第一次拨付日期"),
            Some((1, PairPart::Date))
        );
        assert_eq!(
            payment_pair_part("第十二次拨付金额"),
            Some((12, PairPart::Amount))
        );
        assert_eq!(
            payment_pair_part("第2笔拨付/金额"),
            Some((2, PairPart::Amount))
        );
        assert_eq!(
            payment_pair_part("第三批支付资金/时间"),
            Some((3, PairPart::Date))
        );
        // Not a payment: no pay word, or no ordinal.
        assert_eq!(payment_pair_part("第一次验收日期"), None);
        assert_eq!(payment_pair_part("拨付金额"), None);
        assert_eq!(payment_pair_part("第一批拨付"), Some((1, PairPart::Amount)));
        assert_eq!(payment_pair_part("第2次支付"), Some((2, PairPart::Amount)));
        assert_eq!(
            payment_pair_part("第二批拨付时间"),
            Some((2, PairPart::Date))
        );
        assert_eq!(
            payment_pair_part("资金拨付情况/第一批"),
            Some((1, PairPart::Amount))
        );
        assert_eq!(payment_pair_part("第一次拨付凭证号"), None);
    }

    #[test]
    fn headers_by_meaning() {
        let m = |k| field_by_meaning(SheetRole::Projects, k);
        assert_eq!(m("资金规模及筹资方式"), Some(Field::Budget));
        assert_eq!(m("结算审定金额"), Some(Field::Settled));
        assert_eq!(m("累计支出"), Some(Field::CumulativePaid));
        assert_eq!(m("支出进度"), None);
        assert_eq!(m("预算执行率"), None);
        // A pay verb is the paid so far, unless still to pay, a text or one payment of several.
        for paid in [
            "拨付金额",
            "支付金额",
            "拨款金额",
            "资金拨付",
            "已兑付",
            "支出金额",
            "本年拨付",
            "当年支付",
        ] {
            assert_eq!(m(paid), Some(Field::CumulativePaid), "{paid}");
        }
        for not in [
            "待拨付",
            "未支付金额",
            "拨付方式",
            "支出科目",
            "第一次拨付金额",
            "计划支出",
        ] {
            assert_ne!(m(not), Some(Field::CumulativePaid), "{not}");
        }
    }
}
