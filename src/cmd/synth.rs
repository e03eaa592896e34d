//! `jixiao synth`: generated township workbooks for trials and benchmarks.

use crate::synth::{SynthOptions, township_path, township_sheets};
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 乡镇数（工作簿个数）
    #[arg(long, default_value_t = 10)]
    pub townships: usize,
    /// 每个乡镇的项目数
    #[arg(long, default_value_t = 20)]
    pub projects: usize,
    /// 每个乡镇的拨付笔数
    #[arg(long, default_value_t = 60)]
    pub payments: usize,
    /// 每隔几个乡镇用一次“真实台账”格式（0 为不用）
    #[arg(long = "messy-every", default_value_t = 5)]
    pub messy_every: usize,
    /// 随机种子
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// 年度
    #[arg(long, default_value_t = 2024)]
    pub year: i32,
    /// 输出文件夹
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// 覆盖文件夹中同名的工作簿
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: &Args) -> Result<i32, String> {
    let o = SynthOptions {
        townships: a.townships,
        projects: a.projects,
        payments: a.payments,
        messy_every: a.messy_every,
        seed: a.seed,
        year: a.year,
    };
    // The output rules of every command: each workbook checked (an
    // existing one needs --force) before any is written, all renamed into
    // place together.
    if a.output.exists() && !a.output.is_dir() {
        return Err(crate::model::Finding::BadArguments.fatal(format!(
            "-o {} 是文件，不是文件夹；请给出一个文件夹",
            a.output.display()
        )));
    }
    let mut plan = crate::output::Plan::new(a.force);
    let targets: Vec<std::path::PathBuf> = (0..o.townships)
        .map(|t| township_path(&a.output, t))
        .collect();
    let created = !a.output.exists();
    std::fs::create_dir_all(&a.output)
        .map_err(|e| crate::output::io_fatal(&e, format!("建立文件夹 {} ", a.output.display())))?;
    let planned = (|| {
        for t in &targets {
            plan.add(t, "工作簿")?;
        }
        // About 12 KB a township of 20 projects and 60 payments (measured).
        plan.expect_bytes(
            (o.townships as u64)
                .saturating_mul(4_000 + 300 * o.projects as u64 + 60 * o.payments as u64),
        );
        plan.lock()
    })();
    if let Err(e) = planned {
        if created {
            let _ = std::fs::remove_dir(&a.output);
        }
        return Err(e);
    }
    let mut stage = plan.stage()?;
    stage.xlsx_each(&targets, crate::output::Kind::Ledger, |t| {
        township_sheets(&o, t)
    })?;
    let files = stage.commit_quiet()?;
    eprintln!("共 {} 个工作簿，在 {}", files.len(), a.output.display());
    let p = crate::synth::planted(&o);
    eprintln!(
        "按截止日期 {} 有意埋设：晚于截止日期的拨付 {} 笔，超过预算拨付的项目 {} 个，超过结算金额拨付的项目 {} 个（report 对这些各提示一条，共 {} 条；一个台账中晚于截止日期的拨付超过 {} 笔时，按项目各提示一条）；另有资金退回 {} 笔，资金性质与项目不同的拨付 {} 笔（report 按项目各提示一条）",
        crate::synth::cutoff(a.year),
        p.late_payments,
        p.over_budget,
        p.over_settled,
        p.notices(),
        crate::compute::LATE_NOTICES_EACH,
        p.refunds,
        p.other_fund
    );
    Ok(crate::exit::OK)
}
