//! Realistic synthetic township workbooks for tests and benchmarks: the
//! categories, fund sources, statuses and payment patterns of real ledgers,
//! some in the messy layout clerks keep (title, 单位：元 line, two-row header,
//! amounts in 元 as text, dates as text). Deterministic for a seed.
//!
//! Ledgers look kept: amounts to the 元 (万元 with at most 4 decimals),
//! budgets in hundreds of 元, each project paid a share of its settled (else
//! budget) amount that fits its stage, in date order before the cut-off its
//! 说明 sheet names (year end). The oddities are few and counted
//! ([`Planted`], [`planted`]), so a `report` on them says a known number of
//! things.

use crate::write::sheet::{Role, Sheet, Value};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// SplitMix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub struct SynthOptions {
    pub townships: usize,
    pub projects: usize,
    pub payments: usize,
    /// Every n-th township in the messy layout (0: none).
    pub messy_every: usize,
    pub seed: u64,
    pub year: i32,
}

const SYLLABLES: &[&str] = &[
    "靖", "宇", "安", "河", "南", "东", "西", "永", "生", "和", "平", "兴", "隆", "新", "华", "丰",
    "泉", "山", "林", "阳",
];
const KINDS: &[(&str, &str, u64)] = &[
    ("产业项目", "牛舍建设项目", 20),
    ("产业项目", "“以奖代补”产业补助", 15),
    ("产业项目", "食用菌大棚项目", 15),
    ("基础设施建设项目", "村道硬化项目", 20),
    ("基础设施建设项目", "边沟及路灯项目", 10),
    ("基础设施建设项目", "饮水安全巩固提升", 5),
    ("其他项目", "“雨露计划”补助", 7),
    ("其他项目", "务工一次性交通补助", 5),
    ("其他项目", "村庄规划编制", 3),
];

pub fn township_name(i: usize) -> String {
    let a = SYLLABLES[i % SYLLABLES.len()];
    let b = SYLLABLES[(i / SYLLABLES.len() + 7) % SYLLABLES.len()];
    let n = i / (SYLLABLES.len() * SYLLABLES.len());
    if n == 0 {
        format!("{a}{b}镇")
    } else {
        format!("{a}{b}{n}镇")
    }
}

struct P {
    id: String,
    name: String,
    category: &'static str,
    fund: &'static str,
    /// 元 (whole yuan keeps 万元 at 4 decimals)
    budget: i64,
    settled: Option<i64>,
    status: &'static str,
    start: NaiveDate,
    end: NaiveDate,
}

struct Pay {
    project: usize,
    date: NaiveDate,
    /// 元, whole: 万元 at most 4 decimals. Negative: 资金退回.
    yuan: i64,
    fund: Option<&'static str>,
}

fn wan(yuan: i64) -> Decimal {
    Decimal::new(yuan, 4)
}

/// The cut-off the workbooks are made for (their 说明 sheet says so):
/// the last day of the year.
pub fn cutoff(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year")
}

/// The oddities planted on purpose, few and counted. On `report` as of
/// [`cutoff`] each late payment and each overpaid project gives exactly one
/// 提示; nothing else planted gives any (refunds and payments booked to the
/// other fund are ordinary). Every other payment is dated before the
/// cut-off and every other project is paid within its settled (else
/// budget) amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Planted {
    /// Payments dated after the cut-off (January–March of the next year).
    pub late_payments: usize,
    /// Projects without a settled amount paid beyond their budget.
    pub over_budget: usize,
    /// Settled projects paid beyond the settled amount (still within budget).
    pub over_settled: usize,
    /// Negative payments (资金退回), within what the project was paid.
    pub refunds: usize,
    /// Payments whose 资金性质 differs from their project's.
    pub other_fund: usize,
}

impl Planted {
    fn add(&mut self, o: &Planted) {
        self.late_payments += o.late_payments;
        self.over_budget += o.over_budget;
        self.over_settled += o.over_settled;
        self.refunds += o.refunds;
        self.other_fund += o.other_fund;
    }
    /// The 提示 `report` gives for them as of the cut-off (one each).
    pub fn notices(&self) -> usize {
        self.late_payments + self.over_budget + self.over_settled
    }
}

/// Per mille: late payments, overpaid projects, refunds (of projects with
/// two payments or more), payments to the other fund.
const LATE_PER_MILLE: u64 = 5;
const OVERPAID_PER_MILLE: u64 = 10;
const REFUND_PER_MILLE: u64 = 30;
const OTHER_FUND_PER_MILLE: u64 = 50;

fn gen_township(
    rng: &mut Rng,
    t: usize,
    projects: usize,
    payments: usize,
    year: i32,
) -> (Vec<P>, Vec<Pay>, Planted) {
    let total_weight: u64 = KINDS.iter().map(|k| k.2).sum();
    let day0 = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let cut = cutoff(year);
    let ps: Vec<P> = (0..projects)
        .map(|i| {
            let mut w = rng.below(total_weight);
            let kind = KINDS
                .iter()
                .find(|k| {
                    if w < k.2 {
                        true
                    } else {
                        w -= k.2;
                        false
                    }
                })
                .unwrap_or(&KINDS[0]);
            // Budgets in hundreds of 元: 1万–10万 for subsidies, 20万–300万 for works.
            let budget = match kind.0 {
                "其他项目" => (100 + rng.below(900) as i64) * 100,
                _ => (2_000 + rng.below(28_000) as i64) * 100,
            };
            let fund = if rng.chance(60) {
                "衔接资金"
            } else {
                "整合资金"
            };
            let status = match rng.below(10) {
                0 => "未开工",
                1..=3 => "在建",
                4..=6 => "已完工",
                _ => "已结算",
            };
            // Settled (审定) amounts: a few percent under budget, to the 元.
            let settled = matches!(status, "已完工" | "已结算").then(|| {
                let cut = budget * rng.below(12) as i64 / 100 + rng.below(100) as i64;
                (budget - cut).max(budget / 2)
            });
            let start = day0 + chrono::Duration::days(60 + rng.below(150) as i64);
            P {
                id: format!("T{t:05}-{:05}", i + 1),
                name: format!(
                    "{}{}村{}",
                    township_name(t),
                    SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize],
                    kind.1
                ),
                category: kind.0,
                fund,
                budget,
                settled,
                status,
                start,
                end: start + chrono::Duration::days(60 + rng.below(120) as i64),
            }
        })
        .collect();
    let mut planted = Planted::default();
    let mut pays = Vec::with_capacity(payments);
    if ps.is_empty() {
        return (ps, pays, planted);
    }
    // Payments go to projects under way; each project's are slices of a
    // share of its money that fits its stage.
    let mut pool: Vec<usize> = (0..ps.len())
        .filter(|&i| ps[i].status != "未开工")
        .collect();
    if pool.is_empty() {
        pool = (0..ps.len()).collect();
    }
    let mut count = vec![0usize; ps.len()];
    for _ in 0..payments {
        count[pool[rng.below(pool.len() as u64) as usize]] += 1;
    }
    let last_day = NaiveDate::from_ymd_opt(year, 12, 20).expect("valid year");
    for (i, p) in ps.iter().enumerate() {
        let k = count[i];
        if k == 0 {
            continue;
        }
        let cap = p.settled.unwrap_or(p.budget);
        let percent = match p.status {
            "在建" => 30 + rng.below(41),
            "已完工" => 70 + rng.below(28),
            "已结算" => 90 + rng.below(11),
            _ => 10 + rng.below(21),
        } as i64;
        let target = cap * percent / 100;
        let weights: Vec<i64> = (0..k).map(|_| 1 + rng.below(9) as i64).collect();
        let total: i64 = weights.iter().sum();
        let mut yuan: Vec<i64> = weights
            .iter()
            .map(|w| (target * w / total).max(1))
            .collect();
        // A few projects paid beyond what they may be.
        if rng.below(1000) < OVERPAID_PER_MILLE {
            let paid: i64 = yuan.iter().sum();
            let to = match p.settled {
                None => Some(p.budget + (p.budget * (1 + rng.below(5) as i64) / 100).max(1)),
                Some(s) if s < p.budget => {
                    Some(s + (s * (1 + rng.below(3) as i64) / 100).clamp(1, p.budget - s))
                }
                Some(_) => None,
            };
            if let Some(to) = to {
                yuan[k - 1] += to - paid;
                if p.settled.is_some() {
                    planted.over_settled += 1;
                } else {
                    planted.over_budget += 1;
                }
                // Paid before the cut-off, so the excess shows.
                push_payments(rng, &mut pays, &mut planted, i, p, &yuan, last_day, None);
                continue;
            }
        }
        // Now and then part of the first payment comes back.
        if k >= 2 && rng.below(1000) < REFUND_PER_MILLE {
            let back = yuan[0] * (5 + rng.below(16) as i64) / 100;
            if back > 0 {
                let j = 1 + rng.below(k as u64 - 1) as usize;
                yuan[j] = -back;
                planted.refunds += 1;
            }
        }
        push_payments(
            rng,
            &mut pays,
            &mut planted,
            i,
            p,
            &yuan,
            last_day,
            Some(cut),
        );
    }
    // A ledger is kept in date order.
    pays.sort_by_key(|x| x.date);
    (ps, pays, planted)
}

/// One project's payments, dated in order between its start and the end of
/// its works (by 20 December); with `late_after`, a few positive ones are
/// dated after that cut-off instead.
#[allow(clippy::too_many_arguments)]
fn push_payments(
    rng: &mut Rng,
    pays: &mut Vec<Pay>,
    planted: &mut Planted,
    project: usize,
    p: &P,
    yuan: &[i64],
    last_day: NaiveDate,
    late_after: Option<NaiveDate>,
) {
    let lo = p.start;
    let hi = (p.end + chrono::Duration::days(30)).min(last_day).max(lo);
    let span = (hi - lo).num_days() as u64;
    let mut dates: Vec<NaiveDate> = yuan
        .iter()
        .map(|_| lo + chrono::Duration::days(rng.below(span + 1) as i64))
        .collect();
    // In order: a refund (never the first) comes after what it returns.
    dates.sort();
    for (j, &y) in yuan.iter().enumerate() {
        let mut date = dates[j];
        if let Some(cut) = late_after
            && y > 0
            && rng.below(1000) < LATE_PER_MILLE
        {
            date = cut + chrono::Duration::days(1 + rng.below(90) as i64);
            planted.late_payments += 1;
        }
        let fund = if rng.below(1000) < OTHER_FUND_PER_MILLE {
            planted.other_fund += 1;
            Some(if p.fund == "衔接资金" {
                "整合资金"
            } else {
                "衔接资金"
            })
        } else {
            None
        };
        pays.push(Pay {
            project,
            date,
            yuan: y,
            fund,
        });
    }
}

fn info_sheet(unit: &str, year: i32) -> Sheet {
    let mut s = Sheet::new("说明");
    s.text(0, 0, "单位名称", Role::Raw);
    s.text(0, 1, unit, Role::Raw);
    s.text(1, 0, "年度", Role::Raw);
    s.put(1, 1, Value::Number(year.into()), Role::Raw);
    s.text(2, 0, "截止日期", Role::Raw);
    s.put(2, 1, Value::Date(cutoff(year)), Role::Date);
    s
}

fn standard_sheets(unit: &str, year: i32, ps: &[P], pays: &[Pay]) -> Vec<Sheet> {
    let mut p = Sheet::new("项目");
    p.stream = true;
    for (i, h) in [
        "项目编号",
        "项目名称",
        "项目类别",
        "资金性质",
        "预算金额（万元）",
        "结算金额（万元）",
        "建设状态",
        "开工日期",
        "完工日期",
    ]
    .iter()
    .enumerate()
    {
        p.text(0, i as u16, *h, Role::Header);
    }
    for (i, x) in ps.iter().enumerate() {
        let r = 1 + i as u32;
        p.text(r, 0, x.id.clone(), Role::Text);
        p.text(r, 1, x.name.clone(), Role::Text);
        p.text(r, 2, x.category, Role::Text);
        p.text(r, 3, x.fund, Role::Text);
        p.put(r, 4, Value::Number(wan(x.budget)), Role::Money);
        p.put(
            r,
            5,
            x.settled
                .map(|s| Value::Number(wan(s)))
                .unwrap_or(Value::Empty),
            Role::Money,
        );
        p.text(r, 6, x.status, Role::Text);
        p.put(r, 7, Value::Date(x.start), Role::Date);
        p.put(r, 8, Value::Date(x.end), Role::Date);
    }
    let mut b = Sheet::new("拨付");
    b.stream = true;
    for (i, h) in [
        "项目编号",
        "拨付日期",
        "拨付金额（万元）",
        "资金性质",
        "凭证号",
        "摘要",
    ]
    .iter()
    .enumerate()
    {
        b.text(0, i as u16, *h, Role::Header);
    }
    for (i, x) in pays.iter().enumerate() {
        let r = 1 + i as u32;
        b.text(r, 0, ps[x.project].id.clone(), Role::Text);
        b.put(r, 1, Value::Date(x.date), Role::Date);
        b.put(r, 2, Value::Number(wan(x.yuan)), Role::Money);
        if let Some(f) = x.fund {
            b.text(r, 3, f, Role::Text);
        }
        b.text(r, 4, format!("记-{:05}", i + 1), Role::Text);
        b.text(
            r,
            5,
            if x.yuan < 0 {
                "资金退回"
            } else {
                "工程款"
            },
            Role::Text,
        );
    }
    vec![p, b, info_sheet(unit, year)]
}

fn yuan_text(cents: i64) -> String {
    let neg = cents < 0;
    let c = cents.abs();
    let digits = (c / 100).to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}{out}.{:02}", if neg { "-" } else { "" }, c % 100)
}

fn messy_sheets(unit: &str, year: i32, ps: &[P], pays: &[Pay]) -> Vec<Sheet> {
    let mut p = Sheet::new("项目台账");
    p.text(0, 0, format!("{unit}{year}年度衔接资金项目台账"), Role::Raw);
    p.merge(0, 0, 0, 9);
    p.text(1, 8, "单位：元", Role::Raw);
    for (c, h) in [
        (0, "序号"),
        (1, "项目代码"),
        (2, "项目名称"),
        (3, "项目类型"),
        (4, "资金规模（元）"),
        (8, "项目状态"),
        (9, "开工时间"),
    ] {
        p.text(2, c, h, Role::Raw);
    }
    for (c, h) in [
        (4, "预算"),
        (5, "结算"),
        (6, "衔接资金"),
        (7, "其他整合资金"),
    ] {
        p.text(3, c, h, Role::Raw);
    }
    p.merge(2, 4, 2, 7);
    let total: i64 = ps.iter().map(|x| x.budget).sum();
    p.text(4, 0, "合计", Role::Raw);
    p.text(4, 4, yuan_text(total * 100), Role::Raw);
    for (i, x) in ps.iter().enumerate() {
        let r = 5 + i as u32;
        p.put(r, 0, Value::Number((i + 1).into()), Role::Raw);
        p.text(r, 1, format!(" {} ", x.id), Role::Raw);
        p.text(r, 2, x.name.clone(), Role::Raw);
        p.text(
            r,
            3,
            if x.category == "产业项目" {
                "产业发展"
            } else if x.category == "基础设施建设项目" {
                "基础设施"
            } else {
                "其他项目"
            },
            Role::Raw,
        );
        p.text(r, 4, yuan_text(x.budget * 100), Role::Raw);
        if let Some(s) = x.settled {
            p.text(r, 5, yuan_text(s * 100), Role::Raw);
        }
        p.text(
            r,
            if x.fund == "衔接资金" { 6 } else { 7 },
            yuan_text(x.budget * 100),
            Role::Raw,
        );
        p.text(
            r,
            8,
            if x.status == "在建" {
                "施工中"
            } else if x.status == "已完工" {
                "完工未结算"
            } else {
                x.status
            },
            Role::Raw,
        );
        p.text(
            r,
            9,
            x.start.format("%Y年%-m月%-d日").to_string(),
            Role::Raw,
        );
    }
    let mut b = Sheet::new("资金拨付");
    b.text(0, 0, "单位：元", Role::Raw);
    for (c, h) in ["序号", "项目代码", "支付日期", "支付金额", "资金类型"]
        .iter()
        .enumerate()
    {
        b.text(1, c as u16, *h, Role::Raw);
    }
    for (i, x) in pays.iter().enumerate() {
        let r = 2 + i as u32;
        b.put(r, 0, Value::Number((i + 1).into()), Role::Raw);
        b.text(r, 1, ps[x.project].id.clone(), Role::Raw);
        let d = x.date;
        let date = match i % 4 {
            0 => d.format("%Y/%-m/%-d").to_string(),
            1 => d.format("%Y.%m.%d").to_string(),
            2 => d.format("%Y%m%d").to_string(),
            _ => d.format("%Y年%-m月%-d日").to_string(),
        };
        b.text(r, 2, date, Role::Raw);
        b.text(r, 3, yuan_text(x.yuan * 100), Role::Raw);
        if let Some(f) = x.fund {
            b.text(
                r,
                4,
                if f == "衔接资金" {
                    "中央衔接推进乡村振兴补助资金"
                } else {
                    "其他涉农整合资金"
                },
                Role::Raw,
            );
        }
    }
    vec![p, b, info_sheet(unit, year)]
}

fn township_rng(o: &SynthOptions, t: usize) -> Rng {
    Rng::new(o.seed.wrapping_mul(1_000_003).wrapping_add(t as u64))
}

/// What [`write_townships`] plants with these options, in all workbooks
/// together (generated again, without writing: it is quick).
pub fn planted(o: &SynthOptions) -> Planted {
    use rayon::prelude::*;
    (0..o.townships)
        .into_par_iter()
        .map(|t| gen_township(&mut township_rng(o, t), t, o.projects, o.payments, o.year).2)
        .reduce(Planted::default, |mut a, b| {
            a.add(&b);
            a
        })
}

/// The path of township `t`'s workbook in `dir`.
pub fn township_path(dir: &Path, t: usize) -> PathBuf {
    dir.join(format!("{t:05}-{}.xlsx", township_name(t)))
}

/// The sheets of township `t`'s workbook.
pub fn township_sheets(o: &SynthOptions, t: usize) -> Vec<Sheet> {
    let mut rng = township_rng(o, t);
    let unit = township_name(t);
    let (ps, pays, _) = gen_township(&mut rng, t, o.projects, o.payments, o.year);
    let messy = o.messy_every > 0 && t % o.messy_every == o.messy_every - 1;
    if messy {
        messy_sheets(&unit, o.year, &ps, &pays)
    } else {
        standard_sheets(&unit, o.year, &ps, &pays)
    }
}

/// Write the workbooks (replacing any of the same names: for tests and
/// benchmarks; `jixiao synth` goes through an output plan); returns their
/// paths.
pub fn write_townships(dir: &Path, o: &SynthOptions) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::output::io_fatal(&e, format!("建立文件夹 {} ", dir.display())))?;
    use rayon::prelude::*;
    (0..o.townships)
        .into_par_iter()
        .map(|t| {
            let path = township_path(dir, t);
            crate::output::write_file(
                &township_sheets(o, t),
                &path,
                true,
                crate::output::Kind::Ledger,
            )?;
            Ok(path)
        })
        .collect()
}
