//! The county chart, written as SVG on the server (no script, no CDN):
//! each township's 支出进度 as a bar, 序时进度 as a line.

pub struct Bar {
    pub label: String,
    /// Percent, as the JSON gives it ("56.62").
    pub rate: Option<String>,
    pub behind: bool,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars, at most `max` of them (the highest and the lowest half
/// each when there are more), with the schedule as a vertical line.
pub fn progress_chart(bars: &[Bar], schedule: Option<&str>, max: usize) -> String {
    let shown: Vec<&Bar> = if bars.len() > max {
        bars.iter()
            .take(max / 2)
            .chain(bars.iter().skip(bars.len() - max / 2))
            .collect()
    } else {
        bars.iter().collect()
    };
    let gap_row = bars.len() > max;
    let (left, width, row) = (96.0, 520.0, 18.0);
    let plot = width - left - 50.0;
    let rows = shown.len() + usize::from(gap_row);
    let height = 30.0 + row * rows.max(1) as f64 + 24.0;
    let x = |pct: f64| left + plot * pct.clamp(0.0, 120.0) / 120.0;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="各乡镇支出进度与序时进度" font-size="11" font-family="sans-serif" id="chart">"#
    );
    // Grid at 0, 20, … 120 %.
    for g in (0..=120).step_by(20) {
        let gx = x(g as f64);
        s += &format!(
            r##"<line x1="{gx:.1}" y1="22" x2="{gx:.1}" y2="{:.1}" stroke="#e3e8ee"/><text x="{gx:.1}" y="16" text-anchor="middle" fill="#666">{g}%</text>"##,
            height - 20.0
        );
    }
    let mut y = 28.0;
    for (i, b) in shown.iter().enumerate() {
        if gap_row && i == max / 2 {
            s += &format!(
                r##"<text x="{left}" y="{:.1}" fill="#888">… 另有 {} 个单位未画出 …</text>"##,
                y + 12.0,
                bars.len() - shown.len()
            );
            y += row;
        }
        let rate: Option<f64> = b.rate.as_deref().and_then(|r| r.parse().ok());
        s += &format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#222">{}</text>"##,
            left - 6.0,
            y + 11.0,
            esc(&b.label.chars().take(8).collect::<String>())
        );
        if let Some(r) = rate {
            let color = if b.behind { "#c0504d" } else { "#4f81bd" };
            s += &format!(
                r##"<rect x="{left}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{}：{}%</title></rect><text x="{:.1}" y="{:.1}" fill="#333">{}%</text>"##,
                x(r) - left,
                row - 5.0,
                esc(&b.label),
                esc(b.rate.as_deref().unwrap_or("")),
                x(r) + 4.0,
                y + 11.0,
                esc(b.rate.as_deref().unwrap_or(""))
            );
        } else {
            s += &format!(
                r##"<text x="{:.1}" y="{:.1}" fill="#888">—</text>"##,
                left + 4.0,
                y + 11.0
            );
        }
        y += row;
    }
    if let Some(sx) = schedule.and_then(|v| v.parse::<f64>().ok()) {
        let lx = x(sx);
        s += &format!(
            r##"<line x1="{lx:.1}" y1="22" x2="{lx:.1}" y2="{:.1}" stroke="#e07b00" stroke-width="2" stroke-dasharray="5 3"/><text x="{lx:.1}" y="{:.1}" text-anchor="middle" fill="#e07b00">序时进度 {}%</text>"##,
            height - 20.0,
            height - 6.0,
            esc(schedule.unwrap_or(""))
        );
    }
    s += "</svg>";
    s
}
