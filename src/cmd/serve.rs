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
    /// 与 --add-user --township 同用：该乡镇已有账号时确认再建一个（第二个账号能看到并替换该乡镇的全部报送）
    #[arg(long = "confirm-second", requires = "township")]
    pub confirm_second: bool,
    /// 与 --add-user --county 同用：县级管理员（可管理账号）；不加则为只能查看的县级账号
    #[arg(long, requires = "county")]
    pub admin: bool,
    /// 前置代理（如 nginx）的地址：来自这些地址的连接按 X-Forwarded-For 认定客户端地址；可多次给出
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// 同一地址同时打开的连接数上限（前置代理不受限）
    #[arg(
        long = "max-connections-per-address",
        value_name = "个",
        default_value = "256"
    )]
    pub max_connections_per_address: usize,
    /// 同时读取的工作簿所占内存的上限（MB，按文件大小估算）
    #[arg(long = "read-memory-mb", value_name = "MB", default_value = "2048")]
    pub read_memory_mb: u64,
    /// 设置文件夹：scoring.toml、indicators/、schedule.toml、mapping.toml、mapping/乡镇.toml、county.toml、policy.toml、assets.toml、benchmark.toml（与命令行的 --scoring、--indicators、--schedule、--mapping、--industry-floor、--policy、assets --rules、--benchmark 相同的文件），网页、下载和县级汇总都按它计算；在网页上指定的列名对应存入其中的 mapping/乡镇.toml
    #[arg(long, value_name = "文件夹")]
    pub settings: Option<PathBuf>,
    /// 与 --add-user 或 --reset-password 同用：从标准输入读取密码（一行）
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// 为某用户生成 API 令牌并打印（不启动服务）
    #[arg(long = "add-token", value_name = "用户名")]
    pub add_token: Option<String>,
    /// 重设某用户的密码并让其已登录的会话失效（不启动服务）；忘记管理员密码时使用
    #[arg(
        long = "reset-password",
        value_name = "用户名",
        conflicts_with_all = ["add_user", "add_token", "revoke_tokens"]
    )]
    pub reset_password: Option<String>,
    /// 作废某用户的全部 API 令牌（不启动服务）
    #[arg(
        long = "revoke-tokens",
        value_name = "用户名",
        conflicts_with_all = ["add_user", "add_token"]
    )]
    pub revoke_tokens: Option<String>,
}

/// Where the accounts are: "SQLite 数据库 d/jixiao.db" or "PostgreSQL 数据库 postgres://u:***@h/db".
fn database_name(args: &Args) -> String {
    match &args.database {
        Some(u) if u.starts_with("postgres") => {
            format!("PostgreSQL 数据库 {}", crate::serve::db::redact(u))
        }
        Some(u) if u.starts_with("sqlite") => format!("SQLite 数据库 {u}"),
        Some(u) => format!("数据库 {}", crate::serve::db::redact(u)),
        None => format!("SQLite 数据库 {}", args.data.join("jixiao.db").display()),
    }
}

/// Said after an account change: which database was written, and a warning
/// when that was a SQLite file just created (the server may use PostgreSQL).
fn written_to(args: &Args, sqlite_existed: bool) -> String {
    let mut s = format!("已写入 {}", database_name(args));
    if args.database.is_none() && !sqlite_existed {
        s.push_str(
            "（此文件是刚刚新建的；如果服务用的是 PostgreSQL，请加上与启动服务时相同的 --database 重新执行）",
        );
    }
    s
}

/// The `--database …` part of a command shown to the administrator.
fn database_flag(args: &Args) -> String {
    match &args.database {
        Some(u) => format!(" --database {}", crate::serve::db::redact(u)),
        None => String::new(),
    }
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
        trusted_proxies: args.trusted_proxy.clone(),
        max_connections_per_address: args.max_connections_per_address,
        read_memory_mb: args.read_memory_mb,
        settings: args.settings.clone(),
        ..crate::serve::Config::default()
    }
}

/// The password for `--add-user` and `--reset-password`: stdin, a prompt,
/// or generated and shown.
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
    let sqlite_existed = args.data.join("jixiao.db").exists();
    if args.password_stdin && args.add_user.is_none() && args.reset_password.is_none() {
        return Err(crate::model::Finding::BadArguments
            .fatal("--password-stdin 只能与 --add-user 或 --reset-password 同用"));
    }
    if let Some(name) = &args.reset_password {
        let (pw, generated) = password(args)?;
        if pw.chars().count() < 8 {
            return Err(crate::model::Finding::AccountRefused.fatal("密码至少 8 个字符"));
        }
        let state = crate::serve::State::open(cfg).await?;
        let result = reset_password(&state, name, &pw).await;
        state.db.pool.close().await;
        let sessions = result?;
        println!(
            "已重设 {name} 的密码，结束了 {sessions} 个已登录的会话；API 令牌不受影响（如需作废：--revoke-tokens {name}）"
        );
        if generated {
            println!("新密码：{pw}（只显示这一次）");
        }
        println!("{}", written_to(args, sqlite_existed));
        return Ok(crate::exit::OK);
    }
    if let Some(name) = &args.revoke_tokens {
        let state = crate::serve::State::open(cfg).await?;
        let result = revoke_tokens(&state, name).await;
        state.db.pool.close().await;
        let n = result?;
        println!("已作废 {name} 的 {n} 个 API 令牌");
        println!("{}", written_to(args, sqlite_existed));
        return Ok(crate::exit::OK);
    }
    if let Some(name) = &args.add_user {
        let (role, unit) = match (&args.township, &args.county) {
            (Some(t), None) => ("township", t.clone()),
            (None, Some(c)) => ("county", c.clone()),
            _ => {
                return Err(crate::model::Finding::BadArguments
                    .fatal("--add-user 需要 --township 某某镇 或 --county 某某县"));
            }
        };
        let (pw, generated) = password(args)?;
        let state = crate::serve::State::open(cfg).await?;
        if role == "township" && !args.confirm_second {
            let users = state.db.users().await?;
            let existing: Vec<&str> = users
                .iter()
                .filter(|u| u.role == "township" && u.unit == unit.trim())
                .map(|u| u.name.as_str())
                .collect();
            if !existing.is_empty() {
                state.db.pool.close().await;
                return Err(crate::model::Finding::AccountRefused.fatal(format!(
                    "{unit} 已有账号 {}：第二个账号能看到并替换 {unit} 的全部报送。确实需要，请加 --confirm-second 重新执行",
                    existing.join("、")
                )));
            }
        }
        state
            .add_user_as(name, role, &unit, &pw, args.admin)
            .await?;
        println!(
            "已添加{}账号 {name}（{unit}）",
            match (role, args.admin) {
                ("county", true) => "县级管理员",
                ("county", false) => "县级（只能查看，不能管理账号）",
                _ => "乡镇",
            }
        );
        if generated {
            println!("初始密码：{pw}（只显示这一次）");
        }
        println!("{}", written_to(args, sqlite_existed));
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
        eprintln!("{}", written_to(args, sqlite_existed));
        state.db.pool.close().await;
        return Ok(crate::exit::OK);
    }
    if let Some(n) = crate::serve::conn::raise_nofile()
        && n < 4096
    {
        eprintln!(
            "提示：本进程最多可同时打开 {n} 个文件（ulimit -n），连接多时可能不够；请由系统管理员调高"
        );
    }
    let server = crate::serve::Server::start(cfg).await?;
    let state = server.state.clone();
    if state.db.user_count().await? == 0 {
        let pw = crate::serve::auth::new_password();
        state.add_admin("admin", "县财政局", &pw).await?;
        println!("还没有账号：已建立县级管理员 admin，初始密码 {pw}（只显示这一次）");
        println!(
            "乡镇账号：登录后在“账号与日志”页添加，或 jixiao serve --data {}{} --add-user 用户名 --township 某某镇",
            args.data.display(),
            database_flag(args)
        );
    }
    if let Some(dir) = &state.settings.dir {
        let loaded = &state.settings.loaded;
        println!(
            "设置文件夹 {}：{}",
            dir.display(),
            if loaded.is_empty() {
                "没有可用的设置文件，按默认设置计算".to_string()
            } else {
                loaded.join("、")
            }
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
    // Ctrl-C and SIGTERM (systemd, docker stop, kill) alike: finish the
    // requests under way, close the database.
    let stop = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    };
    stop.await;
    eprintln!("正在停止…");
    server.stop().await;
    Ok(crate::exit::OK)
}

/// A new password for `name`; their sessions end. The number of sessions ended.
async fn reset_password(
    state: &crate::serve::State,
    name: &str,
    password: &str,
) -> Result<u64, String> {
    let (user, _) =
        state.db.user_by_name(name).await?.ok_or_else(|| {
            crate::model::Finding::AccountRefused.fatal(format!("没有用户“{name}”"))
        })?;
    let hash = state.hash(password).await?;
    let sessions = state.db.set_password(user.id, &hash).await?;
    state
        .db
        .audit(Some(&user), "password_reset", "命令行重设密码", None)
        .await?;
    Ok(sessions)
}

/// Every API token of `name` revoked; how many.
async fn revoke_tokens(state: &crate::serve::State, name: &str) -> Result<u64, String> {
    let (user, _) =
        state.db.user_by_name(name).await?.ok_or_else(|| {
            crate::model::Finding::AccountRefused.fatal(format!("没有用户“{name}”"))
        })?;
    let n = state.db.revoke_tokens(user.id).await?;
    state
        .db
        .audit(
            Some(&user),
            "tokens_revoked",
            &format!("命令行作废 {n} 个 API 令牌"),
            None,
        )
        .await?;
    Ok(n)
}
