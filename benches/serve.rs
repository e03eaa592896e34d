//! `cargo bench --bench serve`: `jixiao serve` under load, in-process on a
//! loopback port, SQLite (and PostgreSQL when `JIXIAO_BENCH_DATABASE_URL`
//! or the default local server is reachable).
//!
//! 1. Upload-and-compute: 20 concurrent clients, each sending
//!    `JIXIAO_BENCH_UPLOADS` (default 25) typical township workbooks
//!    (`jixiao synth`: 20 projects, 60 payments) through the API; every
//!    request stores the file, reads and computes it, and records it.
//!    Submissions per second and p50/p99 latency per request.
//! 2. The county page over 1,000 stored townships (`JIXIAO_BENCH_TOWNSHIPS`):
//!    first view of a month (every township read at that month's end),
//!    later views (cached), and the county JSON API.
//! 3. A login burst: 200 concurrent wrong passwords for one account with one
//!    login token (how many were checked, how many told to wait, the time).
//! 4. Slow clients: 50 connections trickling a header byte a second beside
//!    normal requests (the normal requests' latency; the slow ones closed).
//!
//! Accounts are named after each synthetic ledger's township (its 说明
//! names it; the server refuses another unit's ledger).

use jixiao::serve::{Config, Server};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The township a synthetic ledger belongs to: its file is `NN-镇名.xlsx`.
fn town_of(p: &Path) -> String {
    let stem = p.file_stem().unwrap().to_string_lossy().to_string();
    stem.split_once('-')
        .map(|(_, t)| t.to_string())
        .unwrap_or(stem)
}

fn synth(dir: &Path, n: usize) -> Vec<PathBuf> {
    if !dir.join(".done").exists() {
        let _ = std::fs::remove_dir_all(dir);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(["synth", "--townships", &n.to_string(), "-o"])
            .arg(dir)
            .output()
            .expect("jixiao synth");
        assert!(out.status.success(), "{out:?}");
        std::fs::write(dir.join(".done"), "").unwrap();
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    v.sort();
    v
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn pg_database() -> Option<(String, String, String)> {
    use sqlx::Connection;
    let admin = std::env::var("JIXIAO_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let connect = sqlx::postgres::PgConnection::connect(&admin);
    let mut c = tokio::time::timeout(Duration::from_secs(3), connect)
        .await
        .ok()?
        .ok()?;
    let name = format!("jixiao_bench_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut c)
        .await
        .ok()?;
    let root = admin.rsplit_once('/').map(|(r, _)| r.to_string())?;
    Some((admin, name.clone(), format!("{root}/{name}")))
}

async fn drop_pg(admin: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::postgres::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut c)
            .await;
    }
}

async fn run(
    label: &str,
    database: Option<String>,
    (typical, typical_town): (&[u8], &str),
    towns: &[PathBuf],
) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        bind: "127.0.0.1:0".into(),
        data: dir.path().join("data"),
        database,
        initial_admin: false,
        ..Config::default()
    })
    .await
    .expect("server");
    let st = server.state.clone();
    let base = server.url();
    // Accounts straight into the table (one argon2 hash shared: the bench
    // measures uploads, not password hashing).
    let hash = jixiao::serve::auth::hash_password("bench-password").unwrap();

    // 1. 20 clients uploading.
    let clients = 20;
    let per = env_usize("JIXIAO_BENCH_UPLOADS", 25);
    let mut tokens = Vec::new();
    for i in 0..clients {
        let name = format!("load{i}");
        st.db
            .add_user(&name, "township", typical_town, &hash, false)
            .await
            .unwrap();
        tokens.push(st.add_token(&name).await.unwrap());
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in tokens {
        let (base, bytes) = (base.clone(), typical.to_vec());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut lat = Vec::new();
            for k in 0..per {
                let t0 = Instant::now();
                let r = http
                    .post(format!("{base}/api/submissions?filename=t{k}.xlsx"))
                    .bearer_auth(&t)
                    .body(bytes.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
                let _ = r.bytes().await.unwrap();
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let wall = started.elapsed();
    lat.sort();
    let n = lat.len();
    assert_eq!(st.db.submission_count().await.unwrap() as usize, n);
    println!(
        "[{label}] upload+compute, {clients} clients × {per}: {n} submissions in {:.2} s = {:.1} submissions/s; latency p50 {} p99 {} max {}",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99)),
        ms(*lat.last().unwrap())
    );

    // 2. The county page over many townships.
    let t0 = Instant::now();
    let mut up_tokens = Vec::new();
    for (i, f) in towns.iter().enumerate() {
        let name = format!("town{i}");
        st.db
            .add_user(&name, "township", &town_of(f), &hash, false)
            .await
            .unwrap();
        up_tokens.push(st.add_token(&name).await.unwrap());
    }
    // Stored through the API, 20 at a time.
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(20));
    let mut tasks = Vec::new();
    for (f, t) in towns.iter().zip(up_tokens) {
        let (base, bytes, sem) = (base.clone(), std::fs::read(f).unwrap(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.unwrap();
            let r = reqwest::Client::new()
                .post(format!("{base}/api/submissions?filename=ledger.xlsx"))
                .bearer_auth(&t)
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    println!(
        "[{label}] stored {} townships' submissions in {:.1} s",
        towns.len(),
        t0.elapsed().as_secs_f64()
    );
    st.db
        .add_user("countybench", "county", "基准县", &hash, false)
        .await
        .unwrap();
    let ct = st.add_token("countybench").await.unwrap();
    let http = reqwest::Client::new();
    let get = |path: String| {
        let (http, ct) = (http.clone(), ct.clone());
        async move {
            let t0 = Instant::now();
            let r = http.get(path).bearer_auth(&ct).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let body = r.bytes().await.unwrap();
            (t0.elapsed(), body.len())
        }
    };
    let (cold, size) = get(format!("{base}/county?month=2024-06")).await;
    let mut warm = Vec::new();
    for _ in 0..10 {
        warm.push(get(format!("{base}/county?month=2024-06")).await.0);
    }
    warm.sort();
    let mut api = Vec::new();
    for _ in 0..5 {
        api.push(get(format!("{base}/api/county?month=2024-06")).await.0);
    }
    api.sort();
    println!(
        "[{label}] county page, {} townships + {clients} others: first view of the month {} ({} KB HTML); later views p50 {} max {}; /api/county p50 {}",
        towns.len(),
        ms(cold),
        size / 1024,
        ms(pct(&warm, 0.5)),
        ms(*warm.last().unwrap()),
        ms(pct(&api, 0.5))
    );

    // 3. A login burst against one account, one login token.
    let (_, html) = {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let r = c.get(format!("{base}/login")).send().await.unwrap();
        (c, r.text().await.unwrap())
    };
    let key = "name=\"csrf\" value=\"";
    let csrf = html[html.find(key).unwrap() + key.len()..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let cookie = format!("jx_login={csrf}");
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (base, csrf, cookie) = (base.clone(), csrf.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/login"))
                .header("cookie", cookie)
                .form(&[
                    ("name", "load0"),
                    ("password", format!("guess{i}").as_str()),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let (mut checked, mut waited, mut other) = (0, 0, 0);
    for t in tasks {
        match t.await.unwrap() {
            401 => checked += 1,
            429 => waited += 1,
            _ => other += 1,
        }
    }
    println!(
        "[{label}] login burst, 200 at once: {checked} passwords checked, {waited} told to wait (429), {other} other, in {}",
        ms(t0.elapsed())
    );

    // 4. Slow clients beside normal requests.
    let addr = server.addr;
    let mut slow = Vec::new();
    for _ in 0..50 {
        slow.push(tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let t0 = Instant::now();
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let _ = s.write_all(b"GET / HTTP/1.1\r\n").await;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if s.write_all(b"X").await.is_err() || t0.elapsed() > Duration::from_secs(60) {
                    return t0.elapsed();
                }
            }
        }));
    }
    let mut normal = Vec::new();
    for _ in 0..50 {
        let t0 = Instant::now();
        let r = reqwest::get(format!("{base}/login")).await.unwrap();
        assert_eq!(r.status(), 200);
        normal.push(t0.elapsed());
    }
    normal.sort();
    let mut closed = Vec::new();
    for t in slow {
        closed.push(t.await.unwrap());
    }
    closed.sort();
    println!(
        "[{label}] 50 slow clients: normal requests p50 {} max {}; slow ones closed after {} (median)",
        ms(pct(&normal, 0.5)),
        ms(*normal.last().unwrap()),
        ms(pct(&closed, 0.5))
    );
    server.stop().await;
}

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/serve");
    std::fs::create_dir_all(&data).unwrap();
    let n_towns = env_usize("JIXIAO_BENCH_TOWNSHIPS", 1000);
    let typical = synth(&data.join("typical"), 1);
    let typical_town = town_of(&typical[0]);
    let typical = std::fs::read(&typical[0]).unwrap();
    let towns = synth(&data.join(format!("towns-{n_towns}")), n_towns);
    println!(
        "typical workbook: {} bytes (jixiao synth: 20 projects, 60 payments); machine: {} cores",
        typical.len(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run("SQLite", None, (&typical, &typical_town), &towns).await;
        if std::env::var_os("JIXIAO_BENCH_SKIP_PG").is_none() {
            match pg_database().await {
                Some((admin, name, url)) => {
                    run("PostgreSQL", Some(url), (&typical, &typical_town), &towns).await;
                    drop_pg(&admin, &name).await;
                }
                None => println!("[PostgreSQL] SKIPPED: not reachable"),
            }
        }
    });
}
