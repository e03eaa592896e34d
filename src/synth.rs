//! Realistic synthetic township workbooks for tests and benchmarks: the
//! categories, fund sources, statuses and payment patterns of real ledgers,
//! some in the messy layout clerks keep (title, 单位：元 line, two-row header,
//! amounts in 元 as text, dates as text). Deterministic for a seed.

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
    yuan_cents: i64,
    fund: Option<&'static str>,
}

fn wan(yuan: i64) -> Decimal {
    Decimal::new(yuan, 4)
}

fn gen_township(
    rng: &mut Rng,
    t: usize,
    projects: usize,
    payments: usize,
    year: i32,
) -> (Vec<P>, Vec<Pay>) {
    let total_weight: u64 = KINDS.iter().map(|k| k.2).sum();
    let day0 = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
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
            let budget = match kind.0 {
                "其他项目" => 10_000 + rng.below(90_000) as i64,
                _ => 200_000 + rng.below(2_800_000) as i64,
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
            let settled = matches!(status, "已完工" | "已结算")
                .then(|| budget - (budget * rng.below(12) as i64 / 100));
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
    let mut pays = Vec::with_capacity(payments);
    if !ps.is_empty() {
        for _ in 0..payments {
            let project = rng.below(ps.len() as u64) as usize;
            let p = &ps[project];
            let cap = p.settled.unwrap_or(p.budget) * 100;
            // Payments are slices of the project's money; a few are refunds.
            let mut cents = cap / (3 + rng.below(8) as i64) / 100 * 100;
            if rng.chance(2) {
                cents = -cents / 10;
            }
            let date = p.start + chrono::Duration::days(rng.below(420) as i64);
            let fund = if rng.chance(10) {
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
                yuan_cents: cents,
                fund,
            });
        }
    }
    (ps, pays)
}

fn info_sheet(unit: &str, year: i32) -> Sheet {
    let mut s = Sheet::new("说明");
    s.text(0, 0, "单位名称", Role::Raw);
    s.text(0, 1, unit, Role::Raw);
    s.text(1, 0, "年度", Role::Raw);
    s.put(1, 1, Value::Number(year.into()), Role::Raw);
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
        b.put(
            r,
            2,
            Value::Number(Decimal::new(x.yuan_cents, 6)),
            Role::Money,
        );
        if let Some(f) = x.fund {
            b.text(r, 3, f, Role::Text);
        }
        b.text(r, 4, format!("记-{:05}", i + 1), Role::Text);
        b.text(
            r,
            5,
            if x.yuan_cents < 0 {
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
        b.text(r, 3, yuan_text(x.yuan_cents), Role::Raw);
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

/// Write the workbooks; returns their paths.
pub fn write_townships(dir: &Path, o: &SynthOptions) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
    use rayon::prelude::*;
    (0..o.townships)
        .into_par_iter()
        .map(|t| {
            let mut rng = Rng::new(o.seed.wrapping_mul(1_000_003).wrapping_add(t as u64));
            let unit = township_name(t);
            let (ps, pays) = gen_township(&mut rng, t, o.projects, o.payments, o.year);
            let messy = o.messy_every > 0 && t % o.messy_every == o.messy_every - 1;
            let sheets = if messy {
                messy_sheets(&unit, o.year, &ps, &pays)
            } else {
                standard_sheets(&unit, o.year, &ps, &pays)
            };
            let path = dir.join(format!("{t:05}-{unit}.xlsx"));
            crate::write::xlsx::save_atomic(&sheets, &path, true)?;
            Ok(path)
        })
        .collect()
}
