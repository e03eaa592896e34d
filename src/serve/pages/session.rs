//! Logging in and out: the login page, the login itself (counted before
//! the password is checked, argon2 in a bounded pool), logout.

use super::*;

pub(super) async fn login_page(axum::extract::State(state): St) -> Response {
    login_form(&state, None, StatusCode::OK)
}

pub(super) fn login_form(state: &State, error: Option<&str>, status: StatusCode) -> Response {
    let token = auth::random_hex(16);
    let mut r = page(
        state,
        "login.html",
        LoginView {
            csrf: &token,
            error,
        },
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
pub(super) struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn login(
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
    if name.chars().count() > crate::serve::MAX_NAME_CHARS {
        return login_form(
            &state,
            Some(&format!(
                "用户名不能超过 {} 个字符",
                crate::serve::MAX_NAME_CHARS
            )),
            StatusCode::BAD_REQUEST,
        );
    }
    // Counted before the password is checked: many tries at once are not
    // all checked. Per account at this address, and per address.
    let keys = [
        (
            format!("用户:{name}@{}", ip(&addr)),
            crate::serve::LOGIN_TRIES,
        ),
        (
            format!("地址:{}", ip(&addr)),
            crate::serve::LOGIN_TRIES_PER_ADDRESS,
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
            crate::serve::db::now_ms() + hours * 3600 * 1000,
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
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn logout(
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

/// The login page.
#[derive(serde::Serialize)]
struct LoginView<'a> {
    csrf: &'a str,
    error: Option<&'a str>,
}
