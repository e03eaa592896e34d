//! `jixiao template -o FILE.xlsx`: the blank standard workbook.

use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 输出文件（.xlsx）
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<i32, String> {
    let mut plan = crate::output::Plan::new(args.force);
    let output = plan.add(&crate::output::xlsx_path(&args.output, "-o")?, "模板")?;
    let mut stage = plan.stage()?;
    // Marked as a template: a filled-in copy is a ledger, read like any other.
    stage.xlsx(
        &output,
        &crate::write::template::template_sheets(),
        crate::output::Kind::Template,
    )?;
    stage.commit()?;
    Ok(crate::exit::OK)
}
