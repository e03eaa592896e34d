//! The command line speaks Chinese: help, usage, defaults and argument
//! errors, with clap's "did you mean" suggestions kept. Command names and
//! flags are unchanged.

mod common;
use common::*;

/// clap's English words that must not reach the user. "help" is checked
/// after taking out the flag `--help` and the subcommand `help`.
fn assert_no_clap_english(what: &str, text: &str) {
    for word in [
        "Usage",
        "usage:",
        "error:",
        "Error",
        "Options",
        "OPTIONS",
        "Arguments",
        "Commands",
        "COMMAND",
        "Print",
        "[default",
        "possible values",
        "tip:",
        "similar",
        "unexpected",
        "invalid",
        "required",
        "found",
        "For more information",
    ] {
        assert!(!text.contains(word), "{what}: “{word}” in\n{text}");
    }
    let rest = text.replace("--help", "").replace("jixiao help", "");
    let rest: String = rest
        .lines()
        .filter(|l| !l.trim_start().starts_with("help "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!rest.contains("help"), "{what}: “help” in\n{text}");
    // Placeholders for values are Chinese too (no <AS_OF>, <WORKBOOK>).
    assert!(
        !text.contains("<A") && !text.contains("<W") && !text.contains("<O"),
        "{what}: English placeholder in\n{text}"
    );
}

#[test]
fn help_is_chinese_on_stdout_with_status_0() {
    let w = Workdir::new();
    let r = w.run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_no_clap_english("jixiao --help", &r.stdout);
    for s in ["用法：", "子命令：", "选项：", "显示本帮助", "显示版本号"] {
        assert!(r.stdout.contains(s), "{s} in\n{}", r.stdout);
    }
    // Every command is still there under its name.
    for c in [
        "report",
        "monthly",
        "consolidate",
        "targets",
        "synth",
        "template",
    ] {
        assert!(r.stdout.contains(&format!("  {c} ")), "{c}");
    }

    let r = w.run(&["report", "--help"]);
    assert_eq!(r.code, 0);
    assert_no_clap_english("jixiao report --help", &r.stdout);
    for s in [
        "用法：jixiao report [选项] <工作簿>",
        "参数：",
        "选项：",
        "[默认：a]",
        "[可选：a、b]",
        "--as-of <日期>",
        "-o, --output <文件>",
        "--no-forms",
        "--form-layout <格式>",
        "--force",
    ] {
        assert!(r.stdout.contains(s), "{s} in\n{}", r.stdout);
    }

    // `-h`, `help report` and every other command's help alike.
    assert_eq!(w.run(&["report", "-h"]).stdout, r.stdout);
    let h = w.run(&["help", "report"]);
    assert_eq!(h.code, 0);
    assert_eq!(h.stdout, r.stdout);
    for c in [
        "monthly",
        "consolidate",
        "targets",
        "synth",
        "template",
        "help",
    ] {
        let r = w.run(&[c, "--help"]);
        assert_eq!(r.code, 0, "{c}");
        assert_no_clap_english(&format!("jixiao {c} --help"), &r.stdout);
    }
    let r = w.run(&["consolidate", "--help"]);
    assert!(r.stdout.contains("[默认：60]"), "{}", r.stdout);

    let r = w.run(&["--version"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("jixiao "), "{}", r.stdout);
    assert_eq!(w.run(&["-V"]).stdout, r.stdout);
}

/// Run, expect status 2, nothing on stdout, a Chinese error on stderr.
fn arg_error(w: &Workdir, args: &[&str]) -> String {
    let r = w.run(args);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    assert!(
        r.stderr.starts_with("错误 R112："),
        "{args:?}: {}",
        r.stderr
    );
    assert!(r.stderr.contains("用法：jixiao"), "{args:?}: {}", r.stderr);
    assert_no_clap_english(&format!("{args:?}"), &r.stderr);
    r.stderr
}

#[test]
fn argument_errors_are_chinese_and_keep_suggestions() {
    let w = Workdir::new();
    // Unknown subcommand, with the suggestion.
    let e = arg_error(&w, &["reprot"]);
    assert!(e.contains("没有子命令“reprot”"), "{e}");
    assert!(e.contains("是否想用 report？"), "{e}");
    // Unknown flag, with the suggestion and the command's usage.
    let e = arg_error(&w, &["report", "x.xlsx", "--as-off", "2024-05-31"]);
    assert!(e.contains("无法识别的参数“--as-off”"), "{e}");
    assert!(e.contains("是否想用 --as-of？"), "{e}");
    assert!(e.contains("jixiao report --help"), "{e}");
    // Missing required argument.
    let e = arg_error(&w, &["report"]);
    assert!(e.contains("缺少必需的参数：<工作簿>"), "{e}");
    let e = arg_error(&w, &["template"]);
    assert!(e.contains("缺少必需的参数：--output <文件>"), "{e}");
    // Value missing.
    let e = arg_error(&w, &["report", "x.xlsx", "--json"]);
    assert!(e.contains("参数 --json <文件> 缺少取值"), "{e}");
    // Not one of the possible values.
    let e = arg_error(&w, &["report", "x.xlsx", "--form-layout", "c"]);
    assert!(
        e.contains("“c”不是参数 --form-layout <格式> 的有效取值"),
        "{e}"
    );
    assert!(e.contains("可选：a、b"), "{e}");
    // Our own validator's message comes through.
    let e = arg_error(&w, &["report", "x.xlsx", "--as-of", "2024-13-01"]);
    assert!(e.contains("不是有效日期"), "{e}");
    // A number that isn't one (clap's message would be English).
    let e = arg_error(&w, &["synth", "-o", "d", "--townships", "abc"]);
    assert!(
        e.contains("“abc”不是参数 --townships <个数> 的有效取值，须是数字"),
        "{e}"
    );
    assert!(e.contains("用法：jixiao synth"), "{e}");
    // Conflicting flags, a flag given twice, a stray argument.
    let e = arg_error(&w, &["report", "x.xlsx", "--forms", "f.xlsx", "--no-forms"]);
    assert!(e.contains("不能与"), "{e}");
    let e = arg_error(&w, &["report", "x.xlsx", "--force", "--force"]);
    assert!(e.contains("只能给一次"), "{e}");
    let e = arg_error(&w, &["report", "x.xlsx", "y.xlsx"]);
    assert!(e.contains("无法识别的参数“y.xlsx”"), "{e}");
    // Help for a command that doesn't exist.
    let e = arg_error(&w, &["help", "reprot"]);
    assert!(e.contains("是否想用 report？"), "{e}");
    assert!(w.files().is_empty(), "nothing written: {:?}", w.files());
}

#[test]
fn bare_jixiao_shows_the_chinese_help_and_fails() {
    let w = Workdir::new();
    let r = w.run(&[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("用法：jixiao <子命令>"), "{}", r.stderr);
    assert_no_clap_english("jixiao", &r.stderr);
}

// ---- `jixiao synth`: realistic ledgers, oddities few and counted ----

use jixiao::synth::{SynthOptions, planted, write_townships};
use rust_decimal::Decimal;
use std::str::FromStr;

fn options(projects: usize, payments: usize, seed: u64) -> SynthOptions {
    SynthOptions {
        townships: 1,
        projects,
        payments,
        messy_every: 0,
        seed,
        year: 2024,
    }
}

/// Every decimal number in the text has at most 4 decimals (万元 to the 元).
fn assert_to_the_yuan(what: &str, text: &str) {
    for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        if let Some((_, frac)) = token.split_once('.') {
            assert!(frac.len() <= 4, "{what}: {token} in “{text}”");
        }
    }
}

#[test]
fn synthesized_ledger_is_realistic_and_its_problems_are_the_planted_ones() {
    let w = Workdir::new();
    let o = options(1000, 3000, 11);
    let files = write_townships(&w.path("in"), &o).unwrap();
    let planted = planted(&o);
    assert_eq!(planted, jixiao::synth::planted(&o), "deterministic");
    // Few, but some of each.
    assert!(
        planted.late_payments > 0 && planted.late_payments < 60,
        "{planted:?}"
    );
    assert!(
        planted.over_budget + planted.over_settled > 0,
        "{planted:?}"
    );
    assert!(
        planted.over_budget + planted.over_settled < 30,
        "{planted:?}"
    );
    assert!(planted.refunds > 0, "{planted:?}");

    // No --as-of: the 说明 sheet carries the cut-off (year end).
    let r = w.run(&[
        "report",
        files[0].to_str().unwrap(),
        "--json",
        "r.json",
        "-o",
        "r.xlsx",
        "--no-forms",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    assert_eq!(j["as_of"], "2024-12-31");
    let rate = Decimal::from_str(j["totals"]["execution_rate"].as_str().unwrap()).unwrap();
    assert!(
        rate >= Decimal::from(50) && rate <= Decimal::from(100),
        "execution rate {rate}"
    );
    // Amounts to the 元: at most 4 decimals of 万元, in figures and messages.
    let rows = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&j["totals"]));
    let mut n = 0;
    for p in rows {
        for k in [
            "budget",
            "settled",
            "paid",
            "outstanding",
            "unspent",
            "remaining",
        ] {
            if let Some(s) = p[k].as_str() {
                assert_to_the_yuan(k, s);
                n += 1;
            }
        }
    }
    assert!(n > 3000, "{n} amounts checked");
    let problems = j["problems"].as_array().unwrap();
    let messages: Vec<&str> = problems
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    for m in &messages {
        assert_to_the_yuan("message", m);
    }
    let count = |s: &str| messages.iter().filter(|m| m.contains(s)).count();
    // synth writes no 绩效指标 sheet: every project's indicators are drafted,
    // one 提示 each.
    let drafted = count("没有绩效指标");
    assert_eq!(drafted, 1000);
    assert_eq!(count("晚于截止日期"), planted.late_payments);
    assert_eq!(count("超过预算"), planted.over_budget);
    assert_eq!(count("超过结算金额"), planted.over_settled);
    // Payments booked to the other fund: one 提示 per project (a project may
    // have several; late ones are not counted at all).
    let cross = count("不计入其执行率");
    assert!(
        cross > 0 && cross <= planted.other_fund,
        "{cross} cross-fund notices for {} planted payments",
        planted.other_fund
    );
    assert_eq!(
        messages.len() - drafted - cross,
        planted.notices(),
        "no other problems: {:?}",
        messages
            .iter()
            .filter(|m| !m.contains("没有绩效指标"))
            .collect::<Vec<_>>()
    );
    assert!(problems.iter().all(|p| p["severity"] == "提示"));
}

#[test]
fn synth_prints_what_it_planted_and_is_deterministic() {
    let w = Workdir::new();
    let args = |dir: &str| {
        vec![
            "synth".to_string(),
            "-o".into(),
            dir.into(),
            "--townships".into(),
            "2".into(),
            "--projects".into(),
            "300".into(),
            "--payments".into(),
            "900".into(),
            "--messy-every".into(),
            "2".into(),
        ]
    };
    let a: Vec<String> = args("a");
    let r = w.run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = planted(&SynthOptions {
        townships: 2,
        projects: 300,
        payments: 900,
        messy_every: 2,
        seed: 2024,
        year: 2024,
    });
    for s in [
        format!("晚于截止日期的拨付 {} 笔", p.late_payments),
        format!("超过预算拨付的项目 {} 个", p.over_budget),
        format!("超过结算金额拨付的项目 {} 个", p.over_settled),
        format!("共 {} 条", p.notices()),
        format!("资金退回 {} 笔", p.refunds),
    ] {
        assert!(r.stderr.contains(&s), "{s} in {}", r.stderr);
    }
    let b: Vec<String> = args("b");
    assert_eq!(
        w.run(&b.iter().map(String::as_str).collect::<Vec<_>>())
            .code,
        0
    );
    for t in 0..2 {
        let f = format!("{t:05}-{}.xlsx", jixiao::synth::township_name(t));
        let (x, y) = (w.path(&format!("a/{f}")), w.path(&format!("b/{f}")));
        assert!(x.exists(), "{f}");
        assert_eq!(
            read_cells(&x),
            read_cells(&y),
            "{f}: same seed, same ledger"
        );
    }
}
