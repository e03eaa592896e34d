//! `jixiao serve`: the web pages and the JSON API (see `crate::serve`).

use clap::Args as ClapArgs;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 监听地址
    #[arg(long, value_name = "地址", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// 数据文件夹（数据库与上传的文件），不存在时自动建立
    #[arg(long, value_name = "文件夹", default_value = "jixiao-data")]
    pub data: PathBuf,
    /// 数据库地址，如 postgres://用户@主机/库名（默认：数据文件夹中的 SQLite）
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// 单个上传文件的大小上限（MB）
    #[arg(long = "max-upload-mb", value_name = "MB", default_value = "20")]
    pub max_upload_mb: u64,
    /// 工作簿解压后的大小上限（MB），超出视为压缩炸弹
    #[arg(long = "max-unpacked-mb", value_name = "MB", default_value = "256")]
    pub max_unpacked_mb: u64,
    /// 读取一个工作簿的时间上限（秒），超时按读取失败记录
    #[arg(long = "timeout-secs", value_name = "秒", default_value = "120")]
    pub timeout_secs: u64,
    /// Cookie 加 Secure 标记（经 https 访问时使用）
    #[arg(long = "secure-cookies")]
    pub secure_cookies: bool,
    /// 县级汇总工作簿标题中的单位名称，如“靖宇县”
    #[arg(long, default_value = "")]
    pub title: String,
    /// 添加账号（不启动服务）：用户名
    #[arg(long = "add-user", value_name = "用户名")]
    pub add_user: Option<String>,
    /// 与 --add-user 同用：乡镇账号所属乡镇
    #[arg(
        long,
        value_name = "乡镇",
        requires = "add_user",
        conflicts_with = "county"
    )]
    pub township: Option<String>,
    /// 与 --add-user 同用：县级账号所属县
    #[arg(long, value_name = "县", requires = "add_user")]
    pub county: Option<String>,
    /// 与 --add-user 同用：从标准输入读取密码（一行）
    #[arg(long = "password-stdin", requires = "add_user")]
    pub password_stdin: bool,
    /// 为某用户生成 API 令牌并打印（不启动服务）
    #[arg(long = "add-token", value_name = "用户名")]
    pub add_token: Option<String>,
}

fn config(args: &Args) -> crate::serve::Config {
    crate::serve::Config {
        bind: args.bind.clone(),
        data: args.data.clone(),
        database: args.database.clone(),
        max_upload_mb: args.max_upload_mb,
        max_unpacked_mb: args.max_unpacked_mb,
        secure_cookies: args.secure_cookies,
        analysis_timeout_secs: args.timeout_secs,
        title: args.title.clone(),
        ..crate::serve::Config::default()
    }
}

/// The password for `--add-user`: stdin, a prompt, or generated and shown.
fn password(args: &Args) -> Result<(String, bool), String> {
    let stdin = std::io::stdin();
    if args.password_stdin {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("无法读取密码：{e}"))?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_string(), false));
    }
    if stdin.is_terminal() {
        // No echo while typing, where stty exists.
        let quiet = std::process::Command::new("stty")
            .arg("-echo")
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success());
        eprint!("密码（至少 8 个字符，直接回车则自动生成）：");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let r = stdin.lock().read_line(&mut line);
        if quiet {
            let _ = std::process::Command::new("stty")
                .arg("echo")
                .stdin(std::process::Stdio::inherit())
                .status();
            eprintln!();
        }
        r.map_err(|e| format!("无法读取密码：{e}"))?;
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if !line.is_empty() {
            return Ok((line, false));
        }
    }
    Ok((crate::serve::auth::new_password(), true))
}

pub fn run(args: &Args) -> Result<i32, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("无法启动：{e}"))?;
    rt.block_on(run_async(args))
}

async fn run_async(args: &Args) -> Result<i32, String> {
    let cfg = config(args);
    if let Some(name) = &args.add_user {
        let (role, unit) = match (&args.township, &args.county) {
            (Some(t), None) => ("township", t.clone()),
            (None, Some(c)) => ("county", c.clone()),
            _ => return Err("--add-user 需要 --township 某某镇 或 --county 某某县".into()),
        };
        let (pw, generated) = password(args)?;
        let state = crate::serve::State::open(cfg).await?;
        state.add_user(name, role, &unit, &pw).await?;
        println!(
            "已添加{}账号 {name}（{unit}）",
            if role == "county" { "县级" } else { "乡镇" }
        );
        if generated {
            println!("初始密码：{pw}（只显示这一次）");
        }
        state.db.pool.close().await;
        return Ok(crate::exit::OK);
    }
    if let Some(name) = &args.add_token {
        let state = crate::serve::State::open(cfg).await?;
        let token = state.add_token(name).await?;
        println!("{token}");
        eprintln!(
            "以上是 {name} 的 API 令牌（只显示这一次）：curl -H \"Authorization: Bearer {token}\" …"
        );
        state.db.pool.close().await;
        return Ok(crate::exit::OK);
    }
    let server = crate::serve::Server::start(cfg).await?;
    let state = server.state.clone();
    if state.db.user_count().await? == 0 {
        let pw = crate::serve::auth::new_password();
        state.add_user("admin", "county", "县财政局", &pw).await?;
        println!("还没有账号：已建立县级管理员 admin，初始密码 {pw}（只显示这一次）");
        println!(
            "乡镇账号：登录后在“账号与日志”页添加，或 jixiao serve --data {} --add-user 用户名 --township 某某镇",
            args.data.display()
        );
    }
    println!(
        "jixiao serve：请用浏览器打开 {}（数据在 {}，按 Ctrl-C 停止）",
        server.url(),
        match &args.database {
            Some(u) => crate::serve::db::redact(u),
            None => args.data.display().to_string(),
        }
    );
    let stop = tokio::signal::ctrl_c();
    tokio::select! {
        _ = stop => { eprintln!("正在停止…"); }
        _ = async { let _ = &server; std::future::pending::<()>().await } => {}
    }
    server.stop().await;
    Ok(crate::exit::OK)
}
