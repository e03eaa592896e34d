//! The JSON API (bearer tokens).

use super::*;

pub(super) async fn api_who(
    state: &State,
    headers: &HeaderMap,
    addr: &Peer,
) -> Result<Who, Response> {
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

pub(super) fn submission_json(s: &Submission, current: Option<i64>) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    v["uploaded_at"] =
        json!(chrono::DateTime::from_timestamp_millis(s.uploaded_at).map(|t| t.to_rfc3339()));
    v["current"] = json!(current == Some(s.id));
    v["report"] = parse_json(&s.report_json);
    v["monthly"] = parse_json(&s.monthly_json);
    v
}

pub(super) async fn api_submit(
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
    match crate::serve::submit(&state, &w.user, &name, bytes, as_of, Some(&ip(&addr))).await {
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

pub(super) async fn api_submission(
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
pub(super) async fn api_list(
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
    let by_year = crate::serve::db::current_by_year(&history);
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

pub(super) async fn api_county(
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
    let v = match crate::serve::county_view(&state, year_of(&q), y, m).await {
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
