use clap::{Parser, Subcommand};
use jixiao::cmd;

/// jixiao（绩效）：衔接资金、整合资金的执行率、待拨付、结余与报表
#[derive(Parser, Debug)]
#[command(name = "jixiao", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 计算执行情况，写出带批注的报告工作簿（及 JSON）
    Report(cmd::report::Args),
    /// 月报：本月拨付、累计拨付、支出进度、序时进度与进度差
    Monthly(cmd::monthly::Args),
    /// 写出空白的标准工作簿模板
    Template(cmd::template::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Report(a) => cmd::report::run(a),
        Command::Template(a) => cmd::template::run(a),
        Command::Monthly(a) => cmd::monthly::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("错误：{message}");
            std::process::exit(jixiao::exit::FATAL);
        }
    }
}
