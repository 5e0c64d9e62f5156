import tseslint from "typescript-eslint";

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
            { group: ["**/contribution", "**/contribution/**"], message: "the core imports no module code (docs/architecture.md)" },
            { group: ["**/service", "**/service/**"], message: "the core does not import the service layer (docs/architecture.md)" },
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
              group: ["**/contribution", "**/contribution/**", "**/examples", "**/examples/**"],
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
    // Modules reach the core through its public index only.
    files: ["oracle/contribution/**/*.ts", "oracle/examples/**/*.ts"],
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
);
