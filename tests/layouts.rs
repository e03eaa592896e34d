//! One canonical ledger, written in every shape a clerk's table may take:
//! each shape is a composition of independent transformations (title rows,
//! context lines, units, header depth, merges, fund and level splits, month
//! columns, totals, subtotals, sections, notes, repeated headers, shuffled
//! and extra columns, numbers as text, date forms, …). Whatever the
//! composition, the figures read must be the canonical ledger's and no 错误
//! may be raised. A new shape a clerk sends is a new transformation here,
//! never a special case in the reader.

mod common;

use calamine::{Data, Dimensions};
use chrono::NaiveDate;
use jixiao::analysis::analyse_book;
use jixiao::model::Severity;
use jixiao::read::book::{BookFormat, RawBook, RawSheet};
use jixiao::read::mapping::Mapping;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rust_decimal::Decimal;
use std::str::FromStr;

// ---------------------------------------------------------------- canon

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fund {
    /// 衔接资金 at a level.
    Xj(&'static str),
    Zh,
    Other,
}

struct Proj {
    id: &'static str,
    name: &'static str,
    category: &'static str,
    town: &'static str,
    village: &'static str,
    funds: &'static [(Fund, &'static str)],
    settled: Option<&'static str>,
    status: &'static str,
    pays: &'static [(&'static str, &'static str)],
}

use Fund::*;

const CANON: &[Proj] = &[
    Proj {
        id: "XM-01",
        name: "肉牛养殖场建设",
        category: "产业项目",
        town: "红石镇",
        village: "东村",
        funds: &[(Xj("中央"), "120"), (Xj("省级"), "30")],
        settled: Some("148.5"),
        status: "已结算",
        pays: &[
            ("2024-03-15", "60"),
            ("2024-06-20", "60"),
            ("2024-09-10", "28.5"),
        ],
    },
    Proj {
        id: "XM-02",
        name: "食用菌大棚",
        category: "产业项目",
        town: "红石镇",
        village: "西村",
        funds: &[(Xj("中央"), "80")],
        settled: None,
        status: "在建",
        pays: &[("2024-04-08", "40"), ("2024-10-15", "20")],
    },
    Proj {
        id: "XM-03",
        name: "村道硬化",
        category: "基础设施建设项目",
        town: "红石镇",
        village: "南村",
        funds: &[(Xj("县级"), "45.6"), (Zh, "20")],
        settled: Some("65.6"),
        status: "已完工",
        pays: &[("2024-05-06", "30"), ("2024-08-30", "35.6")],
    },
    Proj {
        id: "XM-04",
        name: "人饮安全巩固",
        category: "基础设施建设项目",
        town: "白山乡",
        village: "北村",
        funds: &[(Zh, "38.2575")],
        settled: None,
        status: "在建",
        pays: &[("2024-07-01", "20.0437")],
    },
    Proj {
        id: "XM-05",
        name: "冷库建设",
        category: "产业项目",
        town: "白山乡",
        village: "中村",
        funds: &[(Xj("中央"), "100"), (Other, "12")],
        settled: None,
        status: "在建",
        // A refund in May.
        pays: &[
            ("2024-02-20", "50"),
            ("2024-05-20", "-5"),
            ("2024-09-30", "25"),
        ],
    },
    Proj {
        id: "XM-06",
        name: "雨露计划补助",
        category: "其他项目",
        town: "白山乡",
        village: "上村",
        funds: &[(Xj("省级"), "6.3")],
        settled: Some("6.3"),
        status: "已结算",
        pays: &[("2024-03-01", "6.3")],
    },
    Proj {
        id: "XM-07",
        name: "光伏电站",
        category: "产业项目",
        town: "青松镇",
        village: "下村",
        funds: &[(Xj("中央"), "200")],
        settled: None,
        status: "未开工",
        pays: &[],
    },
    Proj {
        id: "XM-08",
        name: "桥梁维修",
        category: "基础设施建设项目",
        town: "青松镇",
        village: "前村",
        funds: &[(Xj("市级"), "15"), (Xj("县级"), "5")],
        settled: Some("19.8"),
        status: "已完工",
        pays: &[("2024-06-10", "19.8")],
    },
    Proj {
        id: "XM-09",
        name: "项目管理费",
        category: "其他项目",
        town: "青松镇",
        village: "后村",
        funds: &[(Xj("县级"), "3")],
        settled: None,
        status: "在建",
        pays: &[("2024-09-01", "1.2")],
    },
    Proj {
        id: "XM-10",
        name: "小额信贷贴息",
        category: "其他项目",
        town: "青松镇",
        village: "左村",
        funds: &[(Xj("中央"), "8.5")],
        settled: None,
        status: "在建",
        pays: &[("2024-01-20", "4.25"), ("2024-07-20", "4.25")],
    },
    Proj {
        id: "XM-11",
        name: "茶叶加工厂",
        category: "产业项目",
        town: "白山乡",
        village: "右村",
        funds: &[(Xj("省级"), "60"), (Zh, "40")],
        settled: None,
        status: "在建",
        pays: &[("2024-08-15", "50"), ("2024-11-01", "30")],
    },
    Proj {
        id: "XM-12",
        name: "路灯安装",
        category: "基础设施建设项目",
        town: "红石镇",
        village: "东村",
        funds: &[(Zh, "12.8")],
        settled: Some("12.5"),
        status: "已结算",
        pays: &[("2024-04-30", "12.5")],
    },
];

const YEAR: i32 = 2024;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 9, 30).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

impl Proj {
    fn budget(&self) -> Decimal {
        self.funds.iter().map(|(_, a)| dec(a)).sum()
    }
    fn fund_amount(&self, f: impl Fn(Fund) -> bool) -> Decimal {
        self.funds
            .iter()
            .filter(|(g, _)| f(*g))
            .map(|(_, a)| dec(a))
            .sum()
    }
    fn main_fund(&self) -> Fund {
        let mut best = self.funds[0];
        for f in self.funds {
            if dec(f.1) > dec(best.1) {
                best = *f;
            }
        }
        best.0
    }
    fn paid_until(&self, d: NaiveDate) -> Decimal {
        self.pays
            .iter()
            .filter(|(pd, _)| date(pd) <= d)
            .map(|(_, a)| dec(a))
            .sum()
    }
    fn paid_all(&self) -> Decimal {
        self.pays.iter().map(|(_, a)| dec(a)).sum()
    }
    /// Payments by month (1…12), summed.
    fn month(&self, m: u32) -> Option<Decimal> {
        let v: Vec<Decimal> = self
            .pays
            .iter()
            .filter(|(pd, _)| chrono::Datelike::month(&date(pd)) == m)
            .map(|(_, a)| dec(a))
            .collect();
        (!v.is_empty()).then(|| v.iter().copied().sum())
    }
}

fn fund_name(f: Fund) -> &'static str {
    match f {
        Xj(_) => "衔接资金",
        Zh => "整合资金",
        Other => "其他资金",
    }
}

// ---------------------------------------------------------------- layout

/// One composition of transformations. Every field is independent: the
/// generator picks each from its own byte.
#[derive(Debug, Clone)]
struct Layout {
    /// 1. Title rows above everything (0–2).
    titles: u8,
    /// 2. Context texts in separate cells of one line (0–3): 填报单位, 截至, 单位.
    context: u8,
    /// 3. Where the unit is stated: 0 header, 1 parent, 2 context line, 3 nowhere (万元).
    unit_at: u8,
    /// 4. The unit: 0 万元, 1 元, 2 千元.
    unit: u8,
    /// 5. Budget: 0 one column + 资金性质, 1 split by fund, 2 split by level.
    budget: u8,
    /// 6. The split has its own total column.
    split_total: bool,
    /// 7. The split's parent label (0–4).
    split_parent: u8,
    /// 8. Paid: 0 payment sheet, 1 累计 column, 2 month columns, 3 months + 累计,
    ///    4 本月/累计 pairs, 5 quarter columns.
    paid: u8,
    /// 9. Total row: 0 none, 1 first, 2 last.
    total: u8,
    /// 10. The total row is labelled 合计.
    total_labelled: bool,
    /// 11. Subtotals: 0 none, 1 below their group, 2 above.
    subtotals: u8,
    /// 12. Section rows carry the category (no category column).
    sections: bool,
    /// 13. Note and footer lines under the table (0–3).
    notes: u8,
    /// 14. The header repeated mid-table.
    repeat_header: bool,
    /// 15. Merged cells (titles, parents).
    merges: bool,
    /// 16. Group cells (category / 乡镇) merged down over their rows.
    merged_down: bool,
    /// 17. A hidden helper column.
    hidden_col: bool,
    /// 18. Unknown extra columns (0–3).
    extras: u8,
    /// 19. Column order shuffled by this seed (0 = standard order).
    shuffle: u8,
    /// 20. Numbers as text: 0 numbers, 1 text with separators, 2 full-width text.
    text_numbers: u8,
    /// 21. Payment date form (0–8).
    date_form: u8,
    /// 22. No id column: the name is the id.
    no_id: bool,
    /// 23. Payments name projects by name.
    pay_by_name: bool,
    /// 24. Sheet names: 0 standard, 1 附件, 2 Sheet1.
    sheet_names: u8,
    /// 25. Fund, category and status spellings: 0 standard, 1 variants, 2 the 2026 labels.
    spellings: u8,
    /// 26. Blank rows between records.
    blank_rows: bool,
    /// 27. The table starts this many columns in (0–2).
    offset: u8,
    /// 28. A 支出进度 (execution rate) column.
    rate_col: bool,
    /// 29. A 乡镇 column and a 建设地点 column.
    town_col: bool,
    /// 30. Header label variants (0–2).
    labels: u8,
    /// 31. Section rows carry their section's sums.
    section_sums: bool,
    /// 32. A 合计 row on the payment sheet.
    pay_total: bool,
    /// 33. Subtotal rows are labelled (乡镇小计 / 小计).
    subtotal_labelled: bool,
    /// 34. Section rows name the 乡镇 (the category stays a column).
    town_sections: bool,
    /// 35. A row over the groups (项目基本情况 | 资金安排及使用情况): one header row more.
    top_band: bool,
    /// 36. The budget split three rows deep (资金来源 / 财政衔接资金 / 中央 …).
    deep_funds: bool,
    /// 37. A year over the month columns (2024年 / 1月 / 本月 | 累计).
    year_over_months: bool,
    /// 38. Headers renamed to words the reader cannot know, and a mapping file
    ///     (`--mapping`) naming them.
    renamed: bool,
    /// 39. A 序号 column numbering rows 1, 2 … within each group, and the section's
    ///     number (一, 二 …) in it beside the section's words.
    seq_style: bool,
    /// 40. A blank separator column between two groups.
    separator: bool,
    /// 41. A 备注 column full of text and numbers.
    remarks: bool,
    /// 42. The total row's word: 0 合计, 1 总计, 2 合  计 (spaced).
    total_word: u8,
    /// 43. A 其中：衔接资金 row under the total row.
    breakdown: bool,
    /// 44. One header says 万元 while the rest of the table is in the ledger's
    ///     unit (the header wins for its column).
    unit_override: bool,
    /// 45. A project of two funds written over two rows (one fund each), its other
    ///     cells merged down over both (a one-column budget, with merges).
    split_project: bool,
    /// 46. Totals and subtotals typed rounded to two places in the ledger's
    ///     unit, as a clerk types them (the rows hold up to four in 万元).
    rounded_totals: bool,
    /// 47. Headers as clerks write them (0 none, 1–3 variants): 批复金额 /
    ///     下达金额 / 安排金额 for a one-column budget, 拨付金额 / 支付金额 /
    ///     拨款金额 for the paid column, 本次拨付 / 拨付资金 / 拨款金额 and
    ///     拨款日期 / 支付时间 / 拨付时间 on the payment sheet, 项目名称及建设内容.
    clerk_labels: u8,
    /// 48. Payments as column pairs in the project sheet, no payment sheet:
    ///     0 none, 1 第一次拨付日期 | 第一次拨付金额 …, 2 第1笔拨付 over 日期 | 金额.
    pay_pairs: u8,
    /// 49. Payment sheets: 0 one, 1 one a month (3月拨付 …), 2 one a fund.
    pay_sheets: u8,
    /// 50. A whole copy of the first payment sheet beside it (拨付 (2)).
    pay_copy: bool,
    /// 51. Amounts typed as text with a mark: 0 none, 1 the unit word after
    ///     (60万, 600000元, 6000千元), 2 ￥ before, 3 a trailing no-break space,
    ///     4 negatives in an accountant's brackets ((5), （5） as text).
    amount_marks: u8,
    /// 52. More payment date forms: 0 none (see 21), 1 2024/3/15, 2 20240315 as a number,
    ///     3 2024 年 3 月 15 日 (spaced), 4 a two-digit year (24.3.15, 24/3/15),
    ///     5 no year with a slash (3/15).
    date_more: u8,
    /// 53. The unit as clerks state it: 0 as above (3), 1 单位：人民币元 on the
    ///     context line, 2 单位：元 in the title's line (its last column),
    ///     3 the title ending （元）, 4 a row of units under the header
    ///     (元 under each amount column) instead of units in the headers,
    ///     5 （单位：元） in the header's top row after the last column,
    ///     6 注：本表金额单位为元 as the first note under the table.
    unit_spelling: u8,
    /// 54. The total row's label as clerks write it: 0 as 42 says, 1 全镇合计,
    ///     2 合计：, 3 合计（12个）, 4 合计数.
    total_spelling: u8,
    /// 55. The payment sheet kept as a journal: payments by date, and under each
    ///     month a 本月合计 row and a 本年累计 row.
    pay_journal: bool,
    /// 56. Month columns as clerks head them: 0 as 8 and 30 say, 1 bare
    ///     months with no parent (1月 … 12月, each with the unit), 2 the same
    ///     as 1月拨付 …, 3 months in Chinese numerals (一月 … 十二月).
    month_spelling: u8,
    /// 57. Projects kept on two sheets by fund (衔接资金项目 | 整合资金项目),
    ///     each with its own titles, header, totals and sections.
    project_split: bool,
    /// 58. The two tables of 57 kept on one sheet, one under the other, the
    ///     second with its columns in another order (its own titles, header,
    ///     totals and sections).
    stacked: bool,
}

impl Layout {
    fn from_bytes(b: &[u8]) -> Layout {
        let g = |i: usize, n: u8| b.get(i).copied().unwrap_or(0) % n;
        let mut l = Layout {
            titles: g(0, 3),
            context: g(1, 4),
            unit_at: g(2, 4),
            unit: g(3, 3),
            budget: g(4, 3),
            split_total: g(5, 2) == 1,
            split_parent: g(6, 5),
            paid: g(7, 6),
            total: g(8, 3),
            total_labelled: g(9, 2) == 0,
            subtotals: g(10, 3),
            sections: g(11, 2) == 1,
            notes: g(12, 4),
            repeat_header: g(13, 2) == 1,
            merges: g(14, 2) == 0,
            merged_down: g(15, 2) == 1,
            hidden_col: g(16, 2) == 1,
            extras: g(17, 4),
            shuffle: b.get(18).copied().unwrap_or(0),
            text_numbers: g(19, 3),
            date_form: g(20, 9),
            no_id: g(21, 2) == 1,
            pay_by_name: g(22, 2) == 1,
            sheet_names: g(23, 3),
            spellings: g(24, 3),
            blank_rows: g(25, 2) == 1,
            offset: g(26, 3),
            rate_col: g(27, 2) == 1,
            town_col: g(28, 2) == 1,
            labels: g(29, 3),
            section_sums: g(30, 2) == 1,
            pay_total: g(31, 2) == 1,
            subtotal_labelled: g(32, 2) == 0,
            town_sections: g(33, 2) == 1,
            top_band: g(34, 2) == 1,
            deep_funds: g(35, 2) == 1,
            year_over_months: g(36, 2) == 1,
            renamed: g(37, 2) == 1,
            seq_style: g(38, 2) == 1,
            separator: g(39, 2) == 1,
            remarks: g(40, 2) == 1,
            total_word: g(41, 3),
            breakdown: g(42, 2) == 1,
            unit_override: g(43, 2) == 1,
            split_project: g(44, 2) == 1,
            rounded_totals: g(45, 2) == 1,
            clerk_labels: g(46, 4),
            pay_pairs: g(47, 3),
            pay_sheets: g(48, 3),
            pay_copy: g(49, 2) == 1,
            amount_marks: g(50, 5),
            date_more: g(51, 6),
            unit_spelling: g(52, 7),
            total_spelling: g(53, 5),
            pay_journal: g(54, 2) == 1,
            month_spelling: g(55, 4),
            project_split: g(56, 2) == 1,
            stacked: g(57, 2) == 1,
        };
        // Stacked tables are the split's two tables on one sheet.
        if l.stacked {
            l.project_split = true;
        }
        // Bare months have no parent to put a year over.
        if matches!(l.month_spelling, 1 | 2) {
            l.year_over_months = false;
        }
        // The unit's spelling needs its place: a unit line (1–3) with a
        // title (2, 3), or units in the headers (4).
        match l.unit_spelling {
            1..=3 | 5 | 6 if l.unit_at != 2 => l.unit_spelling = 0,
            6 if l.notes == 0 => l.notes = 1,
            2 | 3 if l.titles == 0 => l.titles = 1,
            4 if l.unit_at != 0 => l.unit_spelling = 0,
            _ => {}
        }
        // Payment pairs stand in for the payment sheet.
        if l.paid != 0 {
            l.pay_pairs = 0;
        }
        if !l.sections {
            l.town_sections = false;
        }
        // Dependencies a real ledger has: a stated unit other than 万元.
        if l.unit_at == 3 {
            l.unit = 0;
        }
        // Merged-down cells need merges.
        if !l.merges {
            l.merged_down = false;
        }
        // A year-less date needs a year somewhere (title or cut-off).
        if (matches!(l.date_form, 7 | 8) || matches!(l.date_more, 4 | 5) || matches!(l.paid, 2..=5))
            && l.titles == 0
            && l.context < 2
        {
            l.titles = 1;
        }
        l
    }
    fn factor(&self) -> Decimal {
        match self.unit {
            1 => Decimal::from(10_000),
            2 => Decimal::from(10),
            _ => Decimal::ONE,
        }
    }
    fn unit_word(&self) -> &'static str {
        match self.unit {
            1 => "元",
            2 => "千元",
            _ => "万元",
        }
    }
    fn has_pay_sheet(&self) -> bool {
        self.paid == 0 && self.pay_pairs == 0
    }
    /// Rows grouped by category (sections, merged-down category cells) or by 乡镇.
    fn group_by(&self) -> Option<Group> {
        if self.town_sections {
            Some(Group::Town)
        } else if self.sections || (self.merged_down && !self.town_col) {
            Some(Group::Category)
        } else if self.town_col && (self.subtotals > 0 || self.merged_down) {
            Some(Group::Town)
        } else if self.subtotals > 0 {
            Some(Group::Category)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Group {
    Category,
    Town,
}

// ---------------------------------------------------------------- writing

#[derive(Default)]
struct Grid {
    cells: Vec<(u32, u32, Data)>,
    merges: Vec<Dimensions>,
}

impl Grid {
    fn put(&mut self, r: u32, c: u32, v: Data) {
        self.cells.push((r, c, v));
    }
    fn text(&mut self, r: u32, c: u32, t: &str) {
        self.put(r, c, Data::String(t.to_string()));
    }
    fn merge(&mut self, r0: u32, c0: u32, r1: u32, c1: u32) {
        if (r0, c0) != (r1, c1) {
            self.merges.push(Dimensions::new((r0, c0), (r1, c1)));
        }
    }
    fn sheet(self, name: &str) -> RawSheet {
        RawSheet::new(name, self.cells, Vec::new(), self.merges)
    }
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() || c == '.' || c == ',' || c == '-' {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect()
}

fn with_thousands(d: &Decimal) -> String {
    let s = d.normalize().to_string();
    let (sign, body) = s.strip_prefix('-').map(|b| ("-", b)).unwrap_or(("", &s));
    let (int, frac) = body
        .split_once('.')
        .map(|(i, f)| (i, Some(f)))
        .unwrap_or((body, None));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// An amount in 万元 as the layout writes it.
fn money(l: &Layout, wan: Decimal) -> Data {
    money_in(l, wan, l.factor())
}

/// An amount of a column: the settled column is in 万元 when its header
/// overrides the ledger's unit.
fn money_of(l: &Layout, w: What, wan: Decimal) -> Data {
    if l.unit_override && w == What::Settled {
        money_in(l, wan, Decimal::ONE)
    } else {
        money(l, wan)
    }
}

/// A total as a clerk types it: two places in the column's unit, half away
/// from zero.
fn rounded_money(l: &Layout, w: What, wan: Decimal) -> Data {
    let factor = if l.unit_override && w == What::Settled {
        Decimal::ONE
    } else {
        l.factor()
    };
    let shown = (wan * factor)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    shown_money(l, shown.normalize(), factor)
}

fn money_in(l: &Layout, wan: Decimal, factor: Decimal) -> Data {
    shown_money(l, (wan * factor).normalize(), factor)
}

/// An amount in the unit `factor` makes of 万元, as the layout types it.
fn shown_money(l: &Layout, v: Decimal, factor: Decimal) -> Data {
    let text = match l.text_numbers {
        1 => Some(with_thousands(&v)),
        2 => Some(full_width(&v.to_string())),
        _ => None,
    };
    let unit = if factor == Decimal::from(10_000) {
        "元"
    } else if factor == Decimal::from(10) {
        "千元"
    } else {
        "万"
    };
    match (l.amount_marks, text) {
        (4, t) if v.is_sign_negative() && !v.is_zero() => {
            let t = t.unwrap_or_else(|| v.to_string());
            let body = t.trim_start_matches(['-', '－']);
            Data::String(if l.text_numbers == 2 {
                format!("（{body}）")
            } else {
                format!("({body})")
            })
        }
        (0 | 4, Some(t)) => Data::String(t),
        (0 | 4, None) => Data::Float(v.to_string().parse().unwrap()),
        (m, t) => {
            let t = t.unwrap_or_else(|| v.to_string());
            Data::String(match m {
                1 => format!("{t}{unit}"),
                2 => format!("￥{t}"),
                _ => format!("{t}\u{a0}"),
            })
        }
    }
}

/// What a data cell of a column holds for a project (None = blank).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum What {
    Seq,
    Id,
    Name,
    Category,
    Town,
    Village,
    FundText,
    Budget,
    /// Split column: the fund (and level) it holds.
    Split(SplitKey),
    Settled,
    Status,
    Cumulative,
    Month(u32),
    MonthCum(u32),
    Quarter(u32),
    /// The date and amount of a project's n-th payment (a column pair).
    PayDate(u32),
    PayAmount(u32),
    Rate,
    Remark,
    Households,
    Contact,
    Hidden,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SplitKey {
    Xj,
    Zh,
    Other,
    Level(&'static str),
}

fn split_amount(p: &Proj, k: SplitKey) -> Decimal {
    match k {
        SplitKey::Xj => p.fund_amount(|f| matches!(f, Xj(_))),
        SplitKey::Zh => p.fund_amount(|f| f == Zh),
        SplitKey::Other => p.fund_amount(|f| f == Other),
        SplitKey::Level(l) => p.fund_amount(|f| f == Xj(l)),
    }
}

/// A column group kept together when columns are shuffled: each column with
/// its header path, top down (one text for a one-row header, a parent and
/// its child, or deeper).
struct ColGroup {
    cols: Vec<(Vec<String>, What)>,
}

fn single(label: impl Into<String>, w: What) -> ColGroup {
    ColGroup {
        cols: vec![(vec![label.into()], w)],
    }
}

/// A parent over children.
fn under(parent: impl Into<String>, cols: Vec<(String, What)>) -> ColGroup {
    let p = parent.into();
    ColGroup {
        cols: cols
            .into_iter()
            .map(|(c, w)| (vec![p.clone(), c], w))
            .collect(),
    }
}

/// Standard column names and the words a renamed ledger uses for them (no
/// alias or meaning of the reader's knows these).
const RENAMED: &[(&str, &str)] = &[
    ("项目编号", "库内码"),
    ("项目名称", "工程名目"),
    ("项目类别", "归口"),
    ("资金性质", "钱从哪来"),
    ("预算金额", "盘子数"),
    ("结算金额", "核后数"),
    ("建设状态", "眼下光景"),
    ("拨付日期", "哪天给的"),
    ("拨付金额", "给了多少"),
];

/// The standard name of a project column the renamed layout renames.
fn renamed_field(l: &Layout, w: What) -> Option<&'static str> {
    Some(match w {
        What::Id => "项目编号",
        What::Name => "项目名称",
        What::Category => "项目类别",
        What::FundText => "资金性质",
        What::Budget if l.budget == 0 => "预算金额",
        What::Settled => "结算金额",
        What::Status => "建设状态",
        _ => return None,
    })
}

/// The mapping file a renamed layout comes with (read through
/// `Mapping::load`, as `--mapping` reads it).
fn mapping(l: &Layout) -> Mapping {
    if !l.renamed {
        return Mapping::default();
    }
    // A line for each column the ledger has, as a clerk would write it.
    let mut text = String::from("[columns.项目]\n");
    for g in columns(l) {
        for (_, w) in g.cols {
            if let Some(std) = renamed_field(l, w) {
                let word = RENAMED.iter().find(|(f, _)| *f == std).unwrap().1;
                text.push_str(&format!("{std} = \"{word}\"\n"));
            }
        }
    }
    if l.has_pay_sheet() {
        text.push_str("\n[columns.拨付]\n");
        let by_name = l.pay_by_name || l.no_id;
        for std in ["项目编号", "项目名称", "拨付日期", "拨付金额"] {
            if by_name && std == "项目编号" {
                continue;
            }
            let word = RENAMED.iter().find(|(f, _)| *f == std).unwrap().1;
            text.push_str(&format!("{std} = \"{word}\"\n"));
        }
    }
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "jixiao-layouts-{}-{}.toml",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&path, text).unwrap();
    let m = Mapping::load(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    m
}

fn pick<'a>(l: &Layout, v: &[&'a str]) -> &'a str {
    v[l.labels as usize % v.len()]
}

fn columns(l: &Layout) -> Vec<ColGroup> {
    let unit = l.unit_word();
    let hu = |label: &str| -> String {
        if l.unit_at == 0 {
            format!("{label}（{unit}）")
        } else {
            label.to_string()
        }
    };
    let pu = |label: &str| -> String {
        if l.unit_at == 1 {
            format!("{label}（{unit}）")
        } else {
            label.to_string()
        }
    };
    let mut g = Vec::new();
    if l.extras >= 3 || l.seq_style {
        g.push(single("序号", What::Seq));
    }
    if !l.no_id {
        g.push(single(
            pick(l, &["项目编号", "项目代码", "项目库编号"]),
            What::Id,
        ));
    }
    g.push(single(
        match l.clerk_labels {
            1 => "项目名称及建设内容",
            2 => "项目名称（建设内容）",
            _ => "项目名称",
        },
        What::Name,
    ));
    if !l.sections || l.town_sections {
        g.push(single(
            pick(l, &["项目类别", "项目类型", "项目类别"]),
            What::Category,
        ));
    }
    if l.town_col {
        g.push(single(pick(l, &["乡镇", "所属乡镇", "乡镇"]), What::Town));
        g.push(single(
            pick(l, &["建设地点", "实施地点", "建设地点"]),
            What::Village,
        ));
    }
    match l.budget {
        0 => {
            g.push(single(
                pick(l, &["资金性质", "资金来源", "资金性质"]),
                What::FundText,
            ));
            // A one-column budget carries the unit in its own header when the unit is
            // "in the parent" (there is no parent).
            let label = match l.clerk_labels {
                1 => "批复金额",
                2 => "下达金额",
                3 => "安排金额",
                _ => pick(l, &["预算金额", "资金规模", "计划投资"]),
            };
            g.push(single(
                if l.unit_at <= 1 {
                    format!("{label}（{unit}）")
                } else {
                    label.to_string()
                },
                What::Budget,
            ));
        }
        1 => {
            let parent = ["资金规模", "资金来源", "计划投资", "预算金额", "资金构成"]
                [l.split_parent as usize];
            let mut cols = Vec::new();
            if l.split_total {
                cols.push((hu(pick(l, &["合计", "小计", "合计"])), What::Budget));
            }
            cols.push((
                hu(pick(l, &["衔接资金", "财政衔接资金", "衔接资金"])),
                What::Split(SplitKey::Xj),
            ));
            cols.push((
                hu(pick(l, &["整合资金", "其他涉农整合资金", "整合资金"])),
                What::Split(SplitKey::Zh),
            ));
            cols.push((
                hu(pick(l, &["其他资金", "自筹资金", "其他资金"])),
                What::Split(SplitKey::Other),
            ));
            if l.deep_funds {
                // 资金来源 / 财政资金 / 衔接资金 | 整合资金, beside 其他资金 and 合计.
                let p = pu(parent);
                g.push(ColGroup {
                    cols: cols
                        .into_iter()
                        .map(|(c, w)| match w {
                            What::Split(SplitKey::Xj | SplitKey::Zh) => {
                                (vec![p.clone(), "财政资金".to_string(), c], w)
                            }
                            _ => (vec![p.clone(), c], w),
                        })
                        .collect(),
                });
            } else {
                g.push(under(pu(parent), cols));
            }
        }
        _ => {
            let parent = [
                "资金规模",
                "资金来源",
                "计划投资",
                "预算金额",
                "财政衔接资金",
            ][l.split_parent as usize];
            let level = |lv: &'static str| -> String {
                match l.labels {
                    1 => format!("{lv}衔接资金"),
                    2 if parent != "财政衔接资金" => format!("{lv}资金"),
                    _ => lv.to_string(),
                }
            };
            let mut cols = Vec::new();
            if l.split_total && parent != "财政衔接资金" {
                cols.push((hu(pick(l, &["合计", "小计", "合计"])), What::Budget));
            }
            for lv in ["中央", "省级", "市级", "县级"] {
                cols.push((hu(&level(lv)), What::Split(SplitKey::Level(lv))));
            }
            if parent == "财政衔接资金" {
                // The other funds stand on their own, beside the level group.
                if l.deep_funds {
                    // 资金来源 over all: 总投资 | 财政衔接资金 / 中央 … | 整合资金 | 自筹资金.
                    let top = pu("资金来源");
                    let mut all = Vec::new();
                    if l.split_total {
                        all.push((vec![top.clone(), hu("总投资")], What::Budget));
                    }
                    for (c, w) in cols {
                        all.push((vec![top.clone(), parent.to_string(), c], w));
                    }
                    all.push((vec![top.clone(), hu("整合资金")], What::Split(SplitKey::Zh)));
                    all.push((vec![top, hu("自筹资金")], What::Split(SplitKey::Other)));
                    g.push(ColGroup { cols: all });
                } else {
                    if l.split_total {
                        g.push(single(hu(&pu("总投资")), What::Budget));
                    }
                    g.push(under(pu(parent), cols));
                    g.push(single(hu(&pu("整合资金")), What::Split(SplitKey::Zh)));
                    g.push(single(hu(&pu("自筹资金")), What::Split(SplitKey::Other)));
                }
            } else if l.deep_funds {
                // 资金规模 / 财政衔接资金 / 中央 …, beside 合计, 整合资金, 自筹资金.
                let p = pu(parent);
                let mut all: Vec<(Vec<String>, What)> = cols
                    .into_iter()
                    .map(|(c, w)| match w {
                        What::Split(_) => (vec![p.clone(), "财政衔接资金".to_string(), c], w),
                        _ => (vec![p.clone(), c], w),
                    })
                    .collect();
                all.push((vec![p.clone(), hu("整合资金")], What::Split(SplitKey::Zh)));
                all.push((vec![p, hu("自筹资金")], What::Split(SplitKey::Other)));
                g.push(ColGroup { cols: all });
            } else {
                cols.push((hu("整合资金"), What::Split(SplitKey::Zh)));
                cols.push((hu("自筹资金"), What::Split(SplitKey::Other)));
                g.push(under(pu(parent), cols));
            }
        }
    }
    g.push(single(
        if l.unit_override {
            format!(
                "{}（万元）",
                pick(l, &["结算金额", "审定结算金额", "决算金额"])
            )
        } else if l.unit_at <= 1 {
            format!(
                "{}（{unit}）",
                pick(l, &["结算金额", "审定结算金额", "决算金额"])
            )
        } else {
            pick(l, &["结算金额", "审定结算金额", "决算金额"]).to_string()
        },
        What::Settled,
    ));
    g.push(single(
        pick(l, &["建设状态", "项目进展", "建设进度"]),
        What::Status,
    ));
    let mlabel = |m: u32| -> String {
        if l.month_spelling == 3 {
            let cn = [
                "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
            ][m as usize - 1];
            return format!("{cn}月");
        }
        match l.labels {
            1 => format!("{YEAR}年{m}月"),
            2 => format!("{m}月份"),
            _ => format!("{m}月"),
        }
    };
    let paid_label = match l.clerk_labels {
        1 => "拨付金额",
        2 => "支付金额",
        3 => "拨款金额",
        _ => pick(l, &["累计拨付", "累计支出", "已拨付资金"]),
    };
    match l.paid {
        0 if l.pay_pairs > 0 => {
            // One pair of columns a payment: 第一次拨付日期 | 第一次拨付金额, or
            // 第1笔拨付 over 日期 | 金额 (the unit in the amount's header, or
            // the parent's).
            let most = CANON.iter().map(|p| p.pays.len()).max().unwrap_or(0) as u32;
            for k in 1..=most {
                let num = ["一", "二", "三", "四", "五"][k as usize - 1];
                if l.pay_pairs == 1 {
                    g.push(ColGroup {
                        cols: vec![
                            (vec![format!("第{num}次拨付日期")], What::PayDate(k)),
                            (
                                vec![if l.unit_at <= 1 {
                                    format!("第{num}次拨付金额（{unit}）")
                                } else {
                                    format!("第{num}次拨付金额")
                                }],
                                What::PayAmount(k),
                            ),
                        ],
                    });
                } else {
                    g.push(under(
                        pu(&format!("第{k}笔拨付")),
                        vec![
                            ("日期".to_string(), What::PayDate(k)),
                            (hu("金额"), What::PayAmount(k)),
                        ],
                    ));
                }
            }
        }
        1 => g.push(single(
            if l.unit_at <= 1 {
                format!("{paid_label}（{unit}）")
            } else {
                paid_label.to_string()
            },
            What::Cumulative,
        )),
        2 | 3 if matches!(l.month_spelling, 1 | 2) => {
            // No parent: each month's header stands alone, with the unit.
            for m in 1..=12 {
                let label = if l.month_spelling == 2 {
                    format!("{}拨付", mlabel(m))
                } else {
                    mlabel(m)
                };
                g.push(single(
                    if l.unit_at <= 1 {
                        format!("{label}（{unit}）")
                    } else {
                        label
                    },
                    What::Month(m),
                ));
            }
            if l.paid == 3 {
                g.push(single(
                    if l.unit_at <= 1 {
                        format!("累计拨付（{unit}）")
                    } else {
                        "累计拨付".to_string()
                    },
                    What::Cumulative,
                ));
            }
        }
        2 | 3 => {
            let mut cols: Vec<(String, What)> =
                (1..=12).map(|m| (mlabel(m), What::Month(m))).collect();
            if l.paid == 3 {
                cols.push(("累计".to_string(), What::Cumulative));
            }
            // Month headers carry no unit: the parent states it (in the
            // header, or as the parent's own unit).
            let parent = pick(l, &["拨付金额", "资金拨付情况", "拨付金额"]);
            let parent = if l.unit_at <= 1 {
                format!("{parent}（{unit}）")
            } else {
                parent.to_string()
            };
            if l.year_over_months {
                // 拨付金额 / 2024年 / 1月 …, beside 拨付金额 / 累计.
                g.push(ColGroup {
                    cols: cols
                        .into_iter()
                        .map(|(c, w)| match w {
                            What::Month(_) => (vec![parent.clone(), format!("{YEAR}年"), c], w),
                            _ => (vec![parent.clone(), c], w),
                        })
                        .collect(),
                });
            } else {
                g.push(under(parent, cols));
            }
        }
        5 => {
            let parent = pick(l, &["拨付金额", "资金拨付情况", "拨付金额"]);
            let cols: Vec<(String, What)> = ["一季度", "二季度", "三季度", "四季度"]
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let label = if l.labels == 2 {
                        format!("第{q}")
                    } else {
                        q.to_string()
                    };
                    (label, What::Quarter(i as u32 + 1))
                })
                .collect();
            g.push(under(
                if l.unit_at <= 1 {
                    format!("{parent}（{unit}）")
                } else {
                    parent.to_string()
                },
                cols,
            ));
        }
        4 => {
            let mut months = Vec::new();
            for m in 1..=12 {
                months.push(under(
                    pu(&mlabel(m)),
                    vec![
                        (
                            hu(pick(l, &["本月拨付", "本月", "本月支出"])),
                            What::Month(m),
                        ),
                        (
                            hu(pick(l, &["累计拨付", "累计", "累计支出"])),
                            What::MonthCum(m),
                        ),
                    ],
                ));
            }
            if l.year_over_months {
                // 2024年 / 1月 / 本月拨付 | 累计拨付 …: one group under the year.
                g.push(ColGroup {
                    cols: months
                        .into_iter()
                        .flat_map(|mg| mg.cols)
                        .map(|(mut path, w)| {
                            path.insert(0, format!("{YEAR}年"));
                            (path, w)
                        })
                        .collect(),
                });
            } else {
                g.extend(months);
            }
        }
        _ => {}
    }
    if l.rate_col {
        g.push(single(
            pick(l, &["支出进度（%）", "执行率", "资金支出进度"]),
            What::Rate,
        ));
    }
    if l.extras >= 1 || l.remarks {
        g.push(single("备注", What::Remark));
    }
    if l.extras >= 2 {
        g.push(single("受益户数", What::Households));
        g.push(single("联系人", What::Contact));
    }
    if l.hidden_col {
        g.push(single("辅助列", What::Hidden));
    }
    // Shuffle whole groups (a parent keeps its children).
    if l.shuffle != 0 {
        let mut seed = l.shuffle as u64 * 2_654_435_761 + 1;
        for i in (1..g.len()).rev() {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let j = (seed >> 33) as usize % (i + 1);
            g.swap(i, j);
        }
    }
    if l.renamed {
        for grp in &mut g {
            for (path, w) in &mut grp.cols {
                let Some(std) = renamed_field(l, *w) else {
                    continue;
                };
                let label = path.last_mut().unwrap();
                let unit = label
                    .find('（')
                    .map(|i| label[i..].to_string())
                    .unwrap_or_default();
                *label = format!(
                    "{}{unit}",
                    RENAMED.iter().find(|(f, _)| *f == std).unwrap().1
                );
            }
        }
    }
    if l.top_band {
        // A row over the groups: 项目基本情况 over the descriptive columns,
        // 资金安排及使用情况 over the figures (each part kept together, in
        // its shuffled order).
        let is_money = |grp: &ColGroup| {
            grp.cols.iter().any(|(_, w)| {
                matches!(
                    w,
                    What::Budget
                        | What::Split(_)
                        | What::Settled
                        | What::Cumulative
                        | What::Month(_)
                        | What::MonthCum(_)
                        | What::Quarter(_)
                        | What::PayAmount(_)
                        | What::Rate
                )
            })
        };
        let (mut text, money): (Vec<ColGroup>, Vec<ColGroup>) =
            g.into_iter().partition(|grp| !is_money(grp));
        text.extend(money);
        g = text;
        for grp in &mut g {
            let money = grp.cols.iter().any(|(_, w)| {
                matches!(
                    w,
                    What::Budget
                        | What::Split(_)
                        | What::Settled
                        | What::Cumulative
                        | What::Month(_)
                        | What::MonthCum(_)
                        | What::Quarter(_)
                        | What::PayAmount(_)
                        | What::Rate
                )
            });
            let top = if money {
                "资金安排及使用情况"
            } else {
                "项目基本情况"
            };
            for (path, _) in &mut grp.cols {
                path.insert(0, top.to_string());
            }
        }
    }
    g
}

fn category_text(l: &Layout, c: &str) -> String {
    match (l.spellings, c) {
        (1, "产业项目") => "产业发展".into(),
        (1, "基础设施建设项目") => "基础设施".into(),
        (1, "其他项目") => "其他".into(),
        _ => c.into(),
    }
}

fn status_text(l: &Layout, s: &str) -> String {
    match (l.spellings, s) {
        (1, "在建") => "施工中".into(),
        (1, "已完工") => "完工".into(),
        _ => s.into(),
    }
}

fn fund_text(l: &Layout, p: &Proj) -> String {
    match (l.spellings, p.main_fund()) {
        (0, f) => fund_name(f).into(),
        (1, Xj(lv)) => format!("{lv}财政衔接推进乡村振兴补助资金"),
        (2, Xj("中央")) => "中央财政常态化帮扶资金".into(),
        (2, Xj(lv)) => format!("{lv}常态化帮扶资金"),
        (1, Zh) => "统筹整合使用财政涉农资金".into(),
        (_, Other) => "自筹资金".into(),
        (_, f) => fund_name(f).into(),
    }
}

/// The 资金性质 text of one fund of a project, as the layout spells it.
fn fund_text_of(l: &Layout, f: Fund) -> String {
    match (l.spellings, f) {
        (0, f) => fund_name(f).into(),
        (1, Xj(lv)) => format!("{lv}财政衔接推进乡村振兴补助资金"),
        (2, Xj("中央")) => "中央财政常态化帮扶资金".into(),
        (2, Xj(lv)) => format!("{lv}常态化帮扶资金"),
        (1, Zh) => "统筹整合使用财政涉农资金".into(),
        (_, Other) => "自筹资金".into(),
        (_, f) => fund_name(f).into(),
    }
}

fn section_label(l: &Layout, i: usize, c: &str, n: usize) -> String {
    let num = ["一", "二", "三"][i];
    if l.town_sections {
        return format!("{num}、{c}（{n}个）");
    }
    let word = match c {
        "产业项目" => "产业发展类项目",
        "基础设施建设项目" => "基础设施类项目",
        _ => "其他项目",
    };
    if l.labels == 1 {
        format!("{num}、{word}")
    } else {
        format!("{num}、{word}（{n}个）")
    }
}

/// The project order the layout shows, with groups.
fn ordered(l: &Layout, projects: &[&'static Proj]) -> Vec<(String, Vec<&'static Proj>)> {
    match l.group_by() {
        None => vec![(String::new(), projects.to_vec())],
        Some(by) => {
            let mut keys: Vec<&str> = Vec::new();
            for p in projects {
                let k = if by == Group::Category {
                    p.category
                } else {
                    p.town
                };
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            keys.into_iter()
                .map(|k| {
                    (
                        k.to_string(),
                        projects
                            .iter()
                            .copied()
                            .filter(|p| {
                                (if by == Group::Category {
                                    p.category
                                } else {
                                    p.town
                                }) == k
                            })
                            .collect(),
                    )
                })
                .collect()
        }
    }
}

/// The sheets projects are kept on: one, or one a fund (57).
fn project_sheets(l: &Layout) -> Vec<(Option<&'static str>, Vec<&'static Proj>)> {
    let all: Vec<&'static Proj> = CANON.iter().collect();
    if !l.project_split {
        return vec![(None, all)];
    }
    let (xj, zh): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|p| matches!(p.main_fund(), Xj(_)));
    vec![(Some("衔接资金项目"), xj), (Some("整合资金项目"), zh)]
}

fn project_sheet(l: &Layout, projects: &[&'static Proj], sheet_name: Option<&str>) -> RawSheet {
    let mut grid = Grid::default();
    let mut groups = columns(l);
    // Units in a row of their own under the header: taken off the headers.
    let mut units_row: Vec<(usize, &'static str)> = Vec::new();
    if l.unit_spelling == 4 {
        let mut i = 0;
        for g in &mut groups {
            for (path, _) in &mut g.cols {
                let label = path.last_mut().unwrap();
                for w in ["万元", "千元", "元"] {
                    if let Some(bare) = label.strip_suffix(&format!("（{w}）")) {
                        *label = bare.to_string();
                        units_row.push((i, w));
                        break;
                    }
                }
                i += 1;
            }
        }
    }
    let groups = groups;
    let leaves: Vec<(u32, &str, What)> = {
        let mut v = Vec::new();
        let mut c = l.offset as u32;
        for (gi, g) in groups.iter().enumerate() {
            if l.separator && gi == 2 {
                // A blank column between two groups: no header, no data.
                c += 1;
            }
            for (path, w) in &g.cols {
                v.push((c, path.last().unwrap().as_str(), *w));
                c += 1;
            }
        }
        v
    };
    let first = l.offset as u32;
    let last = leaves.last().map(|x| x.0).unwrap_or(first);
    let col_of = |w: What| leaves.iter().find(|x| x.2 == w).map(|x| x.0);
    let mut r = 0u32;
    // Titles.
    let titles = [
        "附件1",
        "某某镇2024年度巩固拓展脱贫攻坚成果和乡村振兴项目实施情况表",
    ];
    for (i, t) in titles[2 - l.titles as usize..].iter().enumerate() {
        let is_last = i + 1 == l.titles as usize;
        let t = if is_last && l.unit_spelling == 3 {
            format!("{t}（{}）", l.unit_word())
        } else {
            t.to_string()
        };
        grid.text(r, first, &t);
        // 单位：… in the title's line, in its last column.
        let unit_beside = is_last && l.unit_spelling == 2;
        if unit_beside {
            grid.text(r, last, &format!("单位：{}", l.unit_word()));
        }
        if l.merges && t.chars().count() > 4 {
            grid.merge(r, first, r, if unit_beside { last - 1 } else { last });
        }
        r += 1;
    }
    // Context texts, each in its own cell.
    let unit_line = l.unit_at == 2 && !matches!(l.unit_spelling, 2 | 3 | 5 | 6);
    let mut ctx: Vec<String> = Vec::new();
    if l.context >= 1 {
        ctx.push("填报单位：某某镇人民政府（盖章）".into());
    }
    if l.context >= 2 {
        ctx.push("截至2024年9月30日".into());
    }
    if unit_line || l.context >= 3 {
        ctx.push(if unit_line && l.unit_spelling == 1 {
            format!("单位：人民币{}", l.unit_word())
        } else if unit_line {
            format!("单位：{}", l.unit_word())
        } else {
            "编制日期：2024年10月8日".into()
        });
    }
    if !ctx.is_empty() {
        let span = last - first + 1;
        for (i, t) in ctx.iter().enumerate() {
            let c = first + (i as u32 * span / ctx.len() as u32);
            grid.text(r, c, t);
        }
        r += 1;
    }
    // Header band: each level of the paths in a row; an ancestor spans its
    // run of columns, a column's own text is merged down to the band's foot.
    let paths: Vec<&Vec<String>> = groups
        .iter()
        .flat_map(|g| g.cols.iter().map(|(p, _)| p))
        .collect();
    let depth = paths.iter().map(|p| p.len()).max().unwrap_or(1) as u32;
    let header_top = r;
    let write_header = |grid: &mut Grid, r: u32, merges: bool| {
        for level in 0..depth as usize {
            let mut i = 0;
            while i < paths.len() {
                let p = paths[i];
                let c = leaves[i].0;
                if p.len() <= level {
                    i += 1;
                    continue;
                }
                grid.text(r + level as u32, c, &p[level]);
                if level + 1 == p.len() {
                    if merges && (level as u32) + 1 < depth {
                        grid.merge(r + level as u32, c, r + depth - 1, c);
                    }
                    i += 1;
                    continue;
                }
                let mut j = i;
                while j + 1 < paths.len()
                    && leaves[j + 1].0 == leaves[j].0 + 1
                    && paths[j + 1].len() > level + 1
                    && paths[j + 1][..=level] == p[..=level]
                {
                    j += 1;
                }
                if merges {
                    grid.merge(r + level as u32, c, r + level as u32, leaves[j].0);
                }
                i = j + 1;
            }
        }
    };
    write_header(&mut grid, r, l.merges);
    if l.unit_spelling == 5 {
        grid.text(r, last + 1, &format!("（单位：{}）", l.unit_word()));
    }
    r += depth;
    if !units_row.is_empty() {
        for (i, w) in &units_row {
            grid.text(r, leaves[*i].0, w);
        }
        r += 1;
    }
    let rows = ordered(l, projects);
    let money_cols: Vec<(u32, What)> = leaves
        .iter()
        .filter(|x| {
            matches!(
                x.2,
                What::Budget
                    | What::Split(_)
                    | What::Settled
                    | What::Cumulative
                    | What::Month(_)
                    | What::MonthCum(_)
                    | What::Quarter(_)
            )
        })
        .map(|x| (x.0, x.2))
        .collect();
    let figure = |p: &Proj, w: What| -> Option<Decimal> {
        match w {
            What::Budget => Some(p.budget()),
            What::Split(k) => Some(split_amount(p, k)).filter(|d| !d.is_zero()),
            What::Settled => p.settled.map(dec),
            What::Cumulative => Some(if l.paid == 1 {
                p.paid_until(as_of())
            } else {
                p.paid_all()
            }),
            What::Month(m) => p.month(m),
            What::Quarter(q) => {
                let v: Vec<Decimal> = (3 * q - 2..=3 * q).filter_map(|m| p.month(m)).collect();
                (!v.is_empty()).then(|| v.iter().copied().sum())
            }
            What::MonthCum(m) => {
                let s: Decimal = (1..=m).filter_map(|k| p.month(k)).sum();
                (!s.is_zero() || (1..=m).any(|k| p.month(k).is_some())).then_some(s)
            }
            _ => None,
        }
    };
    let sums = |ps: &[&Proj], w: What| -> Decimal { ps.iter().filter_map(|p| figure(p, w)).sum() };
    let sum_row = |grid: &mut Grid, r: u32, ps: &[&Proj], label: Option<String>| {
        if let Some(t) = label {
            let c = col_of(What::Seq)
                .or(col_of(What::Id))
                .or(col_of(What::Name))
                .unwrap();
            grid.text(r, c, &t);
        }
        for (c, w) in &money_cols {
            let sum = sums(ps, *w);
            grid.put(
                r,
                *c,
                if l.rounded_totals {
                    rounded_money(l, *w, sum)
                } else {
                    money_of(l, *w, sum)
                },
            );
        }
    };
    let all: Vec<&Proj> = projects.to_vec();
    let total_word = match l.total_spelling {
        1 => "全镇合计".to_string(),
        2 => "合计：".to_string(),
        3 => format!("合计（{}个）", projects.len()),
        4 => "合计数".to_string(),
        _ => ["合计", "总计", "合  计"][l.total_word as usize].to_string(),
    };
    let xj: Vec<&Proj> = projects
        .iter()
        .copied()
        .filter(|p| matches!(p.main_fund(), Xj(_)))
        .collect();
    if l.total == 1 {
        sum_row(
            &mut grid,
            r,
            &all,
            l.total_labelled.then(|| total_word.clone()),
        );
        r += 1;
        if l.breakdown {
            sum_row(&mut grid, r, &xj, Some("其中：衔接资金".to_string()));
            r += 1;
        }
    }
    let mut seq = 0;
    let mut written = 0;
    for (gi, (key, ps)) in rows.iter().enumerate() {
        let by = l.group_by();
        let sub_label = || {
            l.subtotal_labelled.then(|| match by {
                Some(Group::Town) => format!("{key}小计"),
                _ => "小计".to_string(),
            })
        };
        if l.sections {
            let label = section_label(l, gi, key, ps.len());
            if l.section_sums {
                sum_row(&mut grid, r, ps, None);
            }
            let c = col_of(What::Name).unwrap();
            if l.seq_style {
                // 一 | 产业发展类项目（5个）: the number in 序号, the words beside.
                let (num, words) = label.split_once('、').unwrap();
                grid.text(r, col_of(What::Seq).unwrap(), num);
                grid.text(r, c, words);
            } else {
                let lc = col_of(What::Seq).or(col_of(What::Id)).unwrap_or(c);
                grid.text(r, lc, &label);
            }
            r += 1;
        }
        if l.subtotals == 2 && !(l.sections && l.section_sums) {
            sum_row(&mut grid, r, ps, sub_label());
            r += 1;
        }
        let top = r;
        for (i, p) in ps.iter().enumerate() {
            seq += 1;
            written += 1;
            for (c, _, w) in &leaves {
                let v = match w {
                    What::Seq if l.seq_style => Some(Data::Float(i as f64 + 1.0)),
                    What::Seq => Some(Data::Float(seq as f64)),
                    What::Id => Some(Data::String(p.id.into())),
                    What::Name => Some(Data::String(p.name.into())),
                    What::Category => (!(l.merged_down && by == Some(Group::Category) && i > 0))
                        .then(|| Data::String(category_text(l, p.category))),
                    What::Town => (!(l.merged_down && by == Some(Group::Town) && i > 0))
                        .then(|| Data::String(p.town.into())),
                    What::Village => Some(Data::String(format!("{}{}", p.town, p.village))),
                    What::FundText => Some(Data::String(fund_text(l, p))),
                    What::Status => Some(Data::String(status_text(l, p.status))),
                    What::Rate => {
                        let paid = if l.paid == 1 {
                            p.paid_until(as_of())
                        } else {
                            p.paid_all()
                        };
                        let rate = (paid / p.budget() * Decimal::from(100)).round_dp(2);
                        Some(Data::Float(rate.to_string().parse().unwrap()))
                    }
                    What::Remark if l.remarks => match written % 5 {
                        0 => Some(Data::String("已拨付60万元，余款待审计后拨付".into())),
                        1 => Some(Data::Float(35.0)),
                        2 => Some(Data::String("2024年9月完工".into())),
                        3 => Some(Data::String("12.5".into())),
                        _ => None,
                    },
                    What::Remark => (written % 3 == 0).then(|| Data::String("按计划推进".into())),
                    What::Households => Some(Data::Float((10 + written * 7) as f64)),
                    What::Contact => Some(Data::String("王某".into())),
                    What::Hidden => Some(Data::Float(written as f64 * 1.5)),
                    What::PayDate(k) => p
                        .pays
                        .get(*k as usize - 1)
                        .map(|(d, _)| date_cell(l, date(d))),
                    What::PayAmount(k) => {
                        p.pays.get(*k as usize - 1).map(|(_, a)| money(l, dec(a)))
                    }
                    w => figure(p, *w).map(|d| money_of(l, *w, d)),
                };
                let two_rows = l.split_project && l.budget == 0 && l.merges && p.funds.len() == 2;
                if two_rows && matches!(w, What::FundText | What::Budget) {
                    // One fund a row.
                    for (k, (f, a)) in p.funds.iter().enumerate() {
                        let v = if *w == What::FundText {
                            Data::String(fund_text_of(l, *f))
                        } else {
                            money(l, dec(a))
                        };
                        grid.put(r + k as u32, *c, v);
                    }
                    continue;
                }
                if let Some(v) = v {
                    grid.put(r, *c, v);
                    let group_merged = l.merged_down
                        && !(l.repeat_header || l.blank_rows)
                        && ps.len() > 1
                        && ((*w == What::Category && by == Some(Group::Category))
                            || (*w == What::Town && by == Some(Group::Town)));
                    if two_rows && !group_merged {
                        grid.merge(r, *c, r + 1, *c);
                    }
                }
            }
            if l.split_project && l.budget == 0 && l.merges && p.funds.len() == 2 {
                r += 1;
            }
            r += 1;
            if l.blank_rows && written % 4 == 0 {
                r += 1;
            }
            if l.repeat_header && written == 6 {
                write_header(&mut grid, r, false);
                r += depth;
            }
        }
        if l.merged_down && ps.len() > 1 {
            let w = if by == Some(Group::Town) {
                What::Town
            } else {
                What::Category
            };
            if let Some(c) = col_of(w) {
                // Only a run without a repeated header or blank rows in it.
                let clean = !(l.repeat_header || l.blank_rows);
                if clean {
                    grid.merge(top, c, r - 1, c);
                }
            }
        }
        if l.subtotals == 1 && !(l.sections && l.section_sums) {
            sum_row(&mut grid, r, ps, sub_label());
            r += 1;
        }
    }
    if l.total == 2 {
        sum_row(
            &mut grid,
            r,
            &all,
            l.total_labelled.then(|| total_word.clone()),
        );
        r += 1;
        if l.breakdown {
            sum_row(&mut grid, r, &xj, Some("其中：衔接资金".to_string()));
            r += 1;
        }
    }
    let notes = [
        "注：本表金额均为财政资金，不含群众自筹以外的其他资金说明。",
        "公告期：2024年10月10日至10月20日",
        "监督举报电话：0431-12317    填表人：张三    审核人：李四",
    ];
    let unit_note = format!("注：本表金额单位为{}。", l.unit_word());
    for (i, t) in notes.iter().take(l.notes as usize).enumerate() {
        let t = if i == 0 && l.unit_spelling == 6 {
            unit_note.as_str()
        } else {
            t
        };
        r += 1;
        grid.text(r, first, t);
    }
    let _ = header_top;
    let name = match (sheet_name, l.sheet_names) {
        (Some(n), _) => n,
        (None, 1) => "附件1",
        (None, 2) => "Sheet1",
        _ => "项目",
    };
    let mut s = grid.sheet(name);
    if l.merged_down && (l.repeat_header || l.blank_rows) {
        // Fill the group cells the merge would have covered.
        fill_group_cells(&mut s, l, &leaves, header_top);
    }
    s
}

/// Where a merge was not written (a run broken by a blank row or a repeated
/// header), the group's text stays in every row, as a clerk would type it.
fn fill_group_cells(s: &mut RawSheet, l: &Layout, leaves: &[(u32, &str, What)], _top: u32) {
    let w = if l.group_by() == Some(Group::Town) {
        What::Town
    } else {
        What::Category
    };
    let Some(c) = leaves.iter().find(|x| x.2 == w).map(|x| x.0) else {
        return;
    };
    let Some(name_col) = leaves.iter().find(|x| x.2 == What::Name).map(|x| x.0) else {
        return;
    };
    let rows: Vec<(u32, String)> = s
        .used_cells()
        .filter(|(_, col, _)| *col == name_col)
        .filter_map(|(r, _, v)| match v {
            Data::String(t) => Some((r, t.clone())),
            _ => None,
        })
        .collect();
    for (r, name) in rows {
        if let Some(p) = CANON.iter().find(|p| p.name == name) {
            let t = if w == What::Town {
                p.town.to_string()
            } else {
                category_text(l, p.category)
            };
            s.set_value((r, c), Data::String(t));
        }
    }
}

fn date_cell(l: &Layout, d: NaiveDate) -> Data {
    use chrono::Datelike;
    let (y, m, dd) = (d.year(), d.month(), d.day());
    match l.date_more {
        1 => return Data::String(format!("{y}/{m}/{dd}")),
        2 => return Data::Float((y * 10_000 + m as i32 * 100 + dd as i32) as f64),
        3 => return Data::String(format!("{y} 年 {m} 月 {dd} 日")),
        4 if dd % 2 == 0 => return Data::String(format!("{}/{m}/{dd}", y % 100)),
        4 => return Data::String(format!("{}.{m}.{dd}", y % 100)),
        5 => return Data::String(format!("{m}/{dd}")),
        _ => {}
    }
    match l.date_form {
        1 => Data::String(format!("{y}年{m}月{dd}日")),
        2 => Data::String(format!("{y}.{m}.{dd}")),
        3 => Data::String(format!("{y}{m:02}{dd:02}")),
        4 => Data::String(format!("{y}年{m}月")),
        5 => Data::String(format!("{y}.{m}")),
        6 => Data::String(format!("{y}{m:02}")),
        7 => Data::String(format!("{m}月{dd}日")),
        8 => Data::String(format!("{m}.{dd}")),
        _ => Data::Float((d - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64),
    }
}

/// One payment: its project, date and amount.
type Pay = (&'static Proj, &'static str, &'static str);

/// The payment sheets: one, one a month, or one a fund (each with its own
/// title, header and total), and a whole copy of the first when the layout has one.
fn payment_sheets(l: &Layout) -> Vec<RawSheet> {
    let base = match l.sheet_names {
        1 => "附件2",
        2 => "Sheet2",
        _ => "拨付",
    };
    let all: Vec<Pay> = CANON
        .iter()
        .flat_map(|p| p.pays.iter().map(move |(d, a)| (p, *d, *a)))
        .collect();
    let mut parts: Vec<(String, Vec<Pay>)> = match l.pay_sheets {
        1 => {
            let mut months: Vec<u32> = all
                .iter()
                .map(|(_, d, _)| chrono::Datelike::month(&date(d)))
                .collect();
            months.sort_unstable();
            months.dedup();
            months
                .into_iter()
                .map(|m| {
                    (
                        format!("{m}月{base}"),
                        all.iter()
                            .filter(|(_, d, _)| chrono::Datelike::month(&date(d)) == m)
                            .copied()
                            .collect(),
                    )
                })
                .collect()
        }
        2 => [Fund::Xj("中央"), Fund::Zh, Fund::Other]
            .iter()
            .map(|f| {
                let same = |g: Fund| fund_name(g) == fund_name(*f);
                (
                    format!("{}{base}", fund_name(*f)),
                    all.iter()
                        .filter(|(p, _, _)| same(p.main_fund()))
                        .copied()
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        _ => vec![(base.to_string(), all)],
    };
    if l.pay_copy {
        let (name, rows) = parts[0].clone();
        parts.push((format!("{name} (2)"), rows));
    }
    parts
        .into_iter()
        .map(|(name, rows)| payment_sheet(l, &name, &rows))
        .collect()
}

fn payment_sheet(l: &Layout, name: &str, pays: &[Pay]) -> RawSheet {
    let mut g = Grid::default();
    let by_name = l.pay_by_name || l.no_id;
    let unit = l.unit_word();
    let mut c = 0;
    let mut r = 0;
    if l.titles > 0 {
        g.text(0, 0, "2024年度资金拨付明细");
        r = 1;
    }
    let word = |std: &'static str| -> &'static str {
        if l.renamed {
            RENAMED.iter().find(|(f, _)| *f == std).unwrap().1
        } else {
            std
        }
    };
    if !by_name {
        g.text(r, c, word("项目编号"));
        c += 1;
    }
    g.text(r, c, word("项目名称"));
    let clerk = |std: &'static str| -> &'static str {
        match (l.renamed, l.clerk_labels, std) {
            (true, ..) => word(std),
            (_, 1, "拨付日期") => "拨款日期",
            (_, 2, "拨付日期") => "支付时间",
            (_, 3, "拨付日期") => "拨付时间",
            (_, 1, "拨付金额") => "本次拨付",
            (_, 2, "拨付金额") => "拨付资金",
            (_, 3, "拨付金额") => "拨款金额",
            _ => std,
        }
    };
    g.text(r, c + 1, clerk("拨付日期"));
    g.text(
        r,
        c + 2,
        &if l.unit_at == 3 {
            clerk("拨付金额").to_string()
        } else {
            format!("{}（{unit}）", clerk("拨付金额"))
        },
    );
    g.text(r, c + 3, "凭证号");
    r += 1;
    let mut n = 0;
    let mut total = Decimal::ZERO;
    let mut pays = pays.to_vec();
    if l.pay_journal {
        pays.sort_by_key(|(_, d, _)| date(d));
    }
    let month = |d: &str| chrono::Datelike::month(&date(d));
    let shown = |v: Decimal| {
        if l.rounded_totals {
            rounded_money(l, What::Budget, v)
        } else {
            money(l, v)
        }
    };
    let mut in_month = Decimal::ZERO;
    for (i, (p, d, a)) in pays.iter().enumerate() {
        n += 1;
        if !by_name {
            g.text(r, 0, p.id);
        }
        g.text(r, c, p.name);
        g.put(r, c + 1, date_cell(l, date(d)));
        g.put(r, c + 2, money(l, dec(a)));
        g.text(r, c + 3, &format!("记-{n:03}"));
        total += dec(a);
        in_month += dec(a);
        r += 1;
        // A journal closes each month: 本月合计, then 本年累计.
        if l.pay_journal
            && pays
                .get(i + 1)
                .is_none_or(|(_, next, _)| month(next) != month(d))
        {
            g.text(r, 0, "本月合计");
            g.put(r, c + 2, shown(in_month));
            g.text(r + 1, 0, "本年累计");
            g.put(r + 1, c + 2, shown(total));
            r += 2;
            in_month = Decimal::ZERO;
        }
    }
    if l.pay_total {
        g.text(r, 0, "合计");
        g.put(
            r,
            c + 2,
            if l.rounded_totals {
                rounded_money(l, What::Budget, total)
            } else {
                money(l, total)
            },
        );
    }
    g.sheet(name)
}

fn book(l: &Layout) -> RawBook {
    let mut sheets: Vec<RawSheet> = if l.stacked {
        vec![stacked_sheet(l)]
    } else {
        project_sheets(l)
            .iter()
            .map(|(name, ps)| project_sheet(l, ps, *name))
            .collect()
    };
    if l.has_pay_sheet() {
        sheets.extend(payment_sheets(l));
    }
    RawBook {
        path: "台账.xlsx".into(),
        format: BookFormat::Xlsx,
        sheets,
    }
}

/// The split's two tables on one sheet (58): the second two rows under the
/// first, its columns shuffled otherwise.
fn stacked_sheet(l: &Layout) -> RawSheet {
    let parts = project_sheets(l);
    let upper = project_sheet(l, &parts[0].1, None);
    let mut other = l.clone();
    other.shuffle = if l.shuffle == 0 { 7 } else { 0 };
    let lower = project_sheet(&other, &parts[1].1, None);
    let down = upper.end_row() + 2;
    let mut cells: Vec<(u32, u32, Data)> = upper
        .used_cells()
        .map(|(r, c, v)| (r, c, v.clone()))
        .collect();
    cells.extend(lower.used_cells().map(|(r, c, v)| (r + down, c, v.clone())));
    let mut merges = upper.merges.clone();
    merges.extend(
        lower
            .merges
            .iter()
            .map(|m| Dimensions::new((m.start.0 + down, m.start.1), (m.end.0 + down, m.end.1))),
    );
    RawSheet::new(upper.name.clone(), cells, Vec::new(), merges)
}

// ---------------------------------------------------------------- checking

/// Read a layout and compare every figure with the canon's.
fn check(l: &Layout) -> Result<(), String> {
    check_book(l, book(l))
}

fn check_book(l: &Layout, b: RawBook) -> Result<(), String> {
    let outcome = analyse_book(
        std::path::Path::new("台账.xlsx"),
        b,
        Some(as_of()),
        Some("某某镇"),
        &mapping(l),
    )
    .map_err(|e| format!("fatal: {e}"))?;
    let r = &outcome.report;
    let errors: Vec<String> = r
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(format!("错误: {errors:#?}"));
    }
    // Every check of the reading against the ledger's own figures agrees,
    // and every total, subtotal and section the layout printed was seen.
    for sr in &outcome.ledger.reading {
        if let Some(c) = sr.checks.iter().find(|c| !c.agrees) {
            return Err(format!("check disagrees: {c:?}"));
        }
    }
    let project_reading = &outcome.ledger.reading[0];
    let first_sheet = project_sheets(l).swap_remove(0).1;
    let printed_totals = (l.total > 0) as usize
        + if l.subtotals > 0 && !(l.sections && l.section_sums) {
            ordered(l, &first_sheet).len()
        } else {
            0
        };
    if project_reading.totals.len() != printed_totals {
        return Err(format!(
            "{} total rows read, {printed_totals} printed: {:?}",
            project_reading.totals.len(),
            project_reading.totals
        ));
    }
    if l.rate_col
        && !project_reading
            .checks
            .iter()
            .any(|c| c.kind.starts_with("执行率") && c.ledger == format!("{} 个项目", CANON.len()))
    {
        return Err(format!("执行率 not checked: {:?}", project_reading.checks));
    }
    // The header that overrides the unit line is said (R025).
    let said = |code: &str| r.problems.iter().any(|p| p.finding.code() == code);
    if l.unit_override && l.unit_at == 2 && l.unit != 0 && !said("R025") {
        return Err(format!("unit override not said: {:#?}", r.problems));
    }
    // Payments on several sheets are all read, and said; a copy is not
    // counted again (the figures below would double), and said.
    if l.has_pay_sheet() && (l.pay_sheets > 0 || l.pay_copy) && !said("R081") {
        return Err(format!("payment sheets not said: {:#?}", r.problems));
    }
    if l.has_pay_sheet()
        && l.pay_copy
        && !r
            .problems
            .iter()
            .any(|p| p.finding.code() == "R081" && p.message.contains("副本"))
    {
        return Err(format!("payment sheet copy not said: {:#?}", r.problems));
    }
    // A refund written in brackets is read as a negative, and said.
    if l.has_pay_sheet() && l.amount_marks == 4 && !said("R087") {
        return Err(format!("bracketed negative not said: {:#?}", r.problems));
    }
    // Projects on two sheets are all read, and said.
    if l.stacked && !said("R088") {
        return Err(format!("second table not said: {:#?}", r.problems));
    }
    if l.project_split && !l.stacked && !said("R083") {
        return Err(format!("project sheets not said: {:#?}", r.problems));
    }
    // The 其中 row under a total is skipped, and said.
    if l.breakdown && l.total > 0 && !r.problems.iter().any(|p| p.message.contains("“其中”行"))
    {
        return Err(format!("其中 row not said: {:#?}", r.problems));
    }
    if l.sections && project_reading.sections.len() != 3 {
        return Err(format!("sections read: {:?}", project_reading.sections));
    }
    if r.projects.len() != CANON.len() {
        let ids: Vec<&str> = r.projects.iter().map(|p| p.name.as_str()).collect();
        return Err(format!("{} projects read: {ids:?}", r.projects.len()));
    }
    let has_split = l.budget != 0;
    for p in CANON {
        let got = r
            .projects
            .iter()
            .find(|f| f.name == p.name)
            .ok_or_else(|| format!("{} not read", p.name))?;
        let want_id = if l.no_id { p.name } else { p.id };
        let want_fund = fund_name(p.main_fund());
        let want_paid = p.paid_until(as_of());
        let checks: Vec<(&str, String, String)> = vec![
            ("id", got.id.clone(), want_id.to_string()),
            ("category", got.category.clone(), p.category.to_string()),
            ("fund", got.fund_source.clone(), want_fund.to_string()),
            (
                "budget",
                got.budget.normalize().to_string(),
                p.budget().normalize().to_string(),
            ),
            (
                "settled",
                format!("{:?}", got.settled.map(|d| d.normalize())),
                format!("{:?}", p.settled.map(|s| dec(s).normalize())),
            ),
            (
                "status",
                got.status.clone().unwrap_or_default(),
                p.status.to_string(),
            ),
            (
                "paid",
                got.paid.normalize().to_string(),
                want_paid.normalize().to_string(),
            ),
        ];
        // The level is kept: named by the 资金性质 text, or by the one level
        // of the project's 衔接资金 parts.
        let xj_levels: Vec<&str> = p
            .funds
            .iter()
            .filter_map(|(f, _)| if let Xj(l) = f { Some(*l) } else { None })
            .collect();
        let want_level = match (l.budget, l.spellings, p.main_fund()) {
            (2, ..) if xj_levels.len() == 1 => Some(xj_levels[0]),
            (2, ..) => None,
            (0, 1 | 2, Xj(lv)) => Some(lv),
            _ => None,
        };
        if got.fund_level.as_deref() != want_level {
            return Err(format!(
                "{} level: read {:?}, canon {want_level:?}",
                p.name, got.fund_level
            ));
        }
        for (what, g, w) in checks {
            if g != w {
                return Err(format!("{} {what}: read {g}, canon {w}", p.name));
            }
        }
        if has_split {
            let mut want: Vec<(String, Decimal)> = Vec::new();
            for (f, a) in p.funds {
                let n = fund_name(*f).to_string();
                match want.iter_mut().find(|(k, _)| *k == n) {
                    Some(e) => e.1 += dec(a),
                    None => want.push((n, dec(a))),
                }
            }
            let mut got_f: Vec<(String, Decimal)> = got
                .budget_by_fund
                .iter()
                .map(|(k, d)| (k.clone(), d.normalize()))
                .collect();
            let mut want: Vec<(String, Decimal)> =
                want.into_iter().map(|(k, d)| (k, d.normalize())).collect();
            got_f.sort();
            want.sort();
            if got_f != want {
                return Err(format!(
                    "{} budget by fund: read {got_f:?}, canon {want:?}",
                    p.name
                ));
            }
        }
    }
    let budget: Decimal = CANON.iter().map(Proj::budget).sum();
    let paid: Decimal = CANON.iter().map(|p| p.paid_until(as_of())).sum();
    if r.totals.budget != budget || r.totals.paid != paid {
        return Err(format!(
            "totals: read {} / {}, canon {budget} / {paid}",
            r.totals.budget, r.totals.paid
        ));
    }
    Ok(())
}

/// Bytes a layout is made from: one per transformation.
const BYTES: usize = 58;

fn layout_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), BYTES)
}

fn run_cases(seed: [u8; 32], cases: u32) {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let result = runner.run(&layout_bytes(), |b| {
        let l = Layout::from_bytes(&b);
        let spec: Vec<String> = b
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(i, v)| format!("{i}:{v}"))
            .collect();
        check(&l).map_err(|e| TestCaseError::fail(format!("LAYOUT={} {l:?}\n{e}", spec.join(","))))
    });
    if let Err(e) = result {
        panic!("seed {seed:?}: {e}");
    }
}

#[test]
fn the_canonical_ledger_reads_exactly() {
    check(&Layout::from_bytes(&[0; BYTES])).unwrap();
}

/// Each transformation alone, at each of its values.
#[test]
fn each_transformation_alone_reads_exactly() {
    let mut failures = Vec::new();
    for i in 0..BYTES {
        for v in 1..=8u8 {
            let mut b = [0u8; BYTES];
            b[i] = v;
            let l = Layout::from_bytes(&b);
            if let Err(e) = check(&l) {
                failures.push(format!("byte {i} = {v}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn any_composition_of_transformations_reads_exactly_fixed_seed() {
    run_cases(*b"jixiao-layouts-fixed-seed-000001", 1000);
}

#[test]
fn any_composition_of_transformations_reads_exactly_random_seed() {
    let seed: [u8; 32] = match std::env::var("LAYOUTS_SEED") {
        Ok(s) => {
            let v: Vec<u8> = s.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            let mut a = [0u8; 32];
            a[..v.len().min(32)].copy_from_slice(&v[..v.len().min(32)]);
            a
        }
        Err(_) => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let mut a = [0u8; 32];
            a[..16].copy_from_slice(&t.to_le_bytes());
            a
        }
    };
    let shown: Vec<String> = seed.iter().map(|b| b.to_string()).collect();
    eprintln!(
        "layouts random seed (rerun with LAYOUTS_SEED={}):",
        shown.join(",")
    );
    run_cases(seed, 1000);
}

/// `LAYOUT=4:2,7:3 cargo test --test layouts one_layout -- --nocapture`: one
/// composition by its bytes (index:value), with its sheet printed.
#[test]
fn one_layout() {
    let Ok(spec) = std::env::var("LAYOUT") else {
        return;
    };
    let mut b = [0u8; BYTES];
    for kv in spec.split(',').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once(':').unwrap();
        b[k.trim().parse::<usize>().unwrap()] = v.trim().parse().unwrap();
    }
    let l = Layout::from_bytes(&b);
    if let Ok(out) = std::env::var("LAYOUT_XLSX") {
        write_xlsx(&l, std::path::Path::new(&out));
    }
    for s in &book(&l).sheets {
        eprintln!("== {}", s.name);
        let mut last = u32::MAX;
        let mut line = String::new();
        for (r, c, v) in s.used_cells() {
            if r != last {
                if !line.is_empty() {
                    eprintln!("{line}");
                }
                line = format!("{:>3}:", r + 1);
                last = r;
            }
            line.push_str(&format!(" {}{}={:?}", jixiao::model::col_name(c), r + 1, v));
        }
        eprintln!("{line}");
        eprintln!(
            "merges: {:?}",
            s.merges
                .iter()
                .map(|m| (m.start, m.end))
                .collect::<Vec<_>>()
        );
    }
    eprintln!("{l:?}");
    if let Ok(o) = analyse_book(
        std::path::Path::new("台账.xlsx"),
        book(&l),
        Some(as_of()),
        Some("某某镇"),
        &mapping(&l),
    ) {
        eprintln!(
            "{}",
            serde_json::to_string_pretty(&o.ledger.reading).unwrap()
        );
        for p in &o.report.problems {
            eprintln!("[{}] {}", p.severity.label(), p.message);
        }
    }
    check(&l).unwrap();
}

/// Never choose silently: any layout with a one-column budget, given a
/// second budget column (another standard name, other figures), is refused
/// with both cells named — and a mapping naming the right one settles it,
/// with the canon's figures.
#[test]
fn two_columns_for_one_figure_are_never_chosen_silently() {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 150,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, b"jixiao-layouts-two-budget-cols-1"),
    );
    runner
        .run(&layout_bytes(), |mut b| {
            b[4] = 0; // one budget column
            b[37] = 0; // its standard name
            b[46] = 0; // not a clerk's label (批复金额 …)
            let l = Layout::from_bytes(&b);
            let mut book = book(&l);
            let sheet = &mut book.sheets[0];
            // The layout's own budget header, and a second one beside the table.
            let (own_cell, own) = sheet
                .used_cells()
                .find_map(|(r, c, v)| match v {
                    Data::String(t)
                        if ["预算金额", "资金规模", "计划投资"]
                            .iter()
                            .any(|w| t.starts_with(w)) =>
                    {
                        Some(((r, c), t.clone()))
                    }
                    _ => None,
                })
                .unwrap();
            let other = if own.starts_with("预算金额") {
                "资金规模"
            } else {
                "预算金额"
            };
            let col = sheet.end_col() + 1;
            let header_row = own_cell.0;
            let rows: Vec<u32> = sheet
                .used_cells()
                .filter(|(r, c, v)| {
                    *c == own_cell.1 && *r > header_row && matches!(v, Data::Float(_))
                })
                .map(|(r, ..)| r)
                .collect();
            sheet.set_value((header_row, col), Data::String(other.into()));
            for r in rows {
                sheet.set_value((r, col), Data::Float(1.0));
            }
            let path = std::path::Path::new("台账.xlsx");
            let err = match analyse_book(
                path,
                book.clone_book(),
                Some(as_of()),
                None,
                &Mapping::default(),
            ) {
                Err(e) => e,
                Ok(_) => {
                    return Err(TestCaseError::fail(
                        "two budget columns read without a word",
                    ));
                }
            };
            let a = jixiao::model::CellRef::new(&sheet_name(&book), own_cell.0, own_cell.1).a1();
            let b2 = jixiao::model::CellRef::new("", header_row, col).a1();
            prop_assert!(
                err.contains(&a) && err.contains(&b2) && err.contains("--mapping"),
                "{}",
                err
            );
            let mut mapping = Mapping::default();
            let key = jixiao::read::layout::normalize_header(&own).0;
            mapping.columns.insert(
                "项目".into(),
                [("预算金额".to_string(), key)].into_iter().collect(),
            );
            let o = analyse_book(path, book, Some(as_of()), None, &mapping).map_err(|e| {
                TestCaseError::fail(format!("with the mapping {:?}: {e}", mapping.columns))
            })?;
            let budget: Decimal = CANON.iter().map(Proj::budget).sum();
            prop_assert_eq!(o.report.totals.budget, budget);
            Ok(())
        })
        .unwrap();
}

fn sheet_name(b: &RawBook) -> String {
    b.sheets[0].name.clone()
}

trait CloneBook {
    fn clone_book(&self) -> RawBook;
}

impl CloneBook for RawBook {
    fn clone_book(&self) -> RawBook {
        RawBook {
            path: self.path.clone(),
            format: self.format,
            sheets: self
                .sheets
                .iter()
                .map(|s| {
                    let cells = s.used_cells().map(|(r, c, v)| (r, c, v.clone())).collect();
                    RawSheet::new(s.name.clone(), cells, Vec::new(), s.merges.clone())
                })
                .collect(),
        }
    }
}

/// The checks can fail: in any layout with a 执行率 column, one project's
/// rate changed is an 错误 naming its cell with both figures.
#[test]
fn a_wrong_ledger_rate_is_an_error_naming_the_cell() {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 100,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, b"jixiao-layouts-wrong-rate-000001"),
    );
    runner
        .run(&layout_bytes(), |mut b| {
            b[27] = 1; // a rate column
            let l = Layout::from_bytes(&b);
            let mut book = book(&l);
            let sheet = &mut book.sheets[0];
            let header = sheet
                .used_cells()
                .find_map(|(r, c, v)| match v {
                    Data::String(t)
                        if ["支出进度", "执行率", "资金支出进度"]
                            .iter()
                            .any(|w| t.starts_with(w)) =>
                    {
                        Some((r, c))
                    }
                    _ => None,
                })
                .unwrap();
            // The first project's rate cell (a number below the header).
            let at = sheet
                .used_cells()
                .find(|(r, c, v)| *c == header.1 && *r > header.0 && matches!(v, Data::Float(_)))
                .map(|(r, c, _)| (r, c))
                .unwrap();
            sheet.set_value(at, Data::Float(12.34));
            let cell = jixiao::model::CellRef::new(&sheet.name.clone(), at.0, at.1).to_string();
            let o = analyse_book(
                std::path::Path::new("台账.xlsx"),
                book,
                Some(as_of()),
                None,
                &mapping(&l),
            )
            .map_err(TestCaseError::fail)?;
            let p = o
                .report
                .problems
                .iter()
                .find(|p| p.severity == Severity::Error && p.cell_label() == cell);
            prop_assert!(
                p.is_some_and(|p| p.message.contains("12.34")),
                "{:#?}",
                o.report.problems
            );
            Ok(())
        })
        .unwrap();
}

/// Write a layout's sheets as an .xlsx file (merges kept, the helper column hidden).
fn write_xlsx(l: &Layout, path: &std::path::Path) {
    let b = book(l);
    let mut wb = rust_xlsxwriter::Workbook::new();
    for sheet in &b.sheets {
        let ws = wb.add_worksheet().set_name(&sheet.name).unwrap();
        let mut tops = std::collections::HashSet::new();
        for m in &sheet.merges {
            let v = match sheet.cell(m.start.0, m.start.1) {
                Data::String(t) => t.clone(),
                _ => String::new(),
            };
            ws.merge_range(
                m.start.0,
                m.start.1 as u16,
                m.end.0,
                m.end.1 as u16,
                &v,
                &rust_xlsxwriter::Format::new(),
            )
            .unwrap();
            tops.insert(m.start);
        }
        for (r, c, v) in sheet.used_cells() {
            if tops.contains(&(r, c)) {
                continue;
            }
            match v {
                Data::String(t) => {
                    ws.write_string(r, c as u16, t).unwrap();
                }
                Data::Float(f) => {
                    ws.write_number(r, c as u16, *f).unwrap();
                }
                _ => {}
            }
            if matches!(v, Data::String(t) if t == "辅助列") {
                ws.set_column_hidden(c as u16).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

/// Files, not models: a few compositions written as .xlsx, and converted by
/// LibreOffice to .xls and .ods, read back exactly.
#[test]
fn compositions_round_trip_through_xlsx_xls_and_ods() {
    let w = common::Workdir::new();
    let layouts: Vec<Vec<u8>> = vec![
        // Title, context line, level split under 资金规模, 本月/累计 pairs, unlabelled total first.
        vec![
            2, 3, 2, 0, 2, 1, 0, 4, 1, 1, 0, 0, 2, 0, 0, 0, 1, 2, 7, 0, 0, 0, 0, 1, 2, 0, 1, 0, 1,
            0, 0, 0, 0, 0,
        ],
        // Sections with sums, notes, 元 in a context line, payment sheet with month dates, by name.
        vec![
            1, 3, 2, 1, 1, 0, 1, 0, 2, 0, 0, 1, 3, 1, 0, 0, 0, 3, 0, 1, 4, 1, 1, 0, 1, 1, 0, 1, 0,
            0, 1, 1, 1, 0,
        ],
        // Merged-down groups, subtotals above, fund split under 资金来源, months with 累计, 千元.
        vec![
            1, 2, 0, 2, 1, 1, 1, 3, 2, 0, 2, 0, 1, 0, 0, 1, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 2, 0, 1,
            1, 0, 0, 0, 0,
        ],
        // Four header rows: a top band over 资金来源 / 财政衔接资金 / 中央 …, and
        // 2024年 / 1月 / 本月 | 累计 pairs; a title, unlabelled total last.
        vec![
            1, 0, 0, 0, 2, 1, 1, 4, 2, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 1, 1, 1,
        ],
    ];
    let mut files = Vec::new();
    for (i, b) in layouts.iter().enumerate() {
        let l = Layout::from_bytes(b);
        let name = format!("l{i}.xlsx");
        write_xlsx(&l, &w.path(&name));
        files.push((l, i));
    }
    let mut formats = vec!["xlsx"];
    if let Some(soffice) = common::soffice() {
        for ext in ["xls", "ods"] {
            let mut cmd = std::process::Command::new(&soffice);
            cmd.args(["--headless", "--convert-to", ext, "--outdir"])
                .arg(w.dir.path());
            for (_, i) in &files {
                cmd.arg(w.path(&format!("l{i}.xlsx")));
            }
            let out = cmd.output().expect("soffice runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            formats.push(ext);
        }
    } else {
        eprintln!("soffice not found: .xls and .ods round trips skipped");
    }
    for ext in formats {
        for (l, i) in &files {
            let path = w.path(&format!("l{i}.{ext}"));
            let book = jixiao::read::book::open_book(&path).unwrap();
            check_book(l, book).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

/// The renamed layout is unreadable without its mapping file (the words are
/// truly unknown to the reader), and reads exactly with it.
#[test]
fn renamed_headers_are_read_through_the_mapping_file_only() {
    let mut b = [0u8; BYTES];
    b[37] = 1;
    let l = Layout::from_bytes(&b);
    let err = analyse_book(
        std::path::Path::new("台账.xlsx"),
        book(&l),
        Some(as_of()),
        None,
        &Mapping::default(),
    )
    .err()
    .expect("renamed headers without a mapping are refused");
    assert!(err.contains("缺少必填列"), "{err}");
    check(&l).unwrap();
}

// ------------------------------------------------- refusal rules, composed

fn col_index(letters: &str) -> u32 {
    letters
        .bytes()
        .fold(0u32, |n, b| n * 26 + (b - b'A' + 1) as u32)
        - 1
}

/// The header cell of the column read as `field` on the sheet read as
/// `role` (its label's own cell in the header band), with the sheet's index.
fn header_cell_of(
    b: &RawBook,
    reading: &[jixiao::model::reading::SheetReading],
    role: &str,
    field: &str,
) -> Option<(usize, u32, u32)> {
    let sr = reading.iter().find(|s| s.role == role)?;
    let c = sr
        .columns
        .iter()
        .find(|c| c.field.as_deref() == Some(field))?;
    let col = col_index(&c.column);
    // The label, not the unit row under it (“累计拨付/万元”).
    let leaf = c
        .header
        .rsplit('/')
        .find(|p| jixiao::read::layout::MoneyUnit::parse(p).is_none())?;
    let leaf = jixiao::read::layout::normalize_header(leaf).0;
    let si = b.sheets.iter().position(|s| s.name == sr.sheet)?;
    let row = sr.header_rows.iter().map(|r| r - 1).find(|r| {
        matches!(b.sheets[si].cell(*r, col), Data::String(t)
            if jixiao::read::layout::normalize_header(t).0 == leaf)
    })?;
    Some((si, row, col))
}

fn read_layout(l: &Layout, b: RawBook) -> Result<jixiao::analysis::Outcome, String> {
    analyse_book(
        std::path::Path::new("台账.xlsx"),
        b,
        Some(as_of()),
        Some("某某镇"),
        &mapping(l),
    )
}

fn codes_of(o: &jixiao::analysis::Outcome) -> Vec<&'static str> {
    o.report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.finding.code())
        .collect()
}

/// The refusal rules hold whatever shape the ledger takes: each rule's
/// case built into random compositions of the transformations.
/// - no unit anywhere, amounts in 元: an error (R039 / R085 / R084), never 万元 silently;
/// - the paid column under a header no rule reads (已到位资金): R080, paid never a silent 0;
/// - the payment sheet in 元 with no unit, the projects in 万元: R084 (or R039 / R085);
/// - projects on two sheets of two years: refused, R114;
/// - a fund text naming two funds: kept as written, R049.
#[test]
fn refusal_rules_hold_under_any_composition() {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 120,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, b"jixiao-layouts-refusals-00000001"),
    );
    // Cases that reached each rule's assertion.
    let checked: [std::sync::atomic::AtomicUsize; 5] = Default::default();
    runner
        .run(&(layout_bytes(), 0u8..5), |(bytes, rule)| {
            let mut l = Layout::from_bytes(&bytes);
            // The rules concern what the reader is not told: no mapping.
            l.renamed = false;
            let spec: Vec<String> = bytes
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0)
                .map(|(i, v)| format!("{i}:{v}"))
                .collect();
            let ctx = format!("rule {rule} LAYOUT={}", spec.join(","));
            match rule {
                0 => {
                    // 元, stated nowhere, no unit word in any cell.
                    l.unit_at = 3;
                    l.unit = 1;
                    l.unit_spelling = 0;
                    l.unit_override = false;
                    if l.amount_marks == 1 {
                        l.amount_marks = 0;
                    }
                    let o = read_layout(&l, book(&l))
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: fatal {e}")))?;
                    let c = codes_of(&o);
                    prop_assert!(
                        c.iter().any(|c| ["R039", "R085", "R084"].contains(c)),
                        "{ctx}: 元 read as 万元 silently: {:?}",
                        c
                    );
                }
                1 => {
                    // The paid column under a header no rule reads.
                    l.paid = 1;
                    l.pay_pairs = 0;
                    l.month_spelling = 0;
                    let b = book(&l);
                    let o = read_layout(&l, b.clone_book())
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                    let (si, r, c) = header_cell_of(&b, &o.ledger.reading, "项目表", "paid")
                        .or_else(|| header_cell_of(&b, &o.ledger.reading, "项目", "paid"))
                        .ok_or_else(|| {
                            TestCaseError::fail(format!(
                                "{ctx}: no paid column in {:?}",
                                o.ledger
                                    .reading
                                    .iter()
                                    .map(|s| (&s.role, &s.columns))
                                    .collect::<Vec<_>>()
                            ))
                        })?;
                    let mut b = b;
                    let unit = match b.sheets[si].cell(r, c) {
                        Data::String(t) => jixiao::read::layout::normalize_header(t).1,
                        _ => None,
                    };
                    let label = match unit {
                        Some(u) => format!("已到位资金（{}）", u.name()),
                        None => "已到位资金".to_string(),
                    };
                    b.sheets[si].set_value((r, c), Data::String(label));
                    let o = read_layout(&l, b)
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                    prop_assert!(
                        codes_of(&o).contains(&"R080"),
                        "{ctx}: {:#?}",
                        o.report.problems
                    );
                }
                2 => {
                    // Payments in 元 under a bare header; the projects in 万元.
                    l.paid = 0;
                    l.pay_pairs = 0;
                    l.unit_at = 0;
                    l.unit = 0;
                    l.unit_spelling = 0;
                    l.text_numbers = 0;
                    l.amount_marks = 0;
                    let b = book(&l);
                    let o = read_layout(&l, b.clone_book())
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                    let mut b = b;
                    for sr in o.ledger.reading.iter().filter(|s| s.role.contains("拨付")) {
                        let Some(c) = sr
                            .columns
                            .iter()
                            .find(|c| c.field.as_deref() == Some("amount"))
                        else {
                            continue;
                        };
                        let col = col_index(&c.column);
                        let si = b.sheets.iter().position(|s| s.name == sr.sheet).unwrap();
                        let top = *sr.header_rows.last().unwrap();
                        let cells: Vec<(u32, Data)> = b.sheets[si]
                            .used_cells()
                            .filter(|(r, cc, _)| *cc == col && *r < top)
                            .map(|(r, _, v)| (r, v.clone()))
                            .collect();
                        for (r, v) in cells {
                            if let Data::String(t) = v {
                                b.sheets[si].set_value(
                                    (r, col),
                                    Data::String(jixiao::read::layout::normalize_header(&t).0),
                                );
                            }
                        }
                        let amounts: Vec<(u32, f64)> = b.sheets[si]
                            .used_cells()
                            .filter(|(r, cc, _)| *cc == col && *r + 1 > top)
                            .filter_map(|(r, _, v)| match v {
                                Data::Float(f) => Some((r, *f)),
                                _ => None,
                            })
                            .collect();
                        for (r, f) in amounts {
                            let d =
                                Decimal::from_str(&f.to_string()).unwrap() * Decimal::from(10_000);
                            b.sheets[si]
                                .set_value((r, col), Data::Float(d.to_string().parse().unwrap()));
                        }
                    }
                    let o = read_layout(&l, b)
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                    let c = codes_of(&o);
                    prop_assert!(
                        c.iter().any(|c| ["R084", "R039", "R085"].contains(c)),
                        "{ctx}: payments in 元 read as 万元 silently: {:?}",
                        c
                    );
                }
                3 => {
                    // Projects on two sheets of two years.
                    l.project_split = true;
                    l.stacked = false;
                    let mut b = book(&l);
                    let names = ["2023年衔接资金项目", "2024年整合资金项目"];
                    let mut k = 0;
                    for s in b.sheets.iter_mut().filter(|s| s.name.ends_with("资金项目")) {
                        s.name = names[k.min(1)].to_string();
                        k += 1;
                    }
                    prop_assert_eq!(k, 2);
                    let e = match read_layout(&l, b) {
                        Err(e) => e,
                        Ok(_) => return Err(TestCaseError::fail(format!("{ctx}: two years read"))),
                    };
                    prop_assert!(e.starts_with("R114"), "{ctx}: {e}");
                }
                _ => {
                    // A fund text naming two funds, in a one-column budget.
                    l.budget = 0;
                    let b = book(&l);
                    let o = read_layout(&l, b.clone_book())
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                    let Some((si, _, col)) =
                        header_cell_of(&b, &o.ledger.reading, "项目表", "fund_source").or_else(
                            || header_cell_of(&b, &o.ledger.reading, "项目", "fund_source"),
                        )
                    else {
                        // Sections carry the fund: no column to write in.
                        return Ok(());
                    };
                    let row = b.sheets[si]
                        .used_cells()
                        .find(|(_, _, v)| matches!(v, Data::String(t) if t == "肉牛养殖场建设"))
                        .map(|(r, ..)| r);
                    let Some(row) = row else { return Ok(()) };
                    let mut b = b;
                    if matches!(b.sheets[si].cell(row, col), Data::Empty) {
                        // Merged down: the text sits above.
                        return Ok(());
                    }
                    b.sheets[si].set_value((row, col), Data::String("衔接资金+整合资金".into()));
                    let o = read_layout(&l, b)
                        .map_err(|e| TestCaseError::fail(format!("{ctx}: {e}")))?;
                    let p = o
                        .report
                        .projects
                        .iter()
                        .find(|p| p.name == "肉牛养殖场建设")
                        .unwrap();
                    prop_assert_eq!(p.fund_source.as_str(), "衔接资金+整合资金", "{}", ctx);
                    prop_assert!(
                        o.report.problems.iter().any(|p| p.finding.code() == "R049"),
                        "{ctx}: {:#?}",
                        o.report.problems
                    );
                }
            }
            checked[rule as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    for (rule, n) in checked.iter().enumerate() {
        let n = n.load(std::sync::atomic::Ordering::Relaxed);
        assert!(n >= 8, "rule {rule} checked in {n} cases only");
    }
}
