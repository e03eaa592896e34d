//! A township's pages: its uploads, each submission's page, downloads and
//! standing (withdraw, mark, 退回).

use super::*;

/// One submission as the pages list it.
#[derive(serde::Serialize)]
pub(super) struct SubView<'a> {
    #[serde(flatten)]
    sub: &'a Submission,
    when: String,
    returned_when: Option<String>,
    size_text: String,
    /// The one that counts for its township and 年度.
    counts: bool,
}

pub(super) fn sub_row(s: &Submission, counts: bool) -> SubView<'_> {
    SubView {
        sub: s,
        when: when(s.uploaded_at),
        returned_when: s.returned_at.map(when),
        size_text: if s.size >= 1 << 20 {
            format!("{:.1} MB", s.size as f64 / (1u64 << 20) as f64)
        } else {
            format!("{:.1} KB", s.size as f64 / 1024.0)
        },
        counts,
    }
}

pub(super) fn sub_view(s: &Submission) -> Value {
    serde_json::to_value(sub_row(s, false)).unwrap_or(Value::Null)
}

/// The township page.
#[derive(serde::Serialize)]
struct TownshipView<'a> {
    user: &'a User,
    csrf: &'a Option<String>,
    township: &'a str,
    error: Option<&'a str>,
    max_mb: u64,
    /// The latest 年度's submission that counts.
    current: Option<SubView<'a>>,
    /// Every 年度's, latest first.
    currents: Vec<SubView<'a>>,
    /// Returned by the county, with the reason (the latest few).
    returned: Vec<SubView<'a>>,
    history: Vec<SubView<'a>>,
}

pub(super) async fn township_page(
    axum::extract::State(state): St,
    Session(w): Session,
) -> Response {
    if w.user.is_county() {
        return Redirect::to("/county").into_response();
    }
    township_view(&state, &w, None, StatusCode::OK).await
}

pub(super) async fn township_view(
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
    let by_year = crate::serve::db::current_by_year(&history);
    let mut currents: Vec<(Option<i64>, i64)> =
        by_year.iter().map(|((_, y), id)| (*y, *id)).collect();
    currents.sort_by(|a, b| b.cmp(a));
    let counting: std::collections::HashSet<i64> = currents.iter().map(|(_, id)| *id).collect();
    let view = |s| sub_row(s, counting.contains(&s.id));
    let of_year = |skip: usize| {
        currents
            .iter()
            .skip(skip)
            .filter_map(|(_, id)| history.iter().find(|s| s.id == *id))
            .map(view)
            .collect::<Vec<_>>()
    };
    let mut r = page(
        state,
        "township.html",
        TownshipView {
            user: &w.user,
            csrf: &w.csrf,
            township: &w.user.unit,
            error,
            max_mb: state.cfg.max_upload_mb,
            current: of_year(0).into_iter().next(),
            currents: of_year(0),
            returned: history
                .iter()
                .filter(|s| s.state == "returned")
                .take(5)
                .map(view)
                .collect(),
            history: history.iter().map(view).collect(),
        },
    );
    *r.status_mut() = status;
    r
}

pub(super) fn too_large(state: &State) -> String {
    format!(
        "文件超过 {} MB 上限，未接收；请删去无关的工作表或图片后再上传",
        state.cfg.max_upload_mb
    )
}

pub(super) fn over_limit(state: &State, headers: &HeaderMap) -> bool {
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
pub(super) async fn refuse_oversize(state: &State, w: &Who, addr: &Peer, req: Request) {
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

pub(super) async fn drain(req: Request) {
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
pub(super) struct Upload {
    pub(super) csrf: Option<String>,
    pub(super) name: Option<String>,
    pub(super) bytes: Option<axum::body::Bytes>,
    pub(super) as_of: Option<String>,
}

pub(super) async fn read_multipart(mut mp: Multipart) -> Result<Upload, (StatusCode, String)> {
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
pub(super) fn multipart_trouble(detail: &str) -> String {
    eprintln!("jixiao serve：上传表单无法读取：{detail}");
    "上传中断或表单无法读取（网络断开或文件在上传中被改动），请重新选择文件上传".to_string()
}

/// The cut-off a clerk typed: a date, and not after today (a cut-off of
/// 2099 would make every other township 未报送).
pub(super) fn parse_as_of(s: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
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

pub(super) async fn upload_page(
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
    match crate::serve::submit(&state, &w.user, &name, bytes, as_of, Some(&ip(&addr))).await {
        Ok(s) => Redirect::to(&format!("/submissions/{}", s.id)).into_response(),
        // The server's own fault (disk, temporary folder): nothing recorded.
        Err(e) => error_page(&state, Some(&w), StatusCode::SERVICE_UNAVAILABLE, &e),
    }
}

/// The submission, if this user may see it (else the response to give).
pub(super) async fn visible(
    state: &State,
    w: &Who,
    id: i64,
    addr: &Peer,
    api: bool,
) -> Result<Submission, Response> {
    let sub = match state.db.submission(id).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(AppError::not_found("没有这个报送")
                .to(w)
                .api(api)
                .into_response());
        }
        Err(e) => return Err(AppError::from(e).to(w).api(api).into_response()),
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

pub(super) fn parse_json(s: &Option<String>) -> Value {
    s.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// Problems shown per page of a submission.
pub(super) const PROBLEMS_PER_PAGE: usize = 200;

pub(super) async fn submission_page(
    axum::extract::State(state): St,
    addr: Peer,
    Session(w): Session,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return AppError::not_found("没有这个报送")
            .to(&w)
            .api(false)
            .into_response();
    };
    let sub = match visible(&state, &w, id, &addr, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    submission_view(&state, &w, &sub, &q, None).await
}

pub(super) async fn submission_view(
    state: &Arc<State>,
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
    // The header with a dropdown per column: when the reader could not
    // find the table (or the clerk asks), for the township and admins.
    let layout_trouble = sub.status != "ok"
        && sub
            .message
            .as_deref()
            .is_some_and(|m| LAYOUT_WORDS.iter().any(|w| m.contains(w)));
    let may_map = own || w.user.is_admin();
    let asked = q.get("map").is_some_and(|v| v == "1");
    let mapping = if may_map && (layout_trouble || asked) {
        let pick = |k: &str| {
            q.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        match crate::serve::header_view(
            state,
            sub,
            pick("sheet"),
            pick("role"),
            pick("row").and_then(|r| r.parse().ok()),
        )
        .await
        {
            Ok(h) => json!(h),
            Err(m) => json!({ "error": m }),
        }
    } else {
        Value::Null
    };
    let has_own_mapping = state.settings.has_own_mapping(&sub.township);
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
            "notice_placeholders": sub.notice_placeholders,
            "notice": notice,
            "mapping": mapping,
            "may_map": may_map,
            "has_own_mapping": has_own_mapping,
        }),
    )
}

/// Messages of a layout the reader did not recognise (a required column
/// missing, no table found): the mapping dropdowns are offered.
const LAYOUT_WORDS: &[&str] = &["缺少必填列", "没有“项目”工作表", "没有映射文件指定的"];

/// The mapping dropdowns saved: the township's mapping stored and used, the
/// stored upload read again with it (a new submission).
pub(super) async fn save_mapping(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Form<HashMap<String, String>>,
) -> Response {
    let Some(w) = who!(state, headers) else {
        return Redirect::to("/login").into_response();
    };
    if !csrf_ok(&w, form.get("csrf").map(String::as_str)) {
        return csrf_refused(&state, &w, &ip(&addr)).await;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(&state, Some(&w), StatusCode::NOT_FOUND, "没有这个报送");
    };
    let sub = match visible(&state, &w, id, &addr, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let own = !w.user.is_county() && w.user.unit == sub.township;
    if !own && !w.user.is_admin() {
        return denied_as(
            &state,
            &w,
            &format!("非本镇、非管理员保存 {} 的列名映射", sub.township),
            &ip(&addr),
            false,
            "无权访问：只有本乡镇账号和县级管理员可以指定列名对应",
        )
        .await;
    }
    let field = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (sheet, role) = (field("sheet"), field("role"));
    let Ok(row) = field("row").parse::<u32>() else {
        return error_page(
            &state,
            Some(&w),
            StatusCode::BAD_REQUEST,
            "表头行号应为数字",
        );
    };
    let mut assigned: Vec<(u32, String)> = form
        .iter()
        .filter_map(|(k, v)| {
            let col = k.strip_prefix('c')?.parse::<u32>().ok()?;
            let v = v.trim();
            (!v.is_empty()).then(|| (col, v.to_string()))
        })
        .collect();
    assigned.sort();
    if assigned.is_empty() {
        return error_page(
            &state,
            Some(&w),
            StatusCode::BAD_REQUEST,
            "没有为任何一列指定标准列，列名映射未保存",
        );
    }
    match crate::serve::save_mapping(
        &state,
        &w.user,
        &sub,
        sheet,
        role,
        row,
        assigned,
        Some(&ip(&addr)),
    )
    .await
    {
        Ok(s) => Redirect::to(&format!("/submissions/{}", s.id)).into_response(),
        Err(crate::serve::Failure::Workbook(m)) => {
            error_page(&state, Some(&w), StatusCode::UNPROCESSABLE_ENTITY, &m)
        }
        Err(crate::serve::Failure::Server(m)) => {
            error_page(&state, Some(&w), StatusCode::SERVICE_UNAVAILABLE, &m)
        }
    }
}

#[derive(serde::Deserialize)]
pub(super) struct StateForm {
    #[serde(default)]
    csrf: String,
    /// withdraw | restore | choose | return
    action: String,
    #[serde(default)]
    reason: String,
}

/// A submission's standing changed: the township withdraws, puts back or
/// marks the one that counts; the county returns one with a reason.
pub(super) async fn submission_state(
    axum::extract::State(state): St,
    addr: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Form<StateForm>,
) -> Response {
    use crate::serve::db::StateChange;
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
        Err(e) if crate::serve::db::is_down(&e) => db_down(&state, &e, false),
        Err(e) => error_page(&state, Some(&w), StatusCode::CONFLICT, &e),
    }
}

pub(super) fn attachment(bytes: Vec<u8>, name: &str, mime: &str) -> Response {
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

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(super) const DOCX: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

pub(super) async fn download(
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
        "assets.xlsx" => Download::Assets,
        "notice-plan.xlsx" => Download::NoticePlan,
        "notice-result.docx" => Download::NoticeResult,
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
            let ext = crate::serve::workbook_ext(
                &sub.file_name,
                &state.head(&sub.sha256).unwrap_or_default(),
            )
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
    match crate::serve::render(&state, &sub, what).await {
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
