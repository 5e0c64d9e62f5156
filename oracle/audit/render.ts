import { failedChecks, type AuditChart, type AuditReport } from "./report";

/** A report as JSON (bigints as decimal strings), for `--out`. */
export function renderJson(r: AuditReport): string {
  return JSON.stringify(r, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/**
 * The report as the CLI prints it: one line per failed check and per warning, then the verdict
 * with the summary (`OK: 5 rounds audited`), and where the report files went.
 */
export function renderText(r: AuditReport, files: readonly string[] = []): string[] {
  return [
    ...failedChecks(r).map((c) => `MISMATCH ${c.name}: ${c.detail ?? "failed"}`),
    ...r.warnings.map((w) => `warning ${w}`),
    `${r.ok ? "OK" : "FAILED"}: ${r.summary}${files.length ? `; report ${files.join(" and ")}` : ""}`,
  ];
}

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] as string);

/** A bar chart as inline SVG (no external assets). */
function svgBars(c: AuditChart): string {
  const max = Math.max(1, ...c.bars.map((b) => b.value));
  const bars = c.bars
    .map(
      (b, i) =>
        `<rect x="${i * 40 + 10}" y="${150 - (b.value / max) * 140}" width="30" height="${(b.value / max) * 140}" fill="${c.color ?? "#4a7"}"/>` +
        `<text x="${i * 40 + 25}" y="165" font-size="10" text-anchor="middle">${esc(b.label)}</text>`,
    )
    .join("");
  return `<h2>${esc(c.title)}</h2><svg width="${c.bars.length * 40 + 20}" height="170">${bars}</svg>`;
}

/** A self-contained HTML page of a report: verdict, facts, failed checks, the module's tables and charts, warnings. */
export function renderHtml(r: AuditReport): string {
  const failed = failedChecks(r)
    .map((c) => `<li><b>${esc(c.name)}</b>: ${esc(c.detail ?? "failed")}</li>`)
    .join("");
  const tables = r.tables
    .map(
      (t) =>
        `<h2>${esc(t.title)}</h2><table><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${t.rows
          .map((row) => `<tr>${row.map((v) => `<td>${esc(v)}</td>`).join("")}</tr>`)
          .join("")}</table>`,
    )
    .join("\n");
  const warnings = r.warnings.map((w) => `<li>${esc(w)}</li>`).join("");
  const passed = r.checks.length - failedChecks(r).length;
  return `<!doctype html><meta charset="utf-8"><title>zkmerit audit ${esc(r.module)} ${esc(r.subject)}</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{border:1px solid #ccc;padding:4px 8px}table{border-collapse:collapse}</style>
<h1>Audit of ${esc(r.subject)}: ${r.ok ? "OK" : "MISMATCHES FOUND"}</h1>
${r.facts.map((f) => `<p>${esc(f)}</p>`).join("\n")}
<p>${passed} of ${r.checks.length} checks passed; ${esc(r.summary)}.</p>
${failed ? `<h2>Mismatches</h2><ul>${failed}</ul>` : ""}
${tables}
${r.charts.map(svgBars).join("\n")}
${warnings ? `<h2>Warnings</h2><ul>${warnings}</ul>` : ""}
<p>generated ${esc(r.generatedAt)}</p>`;
}
