import type { AuditChart, AuditCheck } from "./report";

/**
 * The view layer shared by the explorer (oracle/service/explorer.ts) and the HTML audit report
 * (`audit --html`): a page model (sections of facts, checks, tables and charts) and its rendering
 * as one self-contained HTML document: inline styles, charts drawn as inline SVG with axes, tick
 * values, every point's value and a legend, and a small inline script (live updates in the
 * explorer). Nothing is fetched from anywhere: the page works offline and opens from disk.
 */

export type Tone = "ok" | "bad" | "warn" | "muted";

/** A table cell: text, or text with a link (every id, address and transaction links to its page), a tone and a tooltip. */
export type ViewCell = string | number | { text: string; href?: string; tone?: Tone; title?: string; mono?: boolean };

export interface ViewTable {
  title?: string;
  note?: string;
  header: string[];
  rows: ViewCell[][];
  /** Columns (by index) holding numbers: right-aligned. */
  numeric?: number[];
  /** Shown instead of an empty table. */
  empty?: string;
}

export interface ViewFact {
  label: string;
  value: ViewCell;
}

export interface ViewSection {
  /** The anchor (`#<id>`). */
  id?: string;
  title: string;
  /** A status badge beside the title ("finalized", "pass"). */
  badge?: { text: string; tone: Tone };
  text?: string[];
  facts?: ViewFact[];
  checks?: AuditCheck[];
  charts?: AuditChart[];
  tables?: ViewTable[];
  /** Lines shown as a copyable code block (commands). */
  code?: string[];
}

export interface ViewPage {
  title: string;
  subtitle?: string;
  badge?: { text: string; tone: Tone };
  /** Where the page sits: links from the overview down to it. */
  crumbs?: Array<{ text: string; href: string }>;
  sections: ViewSection[];
}

export interface DocumentOptions {
  /** The navigation bar (explorer only). */
  nav?: Array<{ text: string; href: string }>;
  /** Live updates: the page polls `headUrl` and reloads its content when the block changes. */
  live?: { headUrl: string; block: string; intervalMs?: number };
  /**
   * uPlot's script and stylesheet (served by the explorer from node_modules): line charts become
   * interactive (the values at the cursor, drag to zoom); the SVG stays for pages without it.
   */
  uplot?: { js: string; css: string };
  footer?: string;
}

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string);

/** A number for people: thousands grouped, at most `digits` decimals, no trailing zeros. */
export function fmtNum(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) >= 1000 ? 0 : digits, minimumFractionDigits: 0 });
  return s === "-0" ? "0" : s;
}

/** A token amount in wei as tokens (18 decimals), e.g. "12.5 tokens" with `unit`. */
export function fmtTokens(wei: bigint | string, unit = false): string {
  const w = typeof wei === "string" ? BigInt(wei) : wei;
  const neg = w < 0n;
  const a = neg ? -w : w;
  const whole = a / 10n ** 18n;
  const frac = ((a % 10n ** 18n) / 10n ** 14n).toString().padStart(4, "0").replace(/0+$/, "");
  const s = `${neg ? "-" : ""}${whole.toLocaleString("en-US")}${frac ? `.${frac}` : ""}`;
  return unit ? `${s} tokens` : s;
}

/** Wei as a float number of tokens, for charts. */
export const tokensOf = (wei: bigint | string): number => Number(typeof wei === "string" ? BigInt(wei) : wei) / 1e18;

/** An address or hash shortened for a table (0x1234…abcd); the full value goes in the tooltip. */
export const short = (h: string): string => (h.length > 14 ? `${h.slice(0, 6)}…${h.slice(-4)}` : h);

/** A link cell to an address's, transaction's or id's page. */
export const link = (text: string, href: string, o: { title?: string; mono?: boolean } = {}): ViewCell => ({ text, href, ...o });

/** A shortened link to an address's explorer page, the full address in the tooltip. */
export const addressLink = (a: string): ViewCell => link(short(a), `/address/${a}`, { title: a, mono: true });

/** A shortened link to a transaction's explorer page, the full hash in the tooltip. */
export const txLink = (h: string): ViewCell => link(short(h), `/tx/${h}`, { title: h, mono: true });

const PALETTE = ["#2f6fb0", "#d9822b", "#3a9c5b", "#b5403a", "#7d5ba6", "#8c6d31", "#d45f9c", "#5f7f8c"];

function cellHtml(c: ViewCell): string {
  if (typeof c === "string" || typeof c === "number") return esc(String(c));
  const cls = [c.tone ? `tone-${c.tone}` : "", c.mono ? "mono" : ""].filter(Boolean).join(" ");
  const attrs = `${cls ? ` class="${cls}"` : ""}${c.title ? ` title="${esc(c.title)}"` : ""}`;
  return c.href ? `<a href="${esc(c.href)}"${attrs}>${esc(c.text)}</a>` : attrs ? `<span${attrs}>${esc(c.text)}</span>` : esc(c.text);
}

function tableHtml(t: ViewTable): string {
  const head = t.title ? `<h3>${esc(t.title)}</h3>` : "";
  const note = t.note ? `<p class="note">${esc(t.note)}</p>` : "";
  if (!t.rows.length) return `${head}${note}<p class="empty">${esc(t.empty ?? "nothing yet")}</p>`;
  const num = new Set(t.numeric ?? []);
  const th = t.header.map((h, i) => `<th${num.has(i) ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
  const rows = t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${num.has(i) ? ' class="num"' : ""}>${cellHtml(c)}</td>`).join("")}</tr>`)
    .join("");
  return `${head}${note}<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function checksHtml(checks: readonly AuditCheck[]): string {
  if (!checks.length) return `<p class="empty">no checks</p>`;
  const passed = checks.filter((c) => c.ok).length;
  const rows = checks
    .map(
      (c) =>
        `<tr class="${c.ok ? "pass" : "fail"}"><td class="mark">${c.ok ? "✔" : "✘"}</td><td class="mono">${esc(c.name)}</td><td>${esc(
          c.ok ? "passed" : (c.detail ?? "failed"),
        )}</td></tr>`,
    )
    .join("");
  return `<p class="note">${passed} of ${checks.length} checks passed</p><div class="scroll"><table class="checks"><thead><tr><th></th><th>check</th><th>result</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** Round tick steps (1, 2, 5 x 10^k) covering [lo, hi] with about `n` ticks. */
export function niceTicks(lo: number, hi: number, n = 5, integer = false): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // Counts step by whole numbers.
  if (integer) step = Math.max(1, Math.ceil(step));
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out;
}

const axisText = (a: { label: string; unit?: string }) => (a.unit ? `${a.label} (${a.unit})` : a.label);

/**
 * A chart as an inline SVG figure: y axis with tick values and its label and unit, x axis with a
 * label per category, every bar or point labelled with its value, a legend naming every series.
 * Each series is a `<g class="series" data-series="name">` (the browser tests look for them).
 */
export function chartHtml(c: AuditChart): string {
  const W = 500;
  const H = 250;
  const m = { l: 70, r: 20, t: 20, b: 52 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const values = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const legend = c.series
    .map((s, i) => `<li><span class="swatch" style="background:${esc(s.color ?? PALETTE[i % PALETTE.length])}"></span>${esc(s.name)}</li>`)
    .join("");
  const head = `<figcaption><b>${esc(c.title)}</b><ul class="legend">${legend}</ul></figcaption>`;
  if (!values.length || !c.labels.length)
    return `<figure class="chart empty-chart" id="chart-${esc(c.id)}" data-chart="${esc(c.id)}">${head}<p class="empty">${esc(
      c.note ?? "no data yet",
    )}</p></figure>`;
  // Bars start at zero; a line shows its trend, so its axis spans the values (with a margin).
  const [vmin, vmax] = [Math.min(...values), Math.max(...values)];
  const pad = Math.max((vmax - vmin) * 0.25, Math.abs(vmax) * 0.02, 1e-9);
  const whole = values.every((v) => Number.isInteger(v));
  const ticks =
    c.kind === "bar" || vmin <= pad ? niceTicks(Math.min(0, vmin), vmax, 5, whole) : niceTicks(vmin - pad, vmax + pad, 5, whole);
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const y = (v: number) => m.t + ph - ((v - lo) / (hi - lo)) * ph;
  const n = c.labels.length;
  const band = pw / n;
  const cx = (i: number) => m.l + band * (i + 0.5);
  const every = Math.max(1, Math.ceil(n / 16));
  const parts: string[] = [];
  for (const t of ticks)
    parts.push(
      `<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${y(t)}" y2="${y(t)}"/><text class="tick" x="${m.l - 6}" y="${y(t) + 4}" text-anchor="end">${esc(fmtNum(t))}</text>`,
    );
  parts.push(`<line class="axis" x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}"/>`);
  parts.push(`<line class="axis" x1="${m.l}" x2="${W - m.r}" y1="${y(Math.max(lo, 0))}" y2="${y(Math.max(lo, 0))}"/>`);
  c.labels.forEach((l, i) => {
    if (i % every === 0) parts.push(`<text class="tick" x="${cx(i)}" y="${m.t + ph + 16}" text-anchor="middle">${esc(l)}</text>`);
  });
  parts.push(`<text class="axis-label" x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(axisText(c.x))}</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(axisText(c.y))}</text>`,
  );
  const showValues = n * c.series.length <= 40;
  const unit = c.y.unit ? ` ${c.y.unit}` : "";
  c.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const g: string[] = [];
    if (c.kind === "bar") {
      const bw = Math.min(48, (band * 0.8) / c.series.length);
      s.values.forEach((v, i) => {
        if (v === null) return;
        const x = cx(i) - (bw * c.series.length) / 2 + k * bw;
        const top = Math.min(y(v), y(Math.max(lo, 0)));
        const h = Math.abs(y(v) - y(Math.max(lo, 0)));
        g.push(
          `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${Math.max(h, 0.5).toFixed(1)}" fill="${esc(color)}"><title>${esc(
            `${s.name}, ${c.x.label} ${c.labels[i]}: ${fmtNum(v)}${unit}`,
          )}</title></rect>`,
        );
        // A zero bar has no height to label, and a label wider than its bar would run into its
        // neighbours: their values are in the tooltip and the tables.
        if (showValues && v !== 0 && fmtNum(v).length * 6 <= bw + 8)
          g.push(
            `<text class="value" x="${(x + bw / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle">${esc(fmtNum(v))}</text>`,
          );
      });
    } else {
      const pts = s.values.map((v, i) => (v === null ? null : ([cx(i), y(v)] as const)));
      let d = "";
      let pen = false;
      for (const p of pts) {
        if (!p) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
        pen = true;
      }
      g.push(`<path d="${d}" fill="none" stroke="${esc(color)}" stroke-width="2"/>`);
      s.values.forEach((v, i) => {
        if (v === null) return;
        g.push(
          `<circle cx="${cx(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${esc(color)}"><title>${esc(
            `${s.name}, ${c.x.label} ${c.labels[i]}: ${fmtNum(v)}${unit}`,
          )}</title></circle>`,
        );
        if (showValues)
          g.push(`<text class="value" x="${cx(i).toFixed(1)}" y="${(y(v) - 8).toFixed(1)}" text-anchor="middle">${esc(fmtNum(v))}</text>`);
      });
    }
    parts.push(
      `<g class="series" data-series="${esc(s.name)}" data-points="${s.values.filter((v) => v !== null).length}">${g.join("")}</g>`,
    );
  });
  const note = c.note ? `<p class="note">${esc(c.note)}</p>` : "";
  // The chart's data, inert, for the explorer's interactive view (hover values, zoom) of line charts.
  const data =
    c.kind === "line"
      ? `<script type="application/json" class="chart-data">${JSON.stringify({
          labels: c.labels,
          x: c.x,
          y: c.y,
          series: c.series.map((s, k) => ({ name: s.name, values: s.values, color: s.color ?? PALETTE[k % PALETTE.length] })),
        }).replace(/</g, "\\u003c")}</script>`
      : "";
  return `<figure class="chart" id="chart-${esc(c.id)}" data-chart="${esc(c.id)}" data-kind="${c.kind}">${head}${data}<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(
    c.title,
  )}">${parts.join("")}</svg>${note}</figure>`;
}

function factsHtml(f: readonly ViewFact[]): string {
  return `<dl class="facts">${f.map((x) => `<dt>${esc(x.label)}</dt><dd>${cellHtml(x.value)}</dd>`).join("")}</dl>`;
}

const badgeHtml = (b?: { text: string; tone: Tone }) => (b ? ` <span class="badge tone-${b.tone}">${esc(b.text)}</span>` : "");

export function sectionHtml(s: ViewSection): string {
  return [
    `<section${s.id ? ` id="${esc(s.id)}"` : ""}><h2>${esc(s.title)}${badgeHtml(s.badge)}</h2>`,
    ...(s.text ?? []).map((t) => `<p>${esc(t)}</p>`),
    s.facts?.length ? factsHtml(s.facts) : "",
    s.charts?.length ? `<div class="charts">${s.charts.map(chartHtml).join("")}</div>` : "",
    ...(s.tables ?? []).map(tableHtml),
    s.checks ? checksHtml(s.checks) : "",
    s.code?.length ? `<pre class="code">${s.code.map(esc).join("\n")}</pre>` : "",
    `</section>`,
  ].join("\n");
}

/** The inner part of a page (what live updates replace). */
export function pageBody(p: ViewPage): string {
  const crumbs = p.crumbs?.length
    ? `<nav class="crumbs">${p.crumbs.map((c) => `<a href="${esc(c.href)}">${esc(c.text)}</a>`).join(" / ")}</nav>`
    : "";
  return [
    crumbs,
    `<h1>${esc(p.title)}${badgeHtml(p.badge)}</h1>`,
    p.subtitle ? `<p class="subtitle">${esc(p.subtitle)}</p>` : "",
    ...p.sections.map(sectionHtml),
  ].join("\n");
}

const CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#d8dde6;--bg:#f6f7f9;--card:#fff;--ok:#1f7a3f;--bad:#b42318;--warn:#9a6700;--link:#1f5fa8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.top{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header.top a{color:#dbe6f5;text-decoration:none}header.top a:hover{text-decoration:underline}header.top .brand{font-weight:700;color:#fff}
header.top .search input{border:0;border-radius:4px;padding:4px 8px;width:260px;font:inherit}
header.top .live{margin-left:auto;font-size:12px;color:#aab4c3}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:12px 0 4px}h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:14px 0}
a{color:var(--link)}.subtitle,.note{color:var(--muted);margin:2px 0 8px}.empty{color:var(--muted);font-style:italic}
.crumbs{font-size:12px;color:var(--muted);margin-top:6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600;white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}td .mono,td.mono{white-space:nowrap}
table.checks td.mark{width:22px;font-weight:700}tr.pass td.mark{color:var(--ok)}tr.fail td{color:var(--bad)}
.tone-ok{color:var(--ok)}.tone-bad{color:var(--bad);font-weight:600}.tone-warn{color:var(--warn)}.tone-muted{color:var(--muted)}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:1px 9px;border:1px solid currentColor;vertical-align:2px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:4px 0 10px}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:#fff;width:522px;max-width:100%}
figure.chart svg{max-width:100%;height:auto;display:block}figcaption{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;margin-bottom:4px}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 12px;margin:0;padding:0;font-size:12px;color:var(--muted)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
svg .grid{stroke:#e7eaf0}svg .axis{stroke:#667085}svg text{font-size:11px;fill:#344054}svg .value{font-size:10px;fill:#1d2330}svg .axis-label{font-size:12px;fill:#475467}
.uplot-host .u-legend{font-size:12px}.uplot-host .u-title{display:none}
pre.code{background:#1d2330;color:#e6edf3;padding:10px 12px;border-radius:6px;overflow-x:auto;font-size:12px}
.verdict-pass{border-left:6px solid var(--ok)}.verdict-fail{border-left:6px solid var(--bad)}
`;

/** Line charts drawn by uPlot where it is loaded: the SVG is hidden, the same data drawn on a canvas with a cursor legend. */
const UPLOT_SCRIPT = `
window.zkmEnhance=function(){if(!window.uPlot)return;document.querySelectorAll('figure.chart[data-kind="line"]').forEach(function(f){
if(f.dataset.rendered)return;var el=f.querySelector("script.chart-data");var svg=f.querySelector("svg");if(!el||!svg)return;var c=JSON.parse(el.textContent);
var unit=c.y.unit?" "+c.y.unit:"";var xs=c.labels.map(function(_,i){return i});var host=document.createElement("div");host.className="uplot-host";svg.after(host);
var opts={width:svg.clientWidth||540,height:240,legend:{live:true},cursor:{drag:{x:true,y:false}},scales:{x:{time:false,range:function(){return[-0.5,c.labels.length-0.5]}}},
hooks:{ready:[function(u){u.setLegend({idx:xs.length-1})}],draw:[function(u){if(c.labels.length*c.series.length>40)return;var ctx=u.ctx,r=window.devicePixelRatio||1;ctx.save();ctx.font=(10*r)+"px sans-serif";ctx.textAlign="center";ctx.fillStyle="#1d2330";
for(var i=1;i<u.series.length;i++)for(var j=0;j<u.data[i].length;j++){var v=u.data[i][j];if(v==null)continue;ctx.fillText(String(Math.round(v*100)/100),u.valToPos(j,"x",true),u.valToPos(v,"y",true)-8*r)}ctx.restore()}]},
axes:[{label:c.x.label+(c.x.unit?" ("+c.x.unit+")":""),values:function(u,t){return t.map(function(i){return Number.isInteger(i)&&c.labels[i]!==undefined?c.labels[i]:""})}},
{label:c.y.label+(c.y.unit?" ("+c.y.unit+")":""),size:60}],
series:[{label:c.x.label,value:function(u,v){return v==null?"-":c.labels[v]}}].concat(c.series.map(function(s){return{label:s.name,stroke:s.color,width:2,points:{show:true,size:6,fill:s.color},
value:function(u,v){return v==null?"-":(Math.round(v*100)/100)+unit}}}))};
new window.uPlot(opts,[xs].concat(c.series.map(function(s){return s.values})),host);svg.style.display="none";f.dataset.rendered="uplot"})};
document.addEventListener("DOMContentLoaded",function(){window.zkmEnhance()});
`;

/** Live updates: poll the head; when the block changes, fetch this page again and swap its content. */
const LIVE_SCRIPT = `
(function(){var cfg=JSON.parse(document.getElementById("zkm-live").textContent);var block=cfg.block;var busy=false;
var status=document.getElementById("zkm-status");
function tick(){if(busy)return;busy=true;fetch(cfg.headUrl,{cache:"no-store"}).then(function(r){return r.json()}).then(function(h){
if(status)status.textContent="block "+h.block+" · updated "+new Date().toLocaleTimeString();
if(h.block===block)return;return fetch(location.href,{cache:"no-store"}).then(function(r){return r.text()}).then(function(html){
var doc=new DOMParser().parseFromString(html,"text/html");var m=doc.querySelector("main");if(m){document.querySelector("main").innerHTML=m.innerHTML;block=h.block;document.body.dataset.block=h.block;if(window.zkmEnhance)window.zkmEnhance()}});
}).catch(function(){if(status)status.textContent="offline: retrying"}).then(function(){busy=false})}
setInterval(tick,cfg.intervalMs||2000)})();
`;

/** A page as a whole, self-contained HTML document. */
export function renderDocument(p: ViewPage, o: DocumentOptions = {}): string {
  const nav = o.nav
    ? `<header class="top"><a class="brand" href="/">zkmerit explorer</a>${o.nav.map((n) => `<a href="${esc(n.href)}">${esc(n.text)}</a>`).join("")}<form class="search" action="/search"><input name="q" placeholder="address, tx hash or task id" aria-label="search"></form><span class="live" id="zkm-status">${
        o.live ? `block ${esc(o.live.block)}` : ""
      }</span></header>`
    : "";
  const live = o.live
    ? `<script type="application/json" id="zkm-live">${JSON.stringify({ headUrl: o.live.headUrl, block: o.live.block, intervalMs: o.live.intervalMs ?? 2000 }).replace(/</g, "\\u003c")}</script><script>${LIVE_SCRIPT}</script>`
    : "";
  const uplot = o.uplot
    ? `<link rel="stylesheet" href="${esc(o.uplot.css)}"><script src="${esc(o.uplot.js)}"></script><script>${UPLOT_SCRIPT}</script>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(p.title)}</title><link rel="icon" href="data:,"><style>${CSS}</style>${uplot}</head>
<body${o.live ? ` data-block="${esc(o.live.block)}"` : ""}>${nav}<main>
${pageBody(p)}
${o.footer ? `<p class="note">${esc(o.footer)}</p>` : ""}
</main>${live}</body></html>
`;
}
