/**
 * The auditor framework: the report model every module's audit fills (verdict, checks, warnings),
 * its JSON schema, the deployed-verifier check, the view layer shared with the explorer, and the
 * renderers (text for the CLI, JSON, HTML). It imports the core only; module audits plug in
 * through `ModuleAudit` (docs/architecture.md).
 */
export * from "./report";
export * from "./schema";
export * from "./verifier";
export * from "./view";
export * from "./render";
export * from "./module";
