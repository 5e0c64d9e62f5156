import tseslint from "typescript-eslint";

/** Module code, by slug: the layers below the modules (core, service, audit framework) and the shared entry points import none of it. */
const MODULE_CODE = ["contribution", "reliability", "reputation"].flatMap((m) => [`**/${m}`, `**/${m}/**`]);

export default tseslint.config(
  { ignores: ["node_modules/", "artifacts/", "cache/", "coverage/", "typechain-types/", "circuits/build/", "dist/"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-console": "off",
    },
  },
  {
    // The layering rule (docs/architecture.md): the core knows no module and no service.
    files: ["oracle/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: MODULE_CODE, message: "the core imports no module code (docs/architecture.md)" },
            { group: ["**/service", "**/service/**"], message: "the core does not import the service layer (docs/architecture.md)" },
            { group: ["**/audit", "**/audit/**"], message: "the core does not import the auditor framework (docs/architecture.md)" },
            { group: ["**/examples", "**/examples/**"], message: "the core does not import the examples (docs/architecture.md)" },
            { group: ["**/scripts/**"], message: "library code does not import the entry points (docs/architecture.md)" },
          ],
        },
      ],
    },
  },
  {
    // The runner serves modules through oracle/service/module.ts and imports none of them.
    files: ["oracle/service/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [...MODULE_CODE, "**/examples", "**/examples/**"],
              message: "the service imports no module code (docs/architecture.md)",
            },
            { group: ["**/core/**"], message: "import the core through its index, oracle/core (docs/architecture.md)" },
            { group: ["**/scripts/**"], message: "library code does not import the entry points (docs/architecture.md)" },
          ],
        },
      ],
    },
  },
  {
    // The auditor framework: module audits plug into it through oracle/audit/module.ts; it imports none of them.
    files: ["oracle/audit/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [...MODULE_CODE, "**/examples", "**/examples/**"],
              message: "the auditor framework imports no module code (docs/architecture.md)",
            },
            {
              group: ["**/service", "**/service/**"],
              message: "the auditor framework does not import the service layer (docs/architecture.md)",
            },
            { group: ["**/core/**"], message: "import the core through its index, oracle/core (docs/architecture.md)" },
            { group: ["**/scripts/**"], message: "library code does not import the entry points (docs/architecture.md)" },
          ],
        },
      ],
    },
  },
  {
    // The shared entry points (CLI, deploy, demo, bench) reach modules only through the registry, scripts/modules.ts.
    files: [
      "scripts/cli.ts",
      "scripts/demo.ts",
      "scripts/bench.ts",
      "scripts/module.ts",
      "scripts/cli/**/*.ts",
      "scripts/commands/**/*.ts",
      "scripts/deploy/**/*.ts",
      "scripts/demo/**/*.ts",
      "scripts/bench/**/*.ts",
    ],
    // Module 1's standalone harness scripts (documented in the README), not part of `npm run bench`.
    ignores: ["scripts/bench/robustness.ts", "scripts/bench/fairness-ceiling.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: MODULE_CODE, message: "shared entry points reach modules through scripts/modules.ts (docs/architecture.md)" },
          ],
        },
      ],
    },
  },
  {
    // Modules reach the core through its public index only.
    files: ["oracle/contribution/**/*.ts", "oracle/reliability/**/*.ts", "oracle/reputation/**/*.ts", "oracle/examples/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/core/**"], message: "import the core through its index, oracle/core (docs/architecture.md)" },
            { group: ["**/scripts/**"], message: "library code does not import the entry points (docs/architecture.md)" },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
  {
    files: ["scripts/bin/*"],
    languageOptions: { sourceType: "commonjs" },
  },
  {
    // Worker threads are plain CommonJS files that Node starts directly (no TypeScript loader).
    files: ["scripts/**/*.worker.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
