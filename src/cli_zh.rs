//! The command line in Chinese: help, usage, defaults and argument errors.
//!
//! clap writes its own words in English ("Usage", "Options", "error: …").
//! The `Args` structs in `cmd/` stay as they are (their doc comments are the
//! per-flag help); here the built `clap::Command` is re-dressed: Chinese
//! headings through a help template, our own `-h/--help` and `-V/--version`
//! flags, Chinese value names, `[默认：…]` / `[可选：…]`, and clap's errors
//! rendered anew from their kind and context (keeping the "did you mean"
//! suggestions). Command names and flags are unchanged.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// Placeholder shown for an argument's value, by command and argument id.
fn value_name(cmd: &str, id: &str) -> Option<&'static str> {
    Some(match (cmd, id) {
        ("synth", "output") => "文件夹",
        ("consolidate", "inputs") => "文件或文件夹",
        (_, "workbook") => "工作簿",
        (_, "as_of") => "日期",
        (_, "month") => "年-月",
        (_, "output" | "json" | "mapping" | "forms" | "scoring" | "schedule" | "expect") => "文件",
        (_, "indicators") => "文件夹",
        (_, "unit") => "单位名称",
        (_, "form_layout") => "格式",
        (_, "industry_floor") => "百分比",
        (_, "title") => "标题",
        (_, "townships" | "projects" | "payments" | "messy_every") => "个数",
        (_, "seed") => "种子",
        (_, "year") => "年度",
        (_, "subcommand") => "子命令",
        _ => return None,
    })
}

/// Chinese value name, defaults and possible values folded into the help text.
fn dress_arg(cmd: &str, a: Arg) -> Arg {
    if matches!(a.get_id().as_str(), "help" | "version") {
        return a;
    }
    let takes_values = a.get_action().takes_values();
    let mut help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    if takes_values {
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|d| d.to_string_lossy().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        if !defaults.is_empty() {
            help.push_str(&format!(" [默认：{}]", defaults.join("、")));
        }
        let possible: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| p.get_name().to_string())
            .collect();
        if !possible.is_empty() {
            help.push_str(&format!(" [可选：{}]", possible.join("、")));
        }
    }
    let name = value_name(cmd, a.get_id().as_str());
    let mut a = a.help(help);
    if takes_values {
        a = a.hide_default_value(true).hide_possible_values(true);
        if let Some(n) = name {
            a = a.value_name(n);
        }
    }
    a
}

fn help_arg() -> Arg {
    Arg::new("help")
        .short('h')
        .long("help")
        .action(ArgAction::Help)
        .help("显示本帮助")
}

/// Help text layout with Chinese headings; only the sections the command has.
fn template(c: &Command) -> String {
    let mut t = String::from("{before-help}{about-with-newline}\n用法：{usage}\n");
    if c.get_positionals().any(|a| !a.is_hide_set()) {
        t.push_str("\n参数：\n{positionals}\n");
    }
    if c.has_subcommands() {
        t.push_str("\n子命令：\n{subcommands}\n");
    }
    t.push_str("\n选项：\n{options}\n{after-help}");
    t
}

fn dress_command(c: Command, root: bool) -> Command {
    let name = c.get_name().to_string();
    let mut c = c
        .disable_help_flag(true)
        .arg(help_arg())
        .mut_args(|a| dress_arg(&name, a))
        .subcommand_value_name("子命令")
        .subcommand_help_heading("子命令");
    if root {
        c = c
            .disable_version_flag(true)
            .disable_help_subcommand(true)
            .arg(
                Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(ArgAction::Version)
                    .help("显示版本号"),
            )
            .subcommand(
                Command::new("help")
                    .about("显示本帮助，或所给子命令的帮助")
                    .arg(
                        Arg::new("subcommand")
                            .num_args(0..)
                            .value_name("子命令")
                            .help("要查看帮助的子命令"),
                    ),
            );
    }
    let subs: Vec<String> = c
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        c = c.mut_subcommand(&s, |s| dress_command(s, false));
    }
    let t = template(&c);
    // clap counts a Chinese character as one column; with the help on its
    // own line nothing needs aligning after a Chinese value name.
    let next_line = !root;
    c.help_template(t).next_line_help(next_line)
}

/// Usage lines with clap's "[OPTIONS]" in Chinese, fixed on each command.
fn fix_usages(mut c: Command, probe: &mut Command) -> Command {
    let usage = probe.render_usage().to_string();
    let usage = usage
        .trim_start_matches("Usage:")
        .trim()
        .replace("[OPTIONS]", "[选项]");
    c = c.override_usage(usage);
    let subs: Vec<String> = c
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        if let Some(p) = probe.find_subcommand_mut(&s) {
            let mut p = p.clone();
            c = c.mut_subcommand(&s, |sc| fix_usages(sc, &mut p));
        }
    }
    c
}

/// The command line of `cmd` (from clap's derive), in Chinese.
pub fn localize(cmd: Command) -> Command {
    let cmd = dress_command(cmd, true);
    let mut probe = cmd.clone();
    probe.build();
    fix_usages(cmd, &mut probe)
}

fn text(v: Option<&ContextValue>) -> Option<String> {
    match v? {
        ContextValue::String(s) if s.is_empty() => None,
        ContextValue::Strings(v) if v.iter().all(String::is_empty) => None,
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join("、")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// clap's argument error, in Chinese: what is wrong, "是否想用 …？",
/// the usage line and where to read more.
/// `cmd` is the localized command the error came from, `args` the command line.
pub fn render_error(err: &clap::Error, cmd: &Command, args: &[std::ffi::OsString]) -> String {
    let get = |k: ContextKind| text(err.get(k));
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let mut out = format!("错误 {}：", jixiao::model::Finding::BadArguments.code());
    out.push_str(&match err.kind() {
        ErrorKind::InvalidValue => {
            let mut m = if value.is_empty() {
                format!("参数 {arg} 缺少取值")
            } else {
                format!("“{value}”不是参数 {arg} 的有效取值")
            };
            if let Some(v) = get(ContextKind::ValidValue) {
                m.push_str(&format!("；可选：{v}"));
            }
            m
        }
        ErrorKind::UnknownArgument => format!("无法识别的参数“{arg}”"),
        ErrorKind::InvalidSubcommand => format!(
            "没有子命令“{}”",
            get(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::NoEquals => format!("参数 {arg} 须用等号给出取值，例如 {arg}=…"),
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(err)
                .map(|e| e.to_string())
                .filter(|s| has_chinese(s));
            match why {
                Some(why) => format!("参数 {arg} 的取值有误：{why}"),
                None => {
                    // clap's reason is English ("invalid digit found in string").
                    let numeric = ["<个数>", "<种子>", "<年度>", "<百分比>"]
                        .iter()
                        .any(|n| arg.ends_with(n));
                    let why = if numeric { "，须是数字" } else { "" };
                    format!("“{value}”不是参数 {arg} 的有效取值{why}")
                }
            }
        }
        ErrorKind::TooManyValues => format!("参数 {arg} 的取值“{value}”多余"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!(
            "参数 {arg} 需要 {} 个取值，实际给了 {} 个",
            get(ContextKind::ExpectedNumValues)
                .or_else(|| get(ContextKind::MinValues))
                .unwrap_or_default(),
            get(ContextKind::ActualNumValues).unwrap_or_default()
        ),
        ErrorKind::ArgumentConflict => {
            let prior = get(ContextKind::PriorArg).unwrap_or_default();
            if prior.is_empty() || prior == arg {
                format!("参数 {arg} 只能给一次")
            } else {
                format!("参数 {arg} 不能与 {prior} 同时使用")
            }
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
        ErrorKind::InvalidUtf8 => "参数中有无法识别的字符（不是 UTF-8 编码）".to_string(),
        _ => "命令行参数有误".to_string(),
    });
    out.push('\n');
    let mut tips: Vec<String> = Vec::new();
    for k in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        if let Some(s) = get(k) {
            tips.push(format!("是否想用 {s}？"));
        }
    }
    if let Some(ContextValue::String(t)) = err.get(ContextKind::TrailingArg) {
        tips.push(format!("如要把“{t}”当作取值，请写成 -- {t}"));
    } else if let Some(ContextValue::Bool(true)) = err.get(ContextKind::TrailingArg) {
        tips.push(format!("如要把“{arg}”当作取值，请写成 -- {arg}"));
    }
    for t in tips {
        out.push_str(&format!("\n  提示：{t}\n"));
    }
    let usage = get(ContextKind::Usage)
        .map(|u| u.trim_start_matches("Usage:").trim().to_string())
        .or_else(|| {
            // Value errors carry no usage: that of the subcommand named.
            let name = args.iter().skip(1).find_map(|a| {
                let a = a.to_str()?;
                cmd.find_subcommand(a).map(|_| a.to_string())
            })?;
            let mut sub = cmd.find_subcommand(&name)?.clone();
            Some(
                sub.render_usage()
                    .to_string()
                    .trim_start_matches("Usage:")
                    .trim()
                    .to_string(),
            )
        })
        .unwrap_or_else(|| "jixiao <子命令>".into());
    let path: Vec<&str> = usage
        .split_whitespace()
        .take_while(|w| !w.starts_with(['[', '<', '-']))
        .collect();
    let path = if path.is_empty() {
        "jixiao".to_string()
    } else {
        path.join(" ")
    };
    out.push_str(&format!("\n用法：{usage}\n\n详见：{path} --help\n"));
    out
}
