use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

// A closed standard output or error (`jixiao report … | head -1`) is never
// a panic: these shadow std's printing macros in this crate.
macro_rules! eprintln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! eprint {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}
mod cli_zh;

// Many small allocations on several threads (cells, strings): mimalloc keeps
// them cheap where glibc malloc contends.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
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
    /// 县级汇总：多个乡镇的工作簿并行读取、汇总、排名
    Consolidate(cmd::consolidate::Args),
    /// 写出填好的“绩效指标”表：原有指标，及为没有指标的项目草拟的指标
    Targets(cmd::targets::Args),
    /// 生成模拟的乡镇工作簿（测试与性能评估用）
    Synth(cmd::synth::Args),
    /// 写出空白的标准工作簿模板
    Template(cmd::template::Args),
    /// 绩效自评总结：按公文格式写出 .docx（及 Markdown），数字取自台账
    Summary(cmd::summary::Args),
    /// 绩效运行监控表：每个项目的预算执行与指标完成情况，预计栏待填
    Monitor(cmd::monitor::Args),
    /// 网页服务：乡镇上传台账、下载报告，县级查看汇总与未报送
    Serve(cmd::serve::Args),
    /// 帮扶项目资产台账：已完工项目按规则分为经营性、公益性、到户类或不形成资产
    Assets(cmd::assets::Args),
    /// 公告公示：年度计划公示表（xlsx）或项目实施结果公示（docx），数字取自台账
    Notice(cmd::notice::Args),
}

/// Parse the command line; help, version and argument errors in Chinese.
/// `--help` / `--version` print to stdout and exit 0; errors exit 2.
fn parse_cli() -> Cli {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut cmd = cli_zh::localize(Cli::command());
    let matches = match cmd.try_get_matches_from_mut(&args) {
        Ok(m) => m,
        Err(e) => fail(e, &cmd, &args),
    };
    // `jixiao help [子命令…]`: the help of that command.
    if let Some(("help", sub)) = matches.subcommand() {
        let mut again: Vec<std::ffi::OsString> = vec![args[0].clone()];
        again.extend(
            sub.get_many::<String>("subcommand")
                .into_iter()
                .flatten()
                .map(Into::into),
        );
        again.push("--help".into());
        let mut cmd = cli_zh::localize(Cli::command());
        match cmd.try_get_matches_from_mut(&again) {
            Ok(_) => std::process::exit(jixiao::exit::OK),
            Err(e) => fail(e, &cmd, &again),
        }
    }
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| fail(e, &cmd, &args))
}

fn fail(e: clap::Error, cmd: &clap::Command, args: &[std::ffi::OsString]) -> ! {
    use clap::error::ErrorKind;
    match e.kind() {
        // The help text itself (already Chinese): stdout and 0 for --help and
        // --version, stderr and 2 when a bare `jixiao` asked for nothing.
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            eprint!("{}", cli_zh::render_error(&e, cmd, args));
            std::process::exit(jixiao::exit::FATAL);
        }
    }
}

fn main() {
    // Every command: see `small_pages` (measured on report and consolidate).
    cmd::small_pages();
    jixiao::read::book::install_panic_hook();
    let cli = parse_cli();
    let result = match &cli.command {
        Command::Report(a) => cmd::report::run(a),
        Command::Template(a) => cmd::template::run(a),
        Command::Monthly(a) => cmd::monthly::run(a),
        Command::Consolidate(a) => cmd::consolidate::run(a),
        Command::Synth(a) => cmd::synth::run(a),
        Command::Targets(a) => cmd::targets::run(a),
        Command::Summary(a) => cmd::summary::run(a),
        Command::Monitor(a) => cmd::monitor::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Assets(a) => cmd::assets::run(a),
        Command::Notice(a) => cmd::notice::run(a),
    };
    // For benchmarks: the process's peak resident memory.
    if std::env::var_os("JIXIAO_PEAK_RSS").is_some()
        && let Some(line) = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM"))
                    .map(str::to_string)
            })
    {
        eprintln!("peak-rss: {}", line.trim_start_matches("VmHWM:").trim());
    }
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("{}", jixiao::model::finding::fatal_line(&message));
            std::process::exit(jixiao::exit::FATAL);
        }
    }
}
