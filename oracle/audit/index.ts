/**
 * The auditor framework: the report model every module's audit fills (verdict, checks, warnings),
 * the deployed-verifier check, and the renderers (text for the CLI, JSON, HTML). It imports the
 * core only; module audits plug in through `ModuleAudit` (docs/architecture.md).
 */
export * from "./report";
export * from "./verifier";
export * from "./render";
export * from "./module";
