// Lint enforces the layering: only src/main/electron imports Electron; the
// renderer imports no Node built-ins, no better-sqlite3 and nothing from
// src/main; src/shared imports nothing environment-specific; only src/main/db
// imports better-sqlite3. Types are imported with `import type`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const electron = { name: 'electron', message: 'Only src/main/electron/ may import Electron.' };
const sqlite = { name: 'better-sqlite3', message: 'SQL lives in src/main/db/: call its query functions instead.' };

export default tseslint.config(
  { ignores: ['dist/**', '.vite/**', 'out/**', 'node_modules/**', 'test-results/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [electron, sqlite] }],
    },
  },
  {
    files: ['src/main/db/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron] }] },
  },
  {
    files: ['src/main/lineage/readers/mlflow*', 'src/main/lineage/readers/mlflow/**', 'test/fixtures/mlflow/**'],
    // An MLflow SQLite store is a foreign database, opened read-only: not the workspace's SQL layer.
    rules: { 'no-restricted-imports': ['error', { paths: [electron] }] },
  },
  {
    files: ['src/main/electron/**', 'forge.config.ts', 'test/e2e/electron*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [sqlite] }] },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, sqlite, ...nodeBuiltins.map((name) => ({ name, message: 'The renderer sees only the API contract, never Node.' }))],
          patterns: [{ group: ['**/main/**', '**/workers/**'], message: 'The renderer sees only src/shared (the API contract).' }],
        },
      ],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron, sqlite, { name: 'react', message: 'src/shared is environment-free.' }, { name: 'd3', message: 'src/shared is environment-free.' }, ...nodeBuiltins.map((name) => ({ name, message: 'src/shared is environment-free.' }))],
          patterns: [{ group: ['**/main/**', '**/renderer/**', '**/workers/**'], message: 'src/shared imports nothing from the other layers.' }],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
