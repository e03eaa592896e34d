#!/usr/bin/env python3
"""The hand-written peer for `benches/scale.rs`: what a clerk's Python script
does with a standard ledger (项目 / 拨付 / 说明 sheets) — openpyxl and Decimal,
the same headline figures as `jixiao report --json` (each project's paid and
execution rate, totals, by category and by fund, the monthly series, a notice
per payment after the cut-off, per overpaid project), written as JSON and as a
small workbook (one row per project).

Usage: peer.py LEDGER.xlsx AS_OF(YYYY-MM-DD) OUT.json OUT.xlsx
"""
import datetime
import json
import sys
from decimal import ROUND_HALF_UP, Decimal

import openpyxl

ledger, as_of, out_json, out_xlsx = sys.argv[1:5]
as_of = datetime.date.fromisoformat(as_of)
HUNDRED = Decimal(100)


def dec(v):
    if v is None or v == "":
        return None
    # Through str: the figure as the cell shows it, not the binary float.
    return Decimal(str(v))


def rate(paid, budget):
    if not budget:
        return None
    return str((paid * HUNDRED / budget).quantize(Decimal("0.01"), ROUND_HALF_UP))


def day(v):
    return v.date() if isinstance(v, datetime.datetime) else v


wb = openpyxl.load_workbook(ledger, read_only=True, data_only=True)
projects, order = {}, []
rows = wb["项目"].iter_rows(values_only=True)
head = {h: i for i, h in enumerate(next(rows))}
for r in rows:
    pid = r[head["项目编号"]]
    if pid is None:
        continue
    pid = str(pid)
    projects[pid] = {
        "id": pid,
        "name": r[head["项目名称"]],
        "category": r[head["项目类别"]],
        "fund_source": r[head["资金性质"]],
        "budget": dec(r[head["预算金额（万元）"]]) or Decimal(0),
        "settled": dec(r[head["结算金额（万元）"]]),
        "paid": Decimal(0),
    }
    order.append(pid)

problems, monthly, fund_paid, fund_cross = [], {}, {}, {}
rows = wb["拨付"].iter_rows(values_only=True)
head = {h: i for i, h in enumerate(next(rows))}
for n, r in enumerate(rows, start=2):
    pid, date, amount = r[head["项目编号"]], day(r[head["拨付日期"]]), dec(r[head["拨付金额（万元）"]])
    if pid is None or amount is None:
        continue
    if date > as_of:
        problems.append(
            {"severity": "提示", "cell": f"拨付!A{n}",
             "message": f"拨付!A{n}：拨付日期 {date} 晚于截止日期 {as_of}，该笔 {amount} 万元未计入"})
        continue
    key = f"{date.year}-{date.month:02}"
    monthly[key] = monthly.get(key, Decimal(0)) + amount
    p = projects.get(str(pid))
    if p is not None:
        p["paid"] += amount
        # 按资金性质: by the payment's own fund, else its project's.
        fund = r[head["资金性质"]] or p["fund_source"]
        fund_paid[fund] = fund_paid.get(fund, Decimal(0)) + amount
        if fund != p["fund_source"]:  # paid to another fund's work: not in its rate
            fund_cross[fund] = fund_cross.get(fund, Decimal(0)) + amount
wb.close()


def group(key, ps, paid=None, cross=Decimal(0)):
    budget = sum((p["budget"] for p in ps), Decimal(0))
    if paid is None:
        paid = sum((p["paid"] for p in ps), Decimal(0))
    return {"key": key, "project_count": len(ps), "budget": str(budget), "paid": str(paid),
            "execution_rate": rate(paid - cross, budget), "remaining": str(budget - paid + cross)}


out_projects = []
for pid in order:
    p = projects[pid]
    if p["paid"] > p["budget"]:
        problems.append({"severity": "提示", "message": f"项目“{pid}”已拨付 {p['paid']} 万元，超过预算 {p['budget']} 万元"})
    s = p["settled"]
    out_projects.append({
        "id": pid, "name": p["name"], "category": p["category"], "fund_source": p["fund_source"],
        "budget": str(p["budget"]), "settled": None if s is None else str(s), "paid": str(p["paid"]),
        "execution_rate": rate(p["paid"], p["budget"]),
        "outstanding": None if s is None else str(s - p["paid"]),
        "unspent": None if s is None else str(p["budget"] - s),
        "remaining": str(p["budget"] - p["paid"]),
    })
all_ps = [projects[k] for k in order]
def by(f):
    keys = dict.fromkeys(p[f] for p in all_ps)
    return [group(k, [p for p in all_ps if p[f] == k], *((fund_paid.get(k, Decimal(0)), fund_cross.get(k, Decimal(0))) if f == "fund_source" else ()))
            for k in keys]


cumulative, series = Decimal(0), []
total_budget = sum((p["budget"] for p in all_ps), Decimal(0))
for key in sorted(monthly):
    cumulative += monthly[key]
    series.append({"month": key, "paid": str(monthly[key]), "cumulative_paid": str(cumulative),
                   "execution_rate": rate(cumulative, total_budget)})
report = {"as_of": str(as_of), "totals": group("合计", all_ps), "by_category": by("category"),
          "by_fund_source": by("fund_source"), "projects": out_projects, "monthly": series,
          "problems": problems}
with open(out_json, "w", encoding="utf-8") as f:
    json.dump(report, f, ensure_ascii=False)

out = openpyxl.Workbook(write_only=True)
ws = out.create_sheet("项目进度")
cols = ["id", "name", "category", "fund_source", "budget", "settled", "paid", "execution_rate",
        "outstanding", "unspent", "remaining"]
ws.append(["项目编号", "项目名称", "项目类别", "资金性质", "预算金额", "结算金额", "已拨付", "执行率",
           "待拨付", "结余", "未拨付"])
for p in out_projects:
    ws.append([p[c] if c in ("id", "name", "category", "fund_source") or p[c] is None else float(p[c])
               for c in cols])
ws = out.create_sheet("问题清单")
ws.append(["级别", "位置", "说明"])
for p in problems:
    ws.append([p["severity"], p.get("cell"), p["message"]])
out.save(out_xlsx)

import resource  # noqa: E402  (the bench reads this line, as it reads jixiao's)
print(f"peak-rss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} kB", file=sys.stderr)
