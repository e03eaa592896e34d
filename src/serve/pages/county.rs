//! The county's pages: the roll-up of a month, a township's drill-down and
//! the county workbook.

use super::*;

/// `?year=2023`: the county roll-up of that 年度's submissions only.
pub(super) fn year_of(q: &HashMap<String, String>) -> Option<i64> {
    q.get("year").and_then(|v| v.trim().parse::<i64>().ok())
}

pub(super) fn month_of(q: &HashMap<String, String>) -> Option<Result<(i32, u32), String>> {
    q.get("month")
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
        .map(engine::parse_month)
}

pub(super) async fn chosen_month(
    state: &Arc<State>,
    q: &HashMap<String, String>,
) -> Result<(i32, u32), String> {
    match month_of(q) {
        Some(r) => r,
        None => crate::serve::default_month(state).await,
    }
}

/// The county view as the pages show it: the county JSON, and per
/// township its 序时进度 and 进度差 from its own 月报.
pub(super) fn county_context(
    settings: &engine::ServeSettings,
    v: &crate::serve::CountyView,
    w: &Who,
    year: Option<i64>,
    y: i32,
    m: u32,
) -> Value {
    let c = &v.out.json;
    let _ = settings;
    let floor = v.out.floor.unwrap_or(0.0);
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
        bars.push(crate::serve::svg::Bar {
            label: unit.to_string(),
            rate: t["execution_rate"].as_str().map(str::to_string),
            behind: pace["behind"].as_bool().unwrap_or(false),
        });
        rows.push(row);
    }
    let chart = crate::serve::svg::progress_chart(&bars, v.schedule.as_deref(), 40);
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

pub(super) async fn county_page(
    axum::extract::State(state): St,
    CountyUser(w): CountyUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (y, m) = chosen_month(&state, &q)
        .await
        .map_err(|e| AppError::new(StatusCode::BAD_REQUEST, e).to(&w))?;
    let v = crate::serve::county_view(&state, year_of(&q), y, m)
        .await
        .map_err(|e| AppError::from(e).to(&w))?;
    Ok(page(
        &state,
        "county.html",
        county_context(&state.settings, &v, &w, year_of(&q), y, m),
    ))
}

pub(super) async fn drill_page(
    axum::extract::State(state): St,
    CountyUser(w): CountyUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (y, m) = chosen_month(&state, &q)
        .await
        .map_err(|e| AppError::new(StatusCode::BAD_REQUEST, e).to(&w))?;
    let v = crate::serve::county_view(&state, year_of(&q), y, m)
        .await
        .map_err(|e| AppError::from(e).to(&w))?;
    let name = q.get("name").cloned().unwrap_or_default();
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
    Ok(page(
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
    ))
}

pub(super) async fn county_download(
    axum::extract::State(state): St,
    addr: Peer,
    CountyUser(w): CountyUser,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (y, m) = match chosen_month(&state, &q).await {
        Ok(x) => x,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e),
    };
    let v = match crate::serve::county_view(&state, year_of(&q), y, m).await {
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
