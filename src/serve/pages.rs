//! Routes: the pages (HTML, Chinese, sessions with CSRF tokens) and the
//! JSON API (bearer tokens).

use super::db::{Submission, User};
use super::{Download, State, auth, engine, when};
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

type St = axum::extract::State<Arc<State>>;

const SESSION: &str = "jx_session";
const LOGIN_CSRF: &str = "jx_login";
/// A login form is a name, a password and a token: a few hundred bytes.
const LOGIN_BODY_LIMIT: usize = 16 * 1024;

pub fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("login.html", include_str!("templates/login.html")),
        ("error.html", include_str!("templates/error.html")),
        ("township.html", include_str!("templates/township.html")),
        ("submission.html", include_str!("templates/submission.html")),
        ("county.html", include_str!("templates/county.html")),
        ("drill.html", include_str!("templates/drill.html")),
        ("admin.html", include_str!("templates/admin.html")),
    ] {
        env.add_template(name, text).expect("template parses");
    }
    env.add_filter("urlencode", |v: String| -> String {
        v.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    });
    env
}

/// The whole application: one router per area, merged here.
pub fn router(state: Arc<State>) -> Router {
    // The body may be the file plus the form around it.
    let limit = (state.cfg.max_upload_mb as usize) * 1024 * 1024 + 64 * 1024;
    Router::new()
        .merge(session_routes())
        .merge(township_routes())
        .merge(county_routes())
        .merge(admin_routes())
        .merge(api_routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(safe_headers))
        .with_state(state)
}

type Routes = Router<Arc<State>>;

/// Logging in and out.
fn session_routes() -> Routes {
    Router::new()
        .route("/", get(home))
        .route(
            "/login",
            get(login_page)
                .post(login)
                .layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route("/logout", post(logout))
}

/// A township's uploads and each submission's page, downloads and standing
/// (the county sees and returns submissions through the same paths).
fn township_routes() -> Routes {
    Router::new()
        .route("/township", get(township_page))
        .route("/upload", post(upload_page))
        .route("/submissions/{id}", get(submission_page))
        .route("/submissions/{id}/state", post(submission_state))
        .route("/submissions/{id}/{file}", get(download))
}

fn county_routes() -> Routes {
    Router::new()
        .route("/county", get(county_page))
        .route("/county/township", get(drill_page))
        .route("/county/{file}", get(county_download))
}

/// Accounts and the audit log (administrators only).
fn admin_routes() -> Routes {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/users", post(admin_add_user))
        .route("/admin/users/{id}", post(admin_user_action))
        .route("/admin/tokens", post(admin_revoke_token))
}

/// The JSON API (bearer tokens).
fn api_routes() -> Routes {
    Router::new()
        .route("/api/submissions", post(api_submit).get(api_list))
        .route("/api/submissions/{id}", get(api_submission))
        .route("/api/county", get(api_county))
}

/// Every answer: not kept by the browser (a shared office PC must not show
/// a township's figures after logout by pressing Back), never sniffed into
/// another type, never framed by another site.
async fn safe_headers(mut r: Response) -> Response {
    use axum::http::{HeaderValue, header};
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    r
}

/// A posted form whose rejection (missing field, wrong type) is said in
/// Chinese; axum's own answer is English text.
struct Form<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(Form(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                axum::response::Html(
                    "<!doctype html><meta charset=\"utf-8\"><title>内容过大</title><p>提交的内容过大，未接收；请返回上一页重新填写。</p><p><a href=\"/\">返回首页</a></p>",
                ),
            )
                .into_response()),
            Err(e) => {
                eprintln!("jixiao serve：表单无法读取：{}", e.body_text());
                Err((
                    StatusCode::BAD_REQUEST,
                    axum::response::Html(
                        "<!doctype html><meta charset=\"utf-8\"><title>表单无法读取</title><p>表单不完整或无法读取，请返回上一页重新填写后再提交。</p><p><a href=\"/\">返回首页</a></p>",
                    ),
                )
                    .into_response())
            }
        }
    }
}

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Who is asking: a bearer token (API) or a session cookie (pages, with
/// the session's CSRF token).
struct Who {
    user: User,
    csrf: Option<String>,
}

/// `Err`: the database cannot be asked (a 503 to give, never "not logged in").
async fn who(state: &State, headers: &HeaderMap) -> Result<Option<Who>, Response> {
    let down = |m: String| db_down(state, &m, headers.get(header::AUTHORIZATION).is_some());
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let user = state
            .db
            .token_user(&auth::sha256_hex(token.trim().as_bytes()))
            .await
            .map_err(down)?;
        return Ok(user.map(|user| Who { user, csrf: None }));
    }
    let Some(sid) = auth::cookie(headers, SESSION) else {
        return Ok(None);
    };
    let found = state
        .db
        .session(&auth::sha256_hex(sid.as_bytes()))
        .await
        .map_err(down)?;
    Ok(found.map(|(user, csrf)| Who {
        user,
        csrf: Some(csrf),
    }))
}

/// A database fault: 503 with the Chinese message (logged where it arose).
fn db_down(state: &State, m: &str, api: bool) -> Response {
    let status = if super::db::is_down(m) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    if api {
        api_error(status, m)
    } else {
        error_page(state, None, status, m)
    }
}

/// `who`, returning the 503 from the handler when the database is down.
macro_rules! who {
    ($state:expr, $headers:expr) => {
        match who(&$state, &$headers).await {
            Ok(w) => w,
            Err(r) => return r,
        }
    };
}

/// The client's address: the connection's, or — when the connection
/// comes from a trusted proxy (`--trusted-proxy`) — the last address its
/// `X-Forwarded-For` names (the one the proxy itself saw).
#[derive(Clone, Debug)]
pub(crate) struct Peer(String);

impl axum::extract::FromRequestParts<Arc<State>> for Peer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<State>,
    ) -> Result<Peer, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Peer(match peer {
            Some(p) if state.cfg.trusted_proxies.contains(&p) => {
                forwarded_for(&parts.headers).unwrap_or_else(|| p.to_string())
            }
            Some(p) => p.to_string(),
            None => "未知".into(),
        }))
    }
}

fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .last()
        .map(|a| a.to_string())
}

fn ip(c: &Peer) -> String {
    c.0.clone()
}

fn page(state: &State, name: &str, ctx: Value) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
    {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("页面生成出错：{e}"),
        )
            .into_response(),
    }
}

fn error_page(state: &State, who: Option<&Who>, status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "找不到",
        StatusCode::PAYLOAD_TOO_LARGE => "文件过大",
        StatusCode::BAD_REQUEST => "请求有误",
        _ => "出错了",
    };
    let mut r = page(
        state,
        "error.html",
        json!({
            "user": who.map(|w| &w.user),
            "csrf": who.and_then(|w| w.csrf.clone()),
            "title": title,
            "message": message,
        }),
    );
    *r.status_mut() = status;
    r
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

const ADMIN_ONLY: &str = "无权访问：只有县级管理员可以管理账号";

/// Record a refusal in the audit table, and answer 403.
async fn denied(state: &State, who: &Who, what: &str, ip: &str, api: bool) -> Response {
    denied_as(
        state,
        who,
        what,
        ip,
        api,
        "无权访问：乡镇账号只能查看和报送本乡镇的数据",
    )
    .await
}

async fn denied_as(
    state: &State,
    who: &Who,
    what: &str,
    ip: &str,
    api: bool,
    msg: &str,
) -> Response {
    let _ = state
        .db
        .audit(Some(&who.user), "denied", what, Some(ip))
        .await;
    if api {
        api_error(StatusCode::FORBIDDEN, msg)
    } else {
        error_page(state, Some(who), StatusCode::FORBIDDEN, msg)
    }
}

fn csrf_ok(who: &Who, given: Option<&str>) -> bool {
    match (&who.csrf, given) {
        (Some(want), Some(got)) => auth::same(want, got),
        _ => false,
    }
}

async fn not_found(axum::extract::State(state): St, headers: HeaderMap) -> Response {
    let w = who!(state, headers);
    error_page(&state, w.as_ref(), StatusCode::NOT_FOUND, "没有这个页面")
}

async fn home(axum::extract::State(state): St, headers: HeaderMap) -> Response {
    match who!(state, headers) {
        Some(w) if w.user.is_county() => Redirect::to("/county").into_response(),
        Some(_) => Redirect::to("/township").into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

async fn login_page(axum::extract::State(state): St) -> Response {
    login_form(&state, None, StatusCode::OK)
}

fn login_form(state: &State, error: Option<&str>, status: StatusCode) -> Response {
    let token = auth::random_hex(16);
    let mut r = page(
        state,
        "login.html",
        json!({ "csrf": token, "error": error }),
    );
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(
        LOGIN_CSRF,
        &token,
        3600,
        state.cfg.secure_cookies,
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(serde::Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    form: Form<LoginForm>,
) -> Response {
    // Double-submit token: the form's field must match the login cookie.
    let cookie_ok = auth::cookie(&headers, LOGIN_CSRF)
        .is_some_and(|c| !c.is_empty() && auth::same(c, &form.csrf));
    if !cookie_ok {
        let _ = state
            .db
            .audit(None, "denied", "登录表单缺少 CSRF 令牌", Some(&ip(&addr)))
            .await;
        return error_page(
            &state,
            None,
            StatusCode::FORBIDDEN,
            "表单已过期或来源不明（缺少 CSRF 令牌），请重新打开登录页",
        );
    }
    let name = form.name.trim();
    // A name no account can have is answered before anything is stored.
    if name.chars().count() > super::MAX_NAME_CHARS {
        return login_form(
            &state,
            Some(&format!("用户名不能超过 {} 个字符", super::MAX_NAME_CHARS)),
            StatusCode::BAD_REQUEST,
        );
    }
    // Counted before the password is checked: many tries at once are not
    // all checked. Per account at this address, and per address.
    let keys = [
        (format!("用户:{name}@{}", ip(&addr)), super::LOGIN_TRIES),
        (
            format!("地址:{}", ip(&addr)),
            super::LOGIN_TRIES_PER_ADDRESS,
        ),
    ];
    if let Err(wait) = state.login_begin(&keys) {
        let _ = state
            .db
            .audit(
                None,
                "login_paused",
                &format!("用户名“{name}”"),
                Some(&ip(&addr)),
            )
            .await;
        let mut r = login_form(
            &state,
            Some(&format!(
                "登录失败次数过多，请 {} 秒后再试；忘记密码请找县财政局管理员",
                wait.as_secs().max(1)
            )),
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let found = match state.db.user_by_name(name).await {
        Ok(f) => f,
        Err(m) => {
            // The database, not the password: not held against anyone.
            state.login_refund(&keys);
            return db_down(&state, &m, false);
        }
    };
    let hash = found.as_ref().map(|(_, h)| h.as_str());
    let Some(ok) = state.verify(&form.password, hash).await else {
        state.login_refund(&keys);
        let _ = state
            .db
            .audit(None, "login_busy", "登录繁忙", Some(&ip(&addr)))
            .await;
        let mut r = login_form(
            &state,
            Some("服务器正忙（同时登录的人太多），请几秒后再试"),
            StatusCode::TOO_MANY_REQUESTS,
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        return r;
    };
    let user = match found {
        Some((user, _)) if ok => user,
        _ => {
            let _ = state
                .db
                .audit(
                    None,
                    "login_failed",
                    &format!("用户名“{name}”"),
                    Some(&ip(&addr)),
                )
                .await;
            return login_form(&state, Some("用户名或密码不对"), StatusCode::UNAUTHORIZED);
        }
    };
    if user.disabled {
        let _ = state
            .db
            .audit(Some(&user), "login_failed", "账号已停用", Some(&ip(&addr)))
            .await;
        return login_form(
            &state,
            Some("这个账号已停用，请找县财政局管理员"),
            StatusCode::FORBIDDEN,
        );
    }
    state.login_succeeded(&keys);
    let sid = auth::random_hex(32);
    let csrf = auth::random_hex(16);
    let hours = state.cfg.session_hours;
    if let Err(e) = state
        .db
        .add_session(
            &auth::sha256_hex(sid.as_bytes()),
            user.id,
            &csrf,
            super::db::now_ms() + hours * 3600 * 1000,
        )
        .await
    {
        return db_down(&state, &e, false);
    }
    let _ = state
        .db
        .audit(Some(&user), "login", "登录", Some(&ip(&addr)))
        .await;
    let mut r = Redirect::to(if user.is_county() {
        "/county"
    } else {
        "/township"
    })
    .into_response();
    for c in [
        auth::set_cookie(SESSION, &sid, hours * 3600, state.cfg.secure_cookies),
        auth::set_cookie(LOGIN_CSRF, "", 0, state.cfg.secure_cookies),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    form: Form<CsrfForm>,
) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    if !csrf_ok(&w, Some(&form.csrf)) {
        return csrf_refused(&state, &w, &ip(&addr)).await;
    }
    if let Some(sid) = auth::cookie(&headers, SESSION) {
        let _ = state
            .db
            .drop_session(&auth::sha256_hex(sid.as_bytes()))
            .await;
    }
    let _ = state
        .db
        .audit(Some(&w.user), "logout", "退出", Some(&ip(&addr)))
        .await;
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) =
        HeaderValue::from_str(&auth::set_cookie(SESSION, "", 0, state.cfg.secure_cookies))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn csrf_refused(state: &State, w: &Who, ip: &str) -> Response {
    let _ = state
        .db
        .audit(
            Some(&w.user),
            "denied",
            "表单缺少或带错 CSRF 令牌",
            Some(ip),
        )
        .await;
    error_page(
        state,
        Some(w),
        StatusCode::FORBIDDEN,
        "表单已过期或来源不明（CSRF 令牌不符），请刷新页面后重试",
    )
}

fn sub_view(s: &Submission) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    v["when"] = json!(when(s.uploaded_at));
    v["returned_when"] = json!(s.returned_at.map(when));
    v["size_text"] = json!(if s.size >= 1 << 20 {
        format!("{:.1} MB", s.size as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KB", s.size as f64 / 1024.0)
    });
    v
}

async fn township_page(axum::extract::State(state): St, headers: HeaderMap) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    if w.user.is_county() {
        return Redirect::to("/county").into_response();
    }
    township_view(&state, &w, None, StatusCode::OK).await
}

async fn township_view(
    state: &State,
    w: &Who,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let history = match state.db.history(&w.user.unit).await {
        Ok(h) => h,
        Err(e) => return db_down(state, &e, false),
    };
    // What counts, per 年度 (latest first): a 2024 upload never replaces 2023.
    let by_year = super::db::current_by_year(&history);
    let mut currents: Vec<(Option<i64>, i64)> =
        by_year.iter().map(|((_, y), id)| (*y, *id)).collect();
    currents.sort_by(|a, b| b.cmp(a));
    let counting: std::collections::HashSet<i64> = currents.iter().map(|(_, id)| *id).collect();
    let view = |s: &Submission| {
        let mut v = sub_view(s);
        v["counts"] = json!(counting.contains(&s.id));
        v
    };
    let current_list: Vec<Value> = currents
        .iter()
        .filter_map(|(_, id)| history.iter().find(|s| s.id == *id))
        .map(view)
        .collect();
    let current = current_list.first().cloned();
    let returned: Vec<Value> = history
        .iter()
        .filter(|s| s.state == "returned")
        .take(5)
        .map(view)
        .collect();
    let mut r = page(
        state,
        "township.html",
        json!({
            "user": w.user,
            "csrf": w.csrf,
            "township": w.user.unit,
            "error": error,
            "max_mb": state.cfg.max_upload_mb,
            "current": current,
            "currents": current_list,
            "returned": returned,
            "history": history.iter().map(view).collect::<Vec<_>>(),
        }),
    );
    *r.status_mut() = status;
    r
}

fn too_large(state: &State) -> String {
    format!(
        "文件超过 {} MB 上限，未接收；请删去无关的工作表或图片后再上传",
        state.cfg.max_upload_mb
    )
}

fn over_limit(state: &State, headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > (state.cfg.max_upload_mb << 20) + 64 * 1024)
}

/// Read and drop a refused body (up to 256 MB), so that the client, still
/// sending, reads our 413 and its message instead of a broken connection.
/// An upload over the size limit: audited, and its body read off so the
/// client gets the answer instead of a reset connection.
async fn refuse_oversize(state: &State, w: &Who, addr: &Peer, req: Request) {
    let _ = state
        .db
        .audit(
            Some(&w.user),
            "upload_refused",
            &too_large(state),
            Some(&ip(addr)),
        )
        .await;
    drain(req).await;
}

async fn drain(req: Request) {
    use axum::body::HttpBody;
    let mut body = req.into_body();
    let mut seen: usize = 0;
    while seen < 256 << 20 {
        match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => seen += frame.data_ref().map(|d| d.len()).unwrap_or(0),
            _ => break,
        }
    }
}

/// The parts of an upload form.
struct Upload {
    csrf: Option<String>,
    name: Option<String>,
    bytes: Option<axum::body::Bytes>,
    as_of: Option<String>,
}

async fn read_multipart(mut mp: Multipart) -> Result<Upload, (StatusCode, String)> {
    let mut u = Upload {
        csrf: None,
        name: None,
        bytes: None,
        as_of: None,
    };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err((e.status(), e.body_text())),
        };
        let fname = field.name().unwrap_or("").to_string();
        match fname.as_str() {
            "file" => {
                u.name = Some(field.file_name().unwrap_or("未命名.xlsx").to_string());
                u.bytes = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| (e.status(), e.body_text()))?,
                );
            }
            "csrf" | "as_of" => {
                let t = field
                    .text()
                    .await
                    .map_err(|e| (e.status(), e.body_text()))?;
                if fname == "csrf" {
                    u.csrf = Some(t);
                } else {
                    u.as_of = Some(t);
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

/// An upload that broke off or a form that could not be read: said in
/// Chinese; the library's words go to the server's log.
fn multipart_trouble(detail: &str) -> String {
    eprintln!("jixiao serve：上传表单无法读取：{detail}");
    "上传中断或表单无法读取（网络断开或文件在上传中被改动），请重新选择文件上传".to_string()
}

/// The cut-off a clerk typed: a date, and not after today (a cut-off of
/// 2099 would make every other township 未报送).
fn parse_as_of(s: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => {
            let d = engine::parse_date(d)?;
            let today = chrono::Local::now().date_naive();
            if d > today {
                return Err(format!(
                    "截止日期 {d} 晚于今天（{today}），未接收：截止日期只能是已经过去的日子"
                ));
            }
            Ok(Some(d))
        }
    }
}

async fn upload_page(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    if w.user.is_county() {
        return denied(&state, &w, "县级账号尝试报送", &ip(&addr), false).await;
    }
    if over_limit(&state, &headers) {
        refuse_oversize(&state, &w, &addr, req).await;
        return township_view(
            &state,
            &w,
            Some(&too_large(&state)),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    let mp = match Multipart::from_request(req, &state).await {
        Ok(m) => m,
        Err(e) => {
            return township_view(
                &state,
                &w,
                Some(&multipart_trouble(&e.body_text())),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let u = match read_multipart(mp).await {
        Ok(u) => u,
        Err((status, text)) => {
            let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(&state)
            } else {
                multipart_trouble(&text)
            };
            return township_view(&state, &w, Some(&msg), status).await;
        }
    };
    if !csrf_ok(&w, u.csrf.as_deref()) {
        return csrf_refused(&state, &w, &ip(&addr)).await;
    }
    let (Some(name), Some(bytes)) = (u.name, u.bytes) else {
        return township_view(
            &state,
            &w,
            Some("请选择要上传的台账工作簿"),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let as_of = match parse_as_of(u.as_of.as_deref()) {
        Ok(d) => d,
        Err(m) => return township_view(&state, &w, Some(&m), StatusCode::BAD_REQUEST).await,
    };
    match super::submit(&state, &w.user, &name, bytes, as_of, Some(&ip(&addr))).await {
        Ok(s) => Redirect::to(&format!("/submissions/{}", s.id)).into_response(),
        // The server's own fault (disk, temporary folder): nothing recorded.
        Err(e) => error_page(&state, Some(&w), StatusCode::SERVICE_UNAVAILABLE, &e),
    }
}

/// The submission, if this user may see it (else the response to give).
async fn visible(
    state: &State,
    w: &Who,
    id: i64,
    addr: &Peer,
    api: bool,
) -> Result<Submission, Response> {
    let sub = match state.db.submission(id).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(if api {
                api_error(StatusCode::NOT_FOUND, "没有这个报送")
            } else {
                error_page(state, Some(w), StatusCode::NOT_FOUND, "没有这个报送")
            });
        }
        Err(e) => return Err(api_error(StatusCode::INTERNAL_SERVER_ERROR, &e)),
    };
    if !w.user.is_county() && sub.township != w.user.unit {
        return Err(denied(
            state,
            w,
            &format!("查看 {} 的报送 #{id}", sub.township),
            &ip(addr),
            api,
        )
        .await);
    }
    Ok(sub)
}

fn parse_json(s: &Option<String>) -> Value {
    s.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// Problems shown per page of a submission.
const PROBLEMS_PER_PAGE: usize = 200;

async fn submission_page(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    let Ok(id) = id.parse::<i64>() else {
        return error_page(&state, Some(&w), StatusCode::NOT_FOUND, "没有这个报送");
    };
    let sub = match visible(&state, &w, id, &addr, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    submission_view(&state, &w, &sub, &q, None).await
}

async fn submission_view(
    state: &State,
    w: &Who,
    sub: &Submission,
    q: &HashMap<String, String>,
    notice: Option<&str>,
) -> Response {
    let current = match state.db.current(&sub.township, sub.year).await {
        Ok(c) => c,
        Err(e) => return db_down(state, &e, false),
    };
    let mut r = parse_json(&sub.report_json);
    let m = parse_json(&sub.monthly_json);
    let month = m["month"]
        .as_str()
        .map(str::to_string)
        .or_else(|| sub.as_of.as_ref().map(|d| d.chars().take(7).collect()))
        .unwrap_or_default();
    // The problem list a page at a time.
    let all: Vec<Value> = r["problems"].as_array().cloned().unwrap_or_default();
    let pages = all.len().div_ceil(PROBLEMS_PER_PAGE).max(1);
    let p = q
        .get("p")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let shown: Vec<Value> = all
        .iter()
        .skip((p - 1) * PROBLEMS_PER_PAGE)
        .take(PROBLEMS_PER_PAGE)
        .cloned()
        .collect();
    r["problems"] = json!(shown);
    let total = sub.problems_total.unwrap_or(all.len() as i64);
    let own = !w.user.is_county() && w.user.unit == sub.township;
    page(
        state,
        "submission.html",
        json!({
            "user": w.user,
            "csrf": w.csrf,
            "sub": sub_view(sub),
            "is_current": current == Some(sub.id),
            "own": own,
            "r": r,
            "m": if m.is_null() { Value::Null } else { m },
            "month": month,
            "monitor_month": format!("{}-07", sub.year.unwrap_or(0)),
            "problems_total": total,
            "problems_page": p,
            "problems_pages": pages,
            "placeholders": sub.placeholders,
            "notice": notice,
        }),
    )
}

#[derive(serde::Deserialize)]
struct StateForm {
    #[serde(default)]
    csrf: String,
    /// withdraw | restore | choose | return
    action: String,
    #[serde(default)]
    reason: String,
}

/// A submission's standing changed: the township withdraws, puts back or
/// marks the one that counts; the county returns one with a reason.
async fn submission_state(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Form<StateForm>,
) -> Response {
    use super::db::StateChange;
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    if !csrf_ok(&w, Some(&form.csrf)) {
        return csrf_refused(&state, &w, &ip(&addr)).await;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(&state, Some(&w), StatusCode::NOT_FOUND, "没有这个报送");
    };
    let sub = match visible(&state, &w, id, &addr, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let reason = form.reason.trim();
    let (change, done) = match (form.action.as_str(), w.user.is_county()) {
        ("withdraw", false) => (StateChange::Withdraw, "已撤回，这份报送不再计入县级汇总"),
        ("restore", false) => (StateChange::Restore, "已恢复为报送"),
        ("choose", false) => (StateChange::Choose, "已标记：本年度由这份报送计入县级汇总"),
        ("return", true) => {
            if reason.is_empty() {
                return error_page(
                    &state,
                    Some(&w),
                    StatusCode::BAD_REQUEST,
                    "退回须写明原因（乡镇会看到）",
                );
            }
            if reason.chars().count() > 500 {
                return error_page(
                    &state,
                    Some(&w),
                    StatusCode::BAD_REQUEST,
                    "退回原因不能超过 500 个字",
                );
            }
            (
                StateChange::Return(reason),
                "已退回，乡镇会在报送页看到原因",
            )
        }
        (_, true) => {
            return denied(
                &state,
                &w,
                &format!("县级账号对 #{id} 做乡镇的操作"),
                &ip(&addr),
                false,
            )
            .await;
        }
        (_, false) => {
            return denied(
                &state,
                &w,
                &format!("乡镇账号对 #{id} 做县级的操作"),
                &ip(&addr),
                false,
            )
            .await;
        }
    };
    let detail = match change {
        StateChange::Return(r) => format!("#{id} {}：{r}", sub.file_name),
        _ => format!("#{id} {}", sub.file_name),
    };
    match state
        .db
        .set_state(id, change, &w.user, &detail, Some(&ip(&addr)))
        .await
    {
        Ok(()) => {
            let sub = match state.db.submission(id).await {
                Ok(Some(s)) => s,
                Ok(None) => {
                    return error_page(&state, Some(&w), StatusCode::NOT_FOUND, "没有这个报送");
                }
                Err(e) => return db_down(&state, &e, false),
            };
            submission_view(&state, &w, &sub, &HashMap::new(), Some(done)).await
        }
        Err(e) if super::db::is_down(&e) => db_down(&state, &e, false),
        Err(e) => error_page(&state, Some(&w), StatusCode::CONFLICT, &e),
    }
}

fn attachment(bytes: Vec<u8>, name: &str, mime: &str) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

async fn download(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    let api = w.csrf.is_none();
    let Ok(id) = id.parse::<i64>() else {
        return error_page(&state, Some(&w), StatusCode::NOT_FOUND, "没有这个报送");
    };
    let sub = match visible(&state, &w, id, &addr, api).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let fail = |status: StatusCode, m: &str| {
        if api {
            api_error(status, m)
        } else {
            error_page(&state, Some(&w), status, m)
        }
    };
    let what = match file.as_str() {
        "report.xlsx" => Download::Report,
        "forms.xlsx" => Download::Forms,
        "summary.docx" => Download::Summary,
        "monthly.xlsx" => match q.get("month").map(|m| engine::parse_month(m)) {
            Some(Ok((y, m))) => Download::Monthly(y, m),
            Some(Err(e)) => return fail(StatusCode::BAD_REQUEST, &e),
            None => return fail(StatusCode::BAD_REQUEST, "请选择月报的月份（YYYY-MM）"),
        },
        "monitor.xlsx" => match q.get("month").map(|m| engine::parse_month(m)) {
            Some(Ok((y, m))) => Download::Monitor(y, m),
            Some(Err(e)) => return fail(StatusCode::BAD_REQUEST, &e),
            None => return fail(StatusCode::BAD_REQUEST, "请选择监控期末月份（YYYY-MM）"),
        },
        "report.json" => {
            let _ = state
                .db
                .audit(
                    Some(&w.user),
                    "download",
                    &format!("#{id} report.json"),
                    Some(&ip(&addr)),
                )
                .await;
            let v = parse_json(&sub.report_json);
            if v.is_null() {
                return fail(
                    StatusCode::NOT_FOUND,
                    &format!(
                        "这个文件未能读取：{}",
                        sub.message.clone().unwrap_or_default()
                    ),
                );
            }
            let stem = std::path::Path::new(&sub.file_name)
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            return attachment(
                engine::json_bytes(&v),
                &format!("{stem}-报告.json"),
                "application/json",
            );
        }
        "original" => {
            let _ = state
                .db
                .audit(
                    Some(&w.user),
                    "download",
                    &format!("#{id} 原文件"),
                    Some(&ip(&addr)),
                )
                .await;
            // Served under a name of ours: the clerk's (shown on the page)
            // never reaches a header or a download folder.
            let ext =
                super::workbook_ext(&sub.file_name, &state.head(&sub.sha256).unwrap_or_default())
                    .unwrap_or("bin");
            return match std::fs::read(state.stored_path(&sub.sha256)) {
                Ok(b) => attachment(b, &format!("报送-{id}.{ext}"), "application/octet-stream"),
                Err(e) => {
                    eprintln!("jixiao serve：原文件 #{id} 读不到：{e}");
                    fail(
                        StatusCode::NOT_FOUND,
                        "原文件在服务器上找不到了，请联系县财政局的系统管理员",
                    )
                }
            };
        }
        _ => return fail(StatusCode::NOT_FOUND, "没有这个文件"),
    };
    match super::render(&state, &sub, what).await {
        Ok((bytes, name)) => {
            let _ = state
                .db
                .audit(
                    Some(&w.user),
                    "download",
                    &format!("#{id} {name}"),
                    Some(&ip(&addr)),
                )
                .await;
            let mime = if name.ends_with(".docx") { DOCX } else { XLSX };
            attachment(bytes, &name, mime)
        }
        Err(m) => fail(StatusCode::UNPROCESSABLE_ENTITY, &m),
    }
}

/// `?year=2023`: the county roll-up of that 年度's submissions only.
fn year_of(q: &HashMap<String, String>) -> Option<i64> {
    q.get("year").and_then(|v| v.trim().parse::<i64>().ok())
}

fn month_of(q: &HashMap<String, String>) -> Option<Result<(i32, u32), String>> {
    q.get("month")
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
        .map(engine::parse_month)
}

async fn chosen_month(
    state: &Arc<State>,
    q: &HashMap<String, String>,
) -> Result<(i32, u32), String> {
    match month_of(q) {
        Some(r) => r,
        None => super::default_month(state).await,
    }
}

/// The county view as the pages show it: the county JSON, and per
/// township its 序时进度 and 进度差 from its own 月报.
fn county_context(
    settings: &engine::ServeSettings,
    v: &super::CountyView,
    w: &Who,
    year: Option<i64>,
    y: i32,
    m: u32,
) -> Value {
    let c = &v.out.json;
    let floor = engine::industry_floor(settings).unwrap_or(0.0);
    let low = |s: &Value| {
        s.as_str()
            .and_then(|x| x.parse::<f64>().ok())
            .is_some_and(|x| x < floor)
    };
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for t in c["townships"].as_array().into_iter().flatten() {
        let unit = t["unit"].as_str().unwrap_or("");
        let pace = v
            .by_unit
            .get(unit)
            .and_then(|(_, p)| p.as_ref())
            .map(|p| p.pace.clone())
            .unwrap_or(Value::Null);
        let mut row = t.clone();
        row["schedule"] = pace["schedule"].clone();
        row["gap"] = pace["gap"].clone();
        row["behind"] = pace["behind"].clone();
        row["industry_low"] = json!(low(&t["industry_share"]));
        bars.push(super::svg::Bar {
            label: unit.to_string(),
            rate: t["execution_rate"].as_str().map(str::to_string),
            behind: pace["behind"].as_bool().unwrap_or(false),
        });
        rows.push(row);
    }
    let chart = super::svg::progress_chart(&bars, v.schedule.as_deref(), 40);
    json!({
        "user": w.user,
        "csrf": w.csrf,
        "year": year,
        "month": format!("{y:04}-{m:02}"),
        "month_label": format!("{y}年{m}月"),
        "month_end": engine::month_last_day(y, m).map(|d| d.to_string()),
        "c": c,
        "rows": rows,
        "expected": v.expected.len(),
        "schedule": v.schedule,
        "industry_low": low(&c["industry_share"]),
        "chart": chart,
    })
}

/// A county page's caller and month: logged in (else to the login page), a
/// county account (else 403, audited), a valid month (else 400).
async fn county_month(
    state: &Arc<State>,
    headers: &HeaderMap,
    addr: &Peer,
    q: &HashMap<String, String>,
) -> Result<(Who, i32, u32), Response> {
    let w = match who(state, headers).await {
        Ok(w) => w,
        Err(r) => return Err(r),
    };
    let Some(w) = w else {
        return Err(Redirect::to("/login").into_response());
    };
    if !w.user.is_county() {
        return Err(denied(state, &w, "乡镇账号打开县级汇总", &ip(addr), false).await);
    }
    match chosen_month(state, q).await {
        Ok((y, m)) => Ok((w, y, m)),
        Err(e) => Err(error_page(state, Some(&w), StatusCode::BAD_REQUEST, &e)),
    }
}

async fn county_page(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (w, y, m) = match county_month(&state, &headers, &addr, &q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match super::county_view(&state, year_of(&q), y, m).await {
        Ok(v) => page(
            &state,
            "county.html",
            county_context(&state.settings, &v, &w, year_of(&q), y, m),
        ),
        Err(e) => error_page(&state, Some(&w), StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn drill_page(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (w, y, m) = match county_month(&state, &headers, &addr, &q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let name = q.get("name").cloned().unwrap_or_default();
    let v = match super::county_view(&state, year_of(&q), y, m).await {
        Ok(v) => v,
        Err(e) => return error_page(&state, Some(&w), StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    let (sub, prepared) = match v.by_unit.get(&name) {
        Some((s, p)) => (Some(sub_view(s)), p.clone()),
        None => (None, None),
    };
    let error = if sub.is_none() {
        Some(format!("{name} 在 {y}年{m}月 未报送"))
    } else if prepared.is_none() {
        Some("该报送未能读取".to_string())
    } else {
        None
    };
    page(
        &state,
        "drill.html",
        json!({
            "user": w.user,
            "csrf": w.csrf,
            "name": name,
            "month": format!("{y:04}-{m:02}"),
            "sub": sub,
            "error": error,
            "pace": prepared.as_ref().map(|p| p.pace.clone()),
            "projects": prepared.as_ref().map(|p| p.projects.clone()).unwrap_or(json!([])),
            "problems": prepared.as_ref().map(|p| p.problems.clone()).unwrap_or(json!([])),
        }),
    )
}

async fn county_download(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    let api = w.csrf.is_none();
    if !w.user.is_county() {
        return denied(&state, &w, "乡镇账号下载县级汇总", &ip(&addr), api).await;
    }
    let (y, m) = match chosen_month(&state, &q).await {
        Ok(x) => x,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e),
    };
    let v = match super::county_view(&state, year_of(&q), y, m).await {
        Ok(v) => v,
        Err(e) => return api_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    let title = if state.cfg.title.is_empty() {
        w.user.unit.clone()
    } else {
        state.cfg.title.clone()
    };
    let stem = format!("{title}-汇总-{y:04}-{m:02}");
    let r = match file.as_str() {
        "export.xlsx" => match engine::county_xlsx(&v.out, &title) {
            Ok(b) => attachment(b, &format!("{stem}.xlsx"), XLSX),
            Err(e) => return api_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        },
        "export.json" => attachment(
            engine::json_bytes(&v.out.json),
            &format!("{stem}.json"),
            "application/json",
        ),
        _ => return api_error(StatusCode::NOT_FOUND, "没有这个文件"),
    };
    let _ = state
        .db
        .audit(
            Some(&w.user),
            "download",
            &format!("县级汇总 {file} {y:04}-{m:02}"),
            Some(&ip(&addr)),
        )
        .await;
    r
}

async fn admin_page(axum::extract::State(state): St, addr: Peer, headers: HeaderMap) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    admin_view(&state, &w, &addr, None, None).await
}

async fn admin_view(
    state: &State,
    w: &Who,
    addr: &Peer,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    if !w.user.is_admin() {
        return denied_as(
            state,
            w,
            "非管理员打开账号管理",
            &ip(addr),
            false,
            ADMIN_ONLY,
        )
        .await;
    }
    let users = match state.db.users().await {
        Ok(u) => u,
        Err(e) => return db_down(state, &e, false),
    };
    let tokens: Vec<Value> = state
        .db
        .tokens()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let mut v = serde_json::to_value(&t).unwrap_or(Value::Null);
            v["when"] = json!(when(t.created_at));
            v
        })
        .collect();
    let audit: Vec<Value> = state
        .db
        .audit_log(200)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            let mut v = serde_json::to_value(&a).unwrap_or(Value::Null);
            v["when"] = json!(when(a.at));
            v
        })
        .collect();
    page(
        state,
        "admin.html",
        json!({ "user": w.user, "csrf": w.csrf, "users": users, "tokens": tokens, "audit": audit, "notice": notice, "error": error }),
    )
}

/// The caller, when an administrator posting with the session's token
/// (else the response to give).
async fn admin_caller(
    state: &State,
    headers: &HeaderMap,
    addr: &Peer,
    csrf: &str,
    what: &str,
) -> Result<Who, Response> {
    let w = match who(state, headers).await? {
        Some(w) => w,
        None => return Err(Redirect::to("/login").into_response()),
    };
    if !csrf_ok(&w, Some(csrf)) {
        return Err(csrf_refused(state, &w, &ip(addr)).await);
    }
    if !w.user.is_admin() {
        return Err(denied_as(state, &w, what, &ip(addr), false, ADMIN_ONLY).await);
    }
    Ok(w)
}

#[derive(serde::Deserialize)]
struct AddUserForm {
    #[serde(default)]
    csrf: String,
    name: String,
    /// 乡镇 (township accounts) or 单位 (county accounts).
    township: String,
    /// township | county | admin
    #[serde(default)]
    role: String,
    /// Set when the administrator confirmed a second account for a
    /// township that already has one.
    #[serde(default)]
    confirm: String,
}

async fn admin_add_user(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    form: Form<AddUserForm>,
) -> Response {
    let w = match admin_caller(&state, &headers, &addr, &form.csrf, "非管理员尝试添加账号").await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (role, admin) = match form.role.as_str() {
        "" | "township" => ("township", false),
        "county" => ("county", false),
        "admin" => ("county", true),
        _ => {
            return admin_view(&state, &w, &addr, None, Some("未知的账号类型".into())).await;
        }
    };
    let unit = form.township.trim();
    if role == "township" && form.confirm.is_empty() {
        let users = match state.db.users().await {
            Ok(u) => u,
            Err(e) => return db_down(&state, &e, false),
        };
        let existing: Vec<&str> = users
            .iter()
            .filter(|u| u.role == "township" && u.unit == unit)
            .map(|u| u.name.as_str())
            .collect();
        if !existing.is_empty() {
            // A second account reads the township's history and replaces
            // its submission: only on purpose.
            return admin_view(
                &state,
                &w,
                &addr,
                None,
                Some(format!(
                    "{unit} 已有账号 {}：第二个账号能看到并替换 {unit} 的全部报送。确实需要，请勾选“确认为同一乡镇再建账号”后重新提交",
                    existing.join("、")
                )),
            )
            .await;
        }
    }
    let password = auth::new_password();
    match state
        .add_user_as(&form.name, role, unit, &password, admin)
        .await
    {
        Ok(_) => {
            admin_view(
                &state,
                &w,
                &addr,
                Some(format!(
                    "已添加 {}（{unit}，{}），初始密码：{password}（只显示这一次，请转告本人）",
                    form.name.trim(),
                    match (role, admin) {
                        ("county", true) => "县级管理员",
                        ("county", false) => "县级查看",
                        _ => "乡镇",
                    }
                )),
                None,
            )
            .await
        }
        Err(e) => admin_view(&state, &w, &addr, None, Some(e)).await,
    }
}

#[derive(serde::Deserialize)]
struct UserActionForm {
    #[serde(default)]
    csrf: String,
    /// password | disable | enable | revoke_tokens
    action: String,
}

/// An administrator's action on one account.
async fn admin_user_action(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Form<UserActionForm>,
) -> Response {
    let w = match admin_caller(&state, &headers, &addr, &form.csrf, "非管理员尝试管理账号").await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    let target = match id.parse::<i64>() {
        Ok(id) => match state.db.user_by_id(id).await {
            Ok(Some(u)) => u,
            Ok(None) => {
                return admin_view(&state, &w, &addr, None, Some("没有这个账号".into())).await;
            }
            Err(e) => return db_down(&state, &e, false),
        },
        Err(_) => return admin_view(&state, &w, &addr, None, Some("没有这个账号".into())).await,
    };
    let name = target.name.clone();
    let result: Result<(String, &str, String), String> = match form.action.as_str() {
        "password" => {
            let pw = auth::new_password();
            match state.hash(&pw).await {
                Ok(hash) => state.db.set_password(target.id, &hash).await.map(|n| {
                    (
                        format!("已重设 {name} 的密码，结束了 {n} 个已登录的会话；新密码：{pw}（只显示这一次，请转告本人）。API 令牌不受影响，需要时在下方作废"),
                        "password_reset",
                        "网页重设密码".to_string(),
                    )
                }),
                Err(e) => Err(e),
            }
        }
        "disable" if target.id == w.user.id => Err("不能停用自己的账号".into()),
        "disable" => state.db.set_disabled(target.id, true).await.map(|n| {
            (
                format!("已停用 {name}（结束了 {n} 个会话；其 API 令牌停用期间无效）"),
                "user_disabled",
                "网页停用账号".to_string(),
            )
        }),
        "enable" => state.db.set_disabled(target.id, false).await.map(|_| {
            (
                format!("已启用 {name}"),
                "user_enabled",
                "网页启用账号".to_string(),
            )
        }),
        "revoke_tokens" => state.db.revoke_tokens(target.id).await.map(|n| {
            (
                format!("已作废 {name} 的 {n} 个 API 令牌"),
                "tokens_revoked",
                format!("网页作废 {n} 个 API 令牌"),
            )
        }),
        _ => Err("未知的操作".into()),
    };
    match result {
        Ok((notice, action, detail)) => {
            let _ = state
                .db
                .audit(
                    Some(&w.user),
                    action,
                    &format!("{name}：{detail}"),
                    Some(&ip(&addr)),
                )
                .await;
            admin_view(&state, &w, &addr, Some(notice), None).await
        }
        Err(e) if super::db::is_down(&e) => db_down(&state, &e, false),
        Err(e) => admin_view(&state, &w, &addr, None, Some(e)).await,
    }
}

#[derive(serde::Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    key: String,
}

async fn admin_revoke_token(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    form: Form<TokenForm>,
) -> Response {
    let w = match admin_caller(&state, &headers, &addr, &form.csrf, "非管理员尝试作废令牌").await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    match state.db.revoke_token(form.key.trim()).await {
        Ok(true) => {
            let _ = state
                .db
                .audit(
                    Some(&w.user),
                    "tokens_revoked",
                    &format!("网页作废令牌 {}…", form.key.trim()),
                    Some(&ip(&addr)),
                )
                .await;
            admin_view(&state, &w, &addr, Some("已作废这个 API 令牌".into()), None).await
        }
        Ok(false) => admin_view(&state, &w, &addr, None, Some("没有这个令牌".into())).await,
        Err(e) => db_down(&state, &e, false),
    }
}

// ---- JSON API (Authorization: Bearer …) ----

async fn api_who(state: &State, headers: &HeaderMap, addr: &Peer) -> Result<Who, Response> {
    match who(state, headers).await? {
        Some(w) => Ok(w),
        None => {
            let _ = state
                .db
                .audit(None, "denied", "API 请求缺少有效令牌", Some(&ip(addr)))
                .await;
            Err(api_error(
                StatusCode::UNAUTHORIZED,
                "需要令牌：Authorization: Bearer <令牌>（jixiao serve --add-token 用户名）",
            ))
        }
    }
}

fn submission_json(s: &Submission, current: Option<i64>) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    v["uploaded_at"] =
        json!(chrono::DateTime::from_timestamp_millis(s.uploaded_at).map(|t| t.to_rfc3339()));
    v["current"] = json!(current == Some(s.id));
    v["report"] = parse_json(&s.report_json);
    v["monthly"] = parse_json(&s.monthly_json);
    v
}

async fn api_submit(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let w = match api_who(&state, &headers, &addr).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    // A session (browser) must carry its CSRF token; a bearer token needs none.
    if w.csrf.is_some() {
        let given = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if !csrf_ok(&w, given) {
            let _ = state
                .db
                .audit(
                    Some(&w.user),
                    "denied",
                    "API 请求缺少 CSRF 令牌",
                    Some(&ip(&addr)),
                )
                .await;
            return api_error(StatusCode::FORBIDDEN, "缺少 CSRF 令牌（X-CSRF-Token）");
        }
    }
    if w.user.is_county() {
        return denied(&state, &w, "县级账号尝试报送", &ip(&addr), true).await;
    }
    if over_limit(&state, &headers) {
        refuse_oversize(&state, &w, &addr, req).await;
        return api_error(StatusCode::PAYLOAD_TOO_LARGE, &too_large(&state));
    }
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (name, bytes, as_of) = if multipart {
        let mp = match Multipart::from_request(req, &state).await {
            Ok(m) => m,
            Err(e) => return api_error(StatusCode::BAD_REQUEST, &e.body_text()),
        };
        match read_multipart(mp).await {
            Ok(Upload {
                name: Some(n),
                bytes: Some(b),
                as_of,
                ..
            }) => (n, b, as_of.or_else(|| q.get("as_of").cloned())),
            Ok(_) => return api_error(StatusCode::BAD_REQUEST, "表单中没有 file 字段"),
            Err((status, text)) => {
                let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(&state)
                } else {
                    text
                };
                return api_error(status, &msg);
            }
        }
    } else {
        let bytes = match axum::body::Bytes::from_request(req, &state).await {
            Ok(b) => b,
            Err(e) => {
                let status = e.status();
                let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(&state)
                } else {
                    e.body_text()
                };
                return api_error(status, &msg);
            }
        };
        (
            q.get("filename")
                .cloned()
                .unwrap_or_else(|| "未命名.xlsx".into()),
            bytes,
            q.get("as_of").cloned(),
        )
    };
    let as_of = match parse_as_of(as_of.as_deref()) {
        Ok(d) => d,
        Err(m) => return api_error(StatusCode::BAD_REQUEST, &m),
    };
    match super::submit(&state, &w.user, &name, bytes, as_of, Some(&ip(&addr))).await {
        Ok(s) => {
            let sub = match state.db.submission(s.id).await {
                Ok(Some(sub)) => sub,
                _ => return api_error(StatusCode::INTERNAL_SERVER_ERROR, "报送已记录但无法读回"),
            };
            let current = state
                .db
                .current(&sub.township, sub.year)
                .await
                .ok()
                .flatten();
            let status = if s.ok {
                StatusCode::CREATED
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, axum::Json(submission_json(&sub, current))).into_response()
        }
        Err(e) => api_error(StatusCode::SERVICE_UNAVAILABLE, &e),
    }
}

async fn api_submission(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let w = match api_who(&state, &headers, &addr).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return api_error(StatusCode::NOT_FOUND, "没有这个报送");
    };
    let sub = match visible(&state, &w, id, &addr, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let current = state
        .db
        .current(&sub.township, sub.year)
        .await
        .ok()
        .flatten();
    axum::Json(submission_json(&sub, current)).into_response()
}

/// `GET /api/submissions[?township=…]`: the history (township: its own).
async fn api_list(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = match api_who(&state, &headers, &addr).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let township = match (w.user.is_county(), q.get("township")) {
        (false, Some(t)) if *t != w.user.unit => {
            return denied(&state, &w, &format!("列出 {t} 的报送"), &ip(&addr), true).await;
        }
        (false, _) => w.user.unit.clone(),
        (true, Some(t)) => t.clone(),
        (true, None) => return api_error(StatusCode::BAD_REQUEST, "请给出 township=乡镇名"),
    };
    let history = match state.db.history(&township).await {
        Ok(h) => h,
        Err(e) => return db_down(&state, &e, true),
    };
    // "current": the latest 年度's; "current_by_year": each 年度's.
    let by_year = super::db::current_by_year(&history);
    let current = by_year
        .iter()
        .max_by_key(|((_, y), id)| (*y, **id))
        .map(|(_, id)| *id);
    let counting: std::collections::HashSet<i64> = by_year.values().copied().collect();
    axum::Json(json!({
        "township": township,
        "current": current,
        "current_by_year": by_year
            .iter()
            .map(|((_, y), id)| (y.map(|y| y.to_string()).unwrap_or_else(|| "未知".into()), json!(id)))
            .collect::<serde_json::Map<String, Value>>(),
        "submissions": history.iter().map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            v["current"] = json!(counting.contains(&s.id));
            v
        }).collect::<Vec<_>>(),
    }))
    .into_response()
}

async fn api_county(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let w = match api_who(&state, &headers, &addr).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if !w.user.is_county() {
        return denied(&state, &w, "乡镇账号读取县级汇总", &ip(&addr), true).await;
    }
    let (y, m) = match chosen_month(&state, &q).await {
        Ok(x) => x,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e),
    };
    let v = match super::county_view(&state, year_of(&q), y, m).await {
        Ok(v) => v,
        Err(e) => return api_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    // The county JSON as `consolidate --json` writes it, plus the month,
    // its 序时进度 and each township's pace (from its own 月报).
    let mut out = v.out.json.clone();
    if let Some(ts) = out["townships"].as_array_mut() {
        for t in ts {
            let unit = t["unit"].as_str().unwrap_or("").to_string();
            if let Some((s, p)) = v.by_unit.get(&unit) {
                t["submission"] = json!(s.id);
                t["pace"] = p.as_ref().map(|p| p.pace.clone()).unwrap_or(Value::Null);
            }
        }
    }
    out["month"] = json!(format!("{y:04}-{m:02}"));
    out["schedule"] = json!(v.schedule);
    out["expected"] = json!(v.expected);
    let _ = state
        .db
        .audit(
            Some(&w.user),
            "read",
            &format!("API 县级汇总 {y:04}-{m:02}"),
            Some(&ip(&addr)),
        )
        .await;
    axum::Json(out).into_response()
}
