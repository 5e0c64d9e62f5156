/**
 * The audit report every module's audit produces: a verdict, the checks it made (name, ok,
 * detail), warnings that are not violations, and what the renderers show beside them (facts,
 * tables, bar charts). A module's report may carry more fields of its own; the framework reads only these.
 */

/** One thing the audit checked. A failed check makes the verdict "fail". */
export interface AuditCheck {
  /** What was checked, unique enough to find it ("round 2 proposal.0x12ab.proof", "verifier.bytecode"). */
  name: string;
  ok: boolean;
  /** For a failed check, what was expected and what was found. */
  detail?: string;
}

export interface AuditTable {
  title: string;
  header: string[];
  rows: string[][];
}

export interface AuditChart {
  title: string;
  bars: Array<{ label: string; value: number }>;
  /** Bar colour (CSS). */
  color?: string;
}

export interface AuditReport {
  /** The module's slug. */
  module: string;
  /** What was audited, in words ("task 1"). */
  subject: string;
  /** True when every check passed. */
  ok: boolean;
  verdict: "pass" | "fail";
  /** One line of what was covered ("5 rounds audited"). */
  summary: string;
  checks: AuditCheck[];
  /** Not violations: a missing round record that was rebuilt, and the like. */
  warnings: string[];
  /** Sentences about the subject (contract, chain, verifier) shown at the top of the HTML report. */
  facts: string[];
  tables: AuditTable[];
  charts: AuditChart[];
  generatedAt: string;
}

/** The framework's part of a report, from a module's checks, warnings and what it shows. */
export function auditReport(o: {
  module: string;
  subject: string;
  summary: string;
  checks: AuditCheck[];
  warnings?: string[];
  facts?: string[];
  tables?: AuditTable[];
  charts?: AuditChart[];
}): AuditReport {
  const ok = o.checks.every((c) => c.ok);
  return {
    module: o.module,
    subject: o.subject,
    ok,
    verdict: ok ? "pass" : "fail",
    summary: o.summary,
    checks: o.checks,
    warnings: o.warnings ?? [],
    facts: o.facts ?? [],
    tables: o.tables ?? [],
    charts: o.charts ?? [],
    generatedAt: new Date().toISOString(),
  };
}

/** The failed checks of a report. */
export const failedChecks = (r: AuditReport): AuditCheck[] => r.checks.filter((c) => !c.ok);
