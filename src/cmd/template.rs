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
    if args.output.exists() && !args.force {
        return Err(format!(
            "输出文件 {} 已存在；如要覆盖请加 --force",
            args.output.display()
        ));
    }
    let bytes = crate::write::xlsx::render(&crate::write::template::template_sheets())?;
    crate::write::xlsx::write_atomic(&args.output, &bytes, args.force)?;
    eprintln!("已写出标准工作簿模板：{}", args.output.display());
    Ok(crate::exit::OK)
}
