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
    assert!(r.stderr.starts_with("错误："), "{args:?}: {}", r.stderr);
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
        e.contains("“abc”不是参数 --townships <个数> 的有效取值"),
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
