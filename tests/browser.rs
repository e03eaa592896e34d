//! `jixiao serve` in headless Chromium over WebDriver (chromedriver +
//! fantoccini): a clerk logs in, drops the sample workbook on the page,
//! sees its figures and downloads the report; the county sees the roll-up.
//! `JIXIAO_SCREENSHOTS=1` writes docs/serve-township.png and
//! docs/serve-county.png. Without chromedriver or Chromium: skipped, saying
//! so, or failed under CI (tests/common/skip.rs).

mod serve_common;

use fantoccini::{ClientBuilder, Locator};
use serve_common::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// chromedriver and Chromium on PATH (Debian's `chromium-driver` and
/// `chromium` put them in /usr/bin).
fn chromedriver() -> Option<PathBuf> {
    skip::which("chromedriver")
}

fn chromium() -> Option<PathBuf> {
    skip::which("chromium").or_else(|| skip::which("chromium-browser"))
}

struct Driver(std::process::Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> Option<(Driver, u16)> {
    let (Some(chromedriver), Some(_)) = (chromedriver(), chromium()) else {
        skip::missing(
            "Chromium",
            "没有 Chromium 或 chromedriver（PATH 上找不到 chromium、chromedriver）",
            skip::CHROMIUM_INSTALL,
        );
        return None;
    };
    let port = free_port();
    let child = std::process::Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} did not start: {e}", chromedriver.display()));
    let driver = Driver(child);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((driver, port));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Installed but not working is a failure, not a skip.
    panic!("chromedriver did not listen on port {port} within 20 s");
}

async fn browser(port: u16, profile: &Path, downloads: &Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium().unwrap(),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1366,768", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
                "safebrowsing.enabled": false,
            }
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session")
}

async fn login(c: &fantoccini::Client, base: &str, name: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn wait_path(c: &fantoccini::Client, prefix: &str) -> String {
    let start = Instant::now();
    loop {
        let url = c.current_url().await.unwrap();
        if url.path().starts_with(prefix) {
            return url.path().to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "still at {url}, waiting for {prefix}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn screenshot(name: &str, png: &[u8]) {
    if std::env::var("JIXIAO_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs")
            .join(name);
        std::fs::write(&path, png).unwrap();
        println!("wrote {}", path.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clerk_and_county_in_chromium() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let env = Env::start(Backend::Sqlite).await.expect("sqlite");
    let base = env.server().url();
    let scratch = tempfile::tempdir().unwrap();
    let downloads = scratch.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();

    // Other townships' ledgers (jixiao synth), sent through the API, and
    // one township that has not reported.
    let synth = scratch.path().join("synth");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["synth", "--townships", "7", "-o", synth.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&synth)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for (i, f) in files.iter().enumerate() {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let town = stem.split_once('-').map(|(_, t)| t.to_string()).unwrap();
        let token = env.add_township(&format!("t{i}"), &town).await;
        let (s, v) = Api::new(&env, &token)
            .submit(&format!("{town}.xlsx"), std::fs::read(f).unwrap(), None)
            .await;
        assert_eq!(s, reqwest::StatusCode::CREATED, "{v}");
    }
    env.add_township("bs", "北山镇").await;
    env.add_township("jy", "靖宇镇").await;
    env.add_county("county").await;

    let profile = scratch.path().join("profile");
    let c = browser(port, &profile, &downloads).await;

    // The clerk: log in, drop the workbook, see the figures.
    login(&c, &base, "jy").await;
    wait_path(&c, "/township").await;
    c.execute(
        "document.getElementById('as_of').value = '2024-05-31';",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(SAMPLE)
        .await
        .unwrap();
    // Dropped on the drop zone (the page's own drop handler submits).
    let dropped = c.execute(
        r#"const input = document.getElementById('file');
           const dt = new DataTransfer(); dt.items.add(input.files[0]);
           input.value = '';
           const ev = new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
           document.getElementById('drop').dispatchEvent(ev);
           return [dt.files.length, input.files.length, String(ev.dataTransfer && ev.dataTransfer.files.length)];"#,
        vec![],
    )
    .await
    .unwrap();
    println!("drop: {dropped}");
    let path = wait_path(&c, "/submissions/").await;
    let rate = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("execution-rate"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rate, "56.62%");
    let cli = cli_report_json(SAMPLE, "2024-05-31");
    assert_eq!(
        format!("{}%", cli["totals"]["execution_rate"].as_str().unwrap()),
        rate
    );
    let problems = c
        .find(Locator::Id("projects"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(problems.contains("序时进度"));
    screenshot("serve-township.png", &c.screenshot().await.unwrap());

    // Download the annotated report through the browser.
    c.find(Locator::Id("dl-report"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    let report = loop {
        let done: Vec<PathBuf> = std::fs::read_dir(&downloads)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
            .collect();
        if let Some(p) = done.first() {
            break p.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no download in {}",
            downloads.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        report
            .file_name()
            .unwrap()
            .to_string_lossy()
            .contains("报告"),
        "{}",
        report.display()
    );
    {
        use calamine::Reader;
        let wb = calamine::open_workbook_auto(&report).expect("downloaded report opens");
        assert!(wb.sheet_names().iter().any(|n| n == "汇总"));
    }
    assert!(path.starts_with("/submissions/"));

    // The township page: the drop zone, the current submission, the history.
    c.goto(&format!("{base}/township")).await.unwrap();
    let history = c
        .find(Locator::Css("table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        history.contains("jingyu-2023.xlsx") && history.contains("当前"),
        "{history}"
    );
    screenshot("serve-township-upload.png", &c.screenshot().await.unwrap());

    // The county: log out, log in, the roll-up for 2024-05.
    c.find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_path(&c, "/login").await;
    login(&c, &base, "county").await;
    wait_path(&c, "/county").await;
    c.goto(&format!("{base}/county?month=2024-05"))
        .await
        .unwrap();
    let ranking = c
        .find(Locator::Id("ranking"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ranking.contains("靖宇镇") && ranking.contains("56.62%"),
        "{ranking}"
    );
    let missing = c
        .find(Locator::Id("missing"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(missing.contains("北山镇"), "{missing}");
    c.find(Locator::Id("chart")).await.unwrap();
    screenshot("serve-county.png", &c.screenshot().await.unwrap());

    // 退回: the county sends 靖宇镇's submission back with a reason…
    c.goto(&format!("{base}{path}")).await.unwrap();
    c.find(Locator::Id("return-reason"))
        .await
        .unwrap()
        .send_keys("项目3的预算与批复不符")
        .await
        .unwrap();
    c.find(Locator::Id("return"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let said = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("returned"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(said.contains("项目3的预算与批复不符"), "{said}");
    // …it no longer counts, and the clerk sees why.
    c.goto(&format!("{base}/county?month=2024-05"))
        .await
        .unwrap();
    let missing = c
        .find(Locator::Id("missing"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(missing.contains("靖宇镇"), "{missing}");
    c.find(Locator::Css("header form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_path(&c, "/login").await;
    login(&c, &base, "jy").await;
    wait_path(&c, "/township").await;
    let page = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已被县级退回") && page.contains("项目3的预算与批复不符"),
        "{page}"
    );
    c.close().await.unwrap();
    env.finish().await;
}

/// The mapping dropdowns in a browser: a ledger whose 预算金额 column the
/// reader does not know is refused; the clerk picks 预算金额 for column E,
/// saves, and the upload is read again with the sample's figures and its
/// 读取说明; the next upload of the same layout is read at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mapping_dropdowns_in_chromium() {
    let Some((_driver, port)) = start_driver().await else {
        return;
    };
    let env = Env::start(Backend::Sqlite).await.expect("sqlite");
    let base = env.server().url();
    let scratch = tempfile::tempdir().unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let (s, v) = Api::new(&env, &token)
        .submit("odd.xlsx", odd_header(sample()), Some("2023-05-31"))
        .await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let c = browser(
        port,
        &scratch.path().join("profile"),
        &scratch.path().join("downloads"),
    )
    .await;
    login(&c, &base, "jy").await;
    wait_path(&c, "/township").await;
    c.goto(&format!("{base}/submissions/{}", v["id"]))
        .await
        .unwrap();
    let e = c.find(Locator::Id("map-E")).await.unwrap();
    let row = c
        .find(Locator::Id("mapping-columns"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("甲乙丙核定数（万元）"), "{row}");
    e.select_by_value("预算金额").await.unwrap();
    screenshot("serve-mapping.png", &c.screenshot().await.unwrap());
    c.find(Locator::Id("mapping-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    let path = loop {
        let p = c.current_url().await.unwrap().path().to_string();
        if p != format!("/submissions/{}", v["id"]) && p.starts_with("/submissions/") {
            break p;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "still at {p}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let rate = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("execution-rate"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cli = cli_report_json(SAMPLE, "2023-05-31");
    assert_eq!(
        rate,
        format!("{}%", cli["totals"]["execution_rate"].as_str().unwrap()),
        "{path}"
    );
    let reading = c
        .find(Locator::Id("reading"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        reading.contains("甲乙丙核定数（万元）") && reading.contains("预算金额"),
        "{reading}"
    );
    c.execute(
        "document.getElementById('reading-title').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot("serve-reading.png", &c.screenshot().await.unwrap());
    let (_, later) = Api::new(&env, &token)
        .submit("odd-june.xlsx", odd_header(sample()), Some("2023-06-30"))
        .await;
    assert_eq!(later["status"], "ok", "{later}");
    c.close().await.unwrap();
    env.finish().await;
}
