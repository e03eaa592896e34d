//! Accounts and the audit log (administrators only).

use super::*;

pub(super) async fn admin_page(
    axum::extract::State(state): St,
    addr: Peer,
    AdminUser(w): AdminUser,
) -> Response {
    admin_view(&state, &w, &addr, None, None).await
}

pub(super) async fn admin_view(
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
    let tokens = state.db.tokens().await.unwrap_or_default();
    let audit = state.db.audit_log(200).await.unwrap_or_default();
    page(
        state,
        "admin.html",
        AdminView {
            user: &w.user,
            csrf: &w.csrf,
            users: &users,
            tokens: tokens
                .iter()
                .map(|t| Dated {
                    row: t,
                    when: when(t.created_at),
                })
                .collect(),
            audit: audit
                .iter()
                .map(|a| Dated {
                    row: a,
                    when: when(a.at),
                })
                .collect(),
            notice,
            error,
        },
    )
}

/// The accounts page.
#[derive(serde::Serialize)]
struct AdminView<'a> {
    user: &'a User,
    csrf: &'a Option<String>,
    users: &'a [User],
    tokens: Vec<Dated<'a, crate::serve::db::TokenRow>>,
    audit: Vec<Dated<'a, crate::serve::db::AuditRow>>,
    notice: Option<String>,
    error: Option<String>,
}

/// A row with its time as people read it.
#[derive(serde::Serialize)]
struct Dated<'a, T: serde::Serialize> {
    #[serde(flatten)]
    row: &'a T,
    when: String,
}

/// The caller, when an administrator posting with the session's token
/// (else the response to give).
pub(super) async fn admin_caller(
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
pub(super) struct AddUserForm {
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

pub(super) async fn admin_add_user(
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
pub(super) struct UserActionForm {
    #[serde(default)]
    csrf: String,
    /// password | disable | enable | revoke_tokens
    action: String,
}

/// An administrator's action on one account.
pub(super) async fn admin_user_action(
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
        Err(e) if crate::serve::db::is_down(&e) => db_down(&state, &e, false),
        Err(e) => admin_view(&state, &w, &addr, None, Some(e)).await,
    }
}

#[derive(serde::Deserialize)]
pub(super) struct TokenForm {
    #[serde(default)]
    csrf: String,
    key: String,
}

pub(super) async fn admin_revoke_token(
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
