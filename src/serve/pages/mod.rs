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
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("error.html", include_str!("../templates/error.html")),
        ("township.html", include_str!("../templates/township.html")),
        (
            "submission.html",
            include_str!("../templates/submission.html"),
        ),
        ("county.html", include_str!("../templates/county.html")),
        ("drill.html", include_str!("../templates/drill.html")),
        ("admin.html", include_str!("../templates/admin.html")),
    ] {
        env.add_template(name, text).expect("template parses");
    }
    env.add_filter("field_label", |v: Option<String>| -> String {
        engine::field_label(v.as_deref())
    });
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
        .route("/submissions/{id}/mapping", post(save_mapping))
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
        .next_back()
        .map(|a| a.to_string())
}

fn ip(c: &Peer) -> String {
    c.0.clone()
}

/// The pages' templates, compiled once for the process.
fn templates() -> &'static minijinja::Environment<'static> {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(environment)
}

fn page(_state: &State, name: &str, ctx: impl serde::Serialize) -> Response {
    render(name, ctx)
}

/// A template filled from a view (a typed struct, or the CLI's JSON where
/// the page shows that JSON as it is).
fn render(name: &str, ctx: impl serde::Serialize) -> Response {
    match templates()
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

fn error_page(_state: &State, who: Option<&Who>, status: StatusCode, message: &str) -> Response {
    error_html(
        who.map(|w| &w.user),
        who.and_then(|w| w.csrf.clone()),
        status,
        message,
    )
}

fn error_html(
    user: Option<&User>,
    csrf: Option<String>,
    status: StatusCode,
    message: &str,
) -> Response {
    let title = match status {
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "找不到",
        StatusCode::PAYLOAD_TOO_LARGE => "文件过大",
        StatusCode::BAD_REQUEST => "请求有误",
        _ => "出错了",
    };
    let mut r = render(
        "error.html",
        json!({
            "user": user,
            "csrf": csrf,
            "title": title,
            "message": message,
        }),
    );
    *r.status_mut() = status;
    r
}

/// Every failure a handler returns: its status, its Chinese message, and
/// whether the caller is the API (JSON) or a page (HTML, with the caller's
/// header when known).
struct AppError {
    status: StatusCode,
    message: String,
    api: bool,
    who: Option<(User, Option<String>)>,
}

impl AppError {
    fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
            api: false,
            who: None,
        }
    }
    /// Answered as JSON.
    fn api(mut self, api: bool) -> AppError {
        self.api = api;
        self
    }
    /// Shown with the caller's header (name, logout).
    fn to(mut self, w: &Who) -> AppError {
        self.who = Some((w.user.clone(), w.csrf.clone()));
        self.api = w.csrf.is_none();
        self
    }
    fn not_found(message: &str) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, message)
    }
}

/// A database error (`Db`'s message): 503 when it cannot be reached, else 500.
impl From<String> for AppError {
    fn from(m: String) -> AppError {
        let status = if super::db::is_down(&m) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        AppError::new(status, m)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.api {
            api_error(self.status, &self.message)
        } else {
            let (user, csrf) = match self.who {
                Some((u, c)) => (Some(u), c),
                None => (None, None),
            };
            error_html(user.as_ref(), csrf, self.status, &self.message)
        }
    }
}

/// The caller of a page or the API, logged in (a session or a bearer
/// token). Not logged in: to the login page; database down: 503.
struct Session(Who);

impl axum::extract::FromRequestParts<Arc<State>> for Session {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<State>,
    ) -> Result<Session, Response> {
        match who(state, &parts.headers).await? {
            Some(w) => Ok(Session(w)),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// A county account (viewer or administrator); a township: 403, audited.
struct CountyUser(Who);

impl axum::extract::FromRequestParts<Arc<State>> for CountyUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<State>,
    ) -> Result<CountyUser, Response> {
        let Session(w) = Session::from_request_parts(parts, state).await?;
        if w.user.is_county() {
            return Ok(CountyUser(w));
        }
        let Ok(addr) = Peer::from_request_parts(parts, state).await;
        let api = w.csrf.is_none();
        Err(denied(
            state,
            &w,
            &format!("乡镇账号打开 {}", parts.uri.path()),
            &ip(&addr),
            api,
        )
        .await)
    }
}

/// A county administrator; anyone else: 403, audited.
struct AdminUser(Who);

impl axum::extract::FromRequestParts<Arc<State>> for AdminUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<State>,
    ) -> Result<AdminUser, Response> {
        let Session(w) = Session::from_request_parts(parts, state).await?;
        if w.user.is_admin() {
            return Ok(AdminUser(w));
        }
        let Ok(addr) = Peer::from_request_parts(parts, state).await;
        let api = w.csrf.is_none();
        Err(denied_as(
            state,
            &w,
            &format!("非管理员打开 {}", parts.uri.path()),
            &ip(&addr),
            api,
            ADMIN_ONLY,
        )
        .await)
    }
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

mod admin;
mod api;
mod county;
mod session;
mod township;

use admin::*;
use api::*;
use county::*;
use session::*;
use township::*;
