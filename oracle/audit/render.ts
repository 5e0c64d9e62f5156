import { failedChecks, type AuditReport } from "./report";
import { renderDocument, type ViewPage, type ViewSection } from "./view";

/** A report as JSON (bigints as decimal strings), for `--out`; its layout is oracle/audit/schema.ts (docs/audit-report.md). */
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

/**
 * A report as a page of the view layer: the verdict, the verification key and the verifier
 * bytecode check, the charts, a section per round (or epoch) with every check, the module's
 * tables, the warnings and the commands that re-run the audit.
 */
export function auditPage(r: AuditReport): ViewPage {
  const failed = failedChecks(r);
  const inSections = new Set(r.sections.flatMap((s) => s.checks.map((c) => c.name)));
  const other = r.checks.filter((c) => !inSections.has(c.name));
  const sections: ViewSection[] = [
    {
      id: "verdict",
      title: "Verdict",
      badge: { text: r.ok ? "pass" : "fail", tone: r.ok ? "ok" : "bad" },
      text: [`${r.checks.length - failed.length} of ${r.checks.length} checks passed; ${r.summary}.`, ...r.facts],
      ...(failed.length ? { checks: failed } : {}),
    },
  ];
  if (r.verifier) {
    const v = r.verifier;
    sections.push({
      id: "verifier",
      title: "Verification key and verifier",
      badge: { text: v.matchesLocalKey ? "bytecode matches" : "bytecode DIFFERS", tone: v.matchesLocalKey ? "ok" : "bad" },
      facts: [
        { label: "circuit", value: v.circuit },
        { label: "verification key sha256", value: { text: v.vkeySha256, mono: true } },
        { label: "verifier address", value: { text: v.address, mono: true } },
        { label: "verifier contract", value: v.contract },
        { label: "deployed code keccak256", value: { text: v.deployedCodeHash, mono: true } },
        { label: "expected code keccak256", value: { text: v.expectedCodeHash, mono: true, tone: v.matchesLocalKey ? "ok" : "bad" } },
        {
          label: "keys",
          value: v.insecureKeys ? { text: "INSECURE development keys (demo only)", tone: "warn" } : { text: "ceremony keys", tone: "ok" },
        },
      ],
    });
  }
  if (r.charts.length) sections.push({ id: "charts", title: "Charts", charts: r.charts });
  for (const s of r.sections)
    sections.push({
      id: s.id,
      title: s.title,
      ...(s.status ? { badge: { text: s.status, tone: s.checks.every((c) => c.ok) ? "ok" : "bad" } } : {}),
      text: s.facts,
      checks: s.checks,
    });
  if (other.length) sections.push({ id: "other-checks", title: r.sections.length ? "Other checks" : "Checks", checks: other });
  if (r.tables.length) sections.push({ id: "tables", title: "Details", tables: r.tables });
  if (r.warnings.length) sections.push({ id: "warnings", title: "Warnings", text: r.warnings });
  if (r.commands.length)
    sections.push({
      id: "rerun",
      title: "Re-run this audit",
      text: ["From a clone of the repository with the same deployment:"],
      code: r.commands,
    });
  return {
    title: `Audit of ${r.subject} (${r.module}): ${r.ok ? "pass" : "MISMATCHES FOUND"}`,
    subtitle: `report version ${r.version}, generated ${r.generatedAt}`,
    badge: { text: r.verdict, tone: r.ok ? "ok" : "bad" },
    sections,
  };
}

/** A self-contained HTML page of a report (inline styles and SVG charts; opens from disk, fetches nothing). */
export function renderHtml(r: AuditReport): string {
  return renderDocument(auditPage(r), { footer: `zkmerit audit report, version ${r.version}` });
}
