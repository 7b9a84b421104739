#!/usr/bin/env node
/**
 * Generates `src/document.generated.ts` from `gateway.schema.json`, so the
 * schema stays the one source of truth for the document's TypeScript types.
 *
 * Two families of types come out of one schema:
 *  - `Api`, `BackendService`, ...: a document after validation, with every
 *    schema default filled in (defaulted fields are required);
 *  - `ApiInput`, `BackendServiceInput`, ...: what a user writes (defaulted
 *    fields optional). Only definitions whose shape differs get an Input twin.
 *
 * `--check` compares instead of writing and exits 1 on drift (run by CI).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { compile } = require('json-schema-to-typescript');

const root = path.join(__dirname, '..');
const schemaFile = path.join(root, 'gateway.schema.json');
const outFile = path.join(root, 'src', 'document.generated.ts');
const ROOT_DEF = 'GatewayDocument';

/** Every `#/$defs/X` a schema node references, at any depth. */
function refsOf(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace('#/$defs/', ''));
      else refsOf(v, out);
    }
  }
  return out;
}

/** True when some property of this object schema (not nested) has a default. */
function hasOwnDefaults(node) {
  if (!node || typeof node !== 'object') return false;
  const own = Object.values(node.properties ?? {}).some((p) => p && 'default' in p);
  const nested = Object.values(node.properties ?? {}).some(
    (p) => p && typeof p === 'object' && !p.$ref && hasOwnDefaults(p),
  );
  return own || nested || (node.items ? hasOwnDefaults(node.items) : false);
}

/**
 * Keeps only the `$ref` of a reference that carries sibling keywords
 * (a default, a description): the generator would otherwise emit a numbered
 * copy of the referenced type for each such use.
 */
function bareRefs(node) {
  if (Array.isArray(node)) return node.map(bareRefs);
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') return { $ref: node.$ref };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, bareRefs(v)]));
}

/** Adds every defaulted property to `required`, recursively through inline schemas. */
function requireDefaults(node) {
  if (Array.isArray(node)) return node.map(requireDefaults);
  if (!node || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, requireDefaults(v)]));
  if (copy.properties) {
    const defaulted = Object.entries(copy.properties).filter(([, p]) => p && 'default' in p).map(([k]) => k);
    const required = new Set([...(copy.required ?? []), ...defaulted]);
    if (required.size > 0) copy.required = [...required];
  }
  return copy;
}

/** Rewrites references to definitions in `twins` to their Input twins. */
function retarget(node, twins) {
  if (Array.isArray(node)) return node.map((n) => retarget(n, twins));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => {
      if (k === '$ref' && typeof v === 'string') {
        const name = v.replace('#/$defs/', '');
        return [k, twins.has(name) ? `#/$defs/${name}Input` : v];
      }
      return [k, retarget(v, twins)];
    }),
  );
}

async function generate() {
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
  const { $defs, ...rootSchema } = schema;
  const defs = { ...$defs, [ROOT_DEF]: rootSchema };
  delete defs[ROOT_DEF].$schema;
  delete defs[ROOT_DEF].$id;

  // Definitions whose input shape differs: own defaults, or a reference to one that does.
  const twins = new Set(Object.keys(defs).filter((name) => hasOwnDefaults(defs[name])));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, def] of Object.entries(defs)) {
      if (twins.has(name)) continue;
      if ([...refsOf(def)].some((r) => twins.has(r))) {
        twins.add(name);
        grew = true;
      }
    }
  }

  const combined = { $defs: {} };
  for (const [name, def] of Object.entries(defs)) {
    combined.$defs[name] = { ...bareRefs(requireDefaults(def)), title: name };
  }
  for (const name of twins) {
    combined.$defs[`${name}Input`] = { ...bareRefs(retarget(defs[name], twins)), title: `${name}Input` };
  }
  // One root that references everything, so every definition is emitted.
  const rootRefs = Object.keys(combined.$defs).sort().map((n) => ({ $ref: `#/$defs/${n}` }));
  const ts = await compile({ ...combined, title: 'AllDefinitions', anyOf: rootRefs }, 'AllDefinitions', {
    bannerComment: '',
    additionalProperties: false,
    declareExternallyReferenced: true,
    unreachableDefinitions: true,
    strictIndexSignatures: true,
    format: true,
    style: { singleQuote: true, printWidth: 100 },
  });
  const body = ts.replace(/export type AllDefinitions =[\s\S]*?;\n/, "");
  return [
    '/* eslint-disable */',
    '/**',
    ' * Generated from gateway.schema.json by scripts/generate-types.js. Do not edit:',
    ' * change the schema and run `npm run generate -w @apigw/schema`.',
    ' *',
    ' * `Xxx` is a validated document part with every default filled in;',
    ' * `XxxInput` is what a user may write (defaulted fields optional).',
    ' */',
    body.trim(),
    '',
  ].join('\n');
}

generate().then(
  (text) => {
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
      if (current !== text) {
        console.error(`${path.relative(process.cwd(), outFile)} is out of date with gateway.schema.json; run npm run generate -w @apigw/schema`);
        process.exit(1);
      }
      console.log('document types match the schema');
    } else {
      fs.writeFileSync(outFile, text);
      console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
    }
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
