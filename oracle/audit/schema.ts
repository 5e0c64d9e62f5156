import { z } from "zod";
import { AUDIT_REPORT_VERSION, type AuditReport } from "./report";

/**
 * The schema of the JSON audit report (`audit --out`), version 1: the framework's fields, which
 * every module's report has. A module's report adds fields of its own (module 1: `rounds`,
 * `cumulativeRewards`, `mismatches`, ...), which the schema lets through (`.loose()`).
 * docs/audit-report.md describes every field; `parseAuditReport` checks a report read back.
 */
const check = z.object({ name: z.string().min(1), ok: z.boolean(), detail: z.string().optional() }).strict();
const axis = z.object({ label: z.string().min(1), unit: z.string().optional() }).strict();

export const auditChartSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, "must be lower-case letters, digits and dashes"),
    title: z.string().min(1),
    kind: z.enum(["line", "bar"]),
    labels: z.array(z.string()),
    x: axis,
    y: axis,
    series: z.array(
      z.object({ name: z.string().min(1), values: z.array(z.number().finite().nullable()), color: z.string().optional() }).strict(),
    ),
    note: z.string().optional(),
  })
  .strict()
  .refine((c) => c.series.every((s) => s.values.length === c.labels.length), {
    message: "every series has one value per label",
  });

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, "must be a 32-byte hex hash");

export const auditReportSchema = z
  .object({
    version: z.literal(AUDIT_REPORT_VERSION),
    module: z.string().min(1),
    subject: z.string().min(1),
    ok: z.boolean(),
    verdict: z.enum(["pass", "fail"]),
    summary: z.string(),
    checks: z.array(check),
    warnings: z.array(z.string()),
    facts: z.array(z.string()),
    verifier: z
      .object({
        address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address"),
        contract: z.string().min(1),
        circuit: z.string().min(1),
        vkeySha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a sha256 hex digest"),
        deployedCodeHash: hex32,
        expectedCodeHash: hex32,
        matchesLocalKey: z.boolean(),
        insecureKeys: z.boolean(),
      })
      .strict()
      .optional(),
    sections: z.array(
      z
        .object({
          id: z.string().regex(/^[a-z0-9-]+$/, "must be lower-case letters, digits and dashes"),
          title: z.string().min(1),
          status: z.string().optional(),
          facts: z.array(z.string()),
          checks: z.array(check),
        })
        .strict(),
    ),
    tables: z.array(z.object({ title: z.string(), header: z.array(z.string()), rows: z.array(z.array(z.string())) }).strict()),
    charts: z.array(auditChartSchema),
    commands: z.array(z.string()),
    generatedAt: z.iso.datetime(),
  })
  .loose()
  .refine((r) => r.ok === r.checks.every((c) => c.ok), { message: "ok is true exactly when every check passed" })
  .refine((r) => r.verdict === (r.ok ? "pass" : "fail"), { message: "verdict is pass exactly when ok" });

/** A JSON audit report read back (a file written by `audit --out`), checked against the schema; throws naming the first bad field. */
export function parseAuditReport(json: string | unknown): AuditReport {
  const raw = typeof json === "string" ? (JSON.parse(json) as unknown) : json;
  const r = auditReportSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`not an audit report of version ${AUDIT_REPORT_VERSION}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data as unknown as AuditReport;
}
