import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Imports point down: the HTTP edge (src/api/) on top, the domain below it. A folder of src/ (or a
 * file directly in src/) is one unit; no unit may reach back up to one that imports it.
 */
const src = fileURLToPath(new URL('../src/', import.meta.url));

/** Files that assemble the whole service and so may import the HTTP edge: its server, its settings. */
const compositionRoots = ['service.ts', 'config.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every relative import of every file (static, re-exports and dynamic), as paths inside src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.map((specifier) => relative(src, resolve(dirname(file), specifier)));
}

/** The unit a path inside src/ belongs to: its top folder (`queue/`), or the file itself (`limits.ts`). */
function unitOf(path: string): string {
  const [first, ...rest] = path.split('/');
  return rest.length > 0 ? `${first}/` : first;
}

const files = sourceFiles(src).map((file) => ({ path: relative(src, file), imports: importsOf(file) }));

describe('imports point down', () => {
  it('finds the source files and their imports (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(50);
    const server = files.find((f) => f.path === 'api/server.ts');
    expect(server?.imports).toContain('api/errors.ts');
  });

  it('nothing outside src/api/ imports from it (but the composition root)', () => {
    const offending = files
      .filter((f) => !f.path.startsWith('api/') && !compositionRoots.includes(f.path))
      .flatMap((f) => f.imports.filter((target) => target.startsWith('api/')).map((target) => `${f.path} → ${target}`));
    expect(offending).toEqual([]);
  });

  it('no two units import each other, directly or around a loop', () => {
    const edges = new Map<string, Map<string, string>>();
    for (const file of files) {
      for (const target of file.imports) {
        const [from, to] = [unitOf(file.path), unitOf(target)];
        if (from === to) continue;
        if (!edges.has(from)) edges.set(from, new Map());
        if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${file.path} → ${target}`);
      }
    }
    // Depth-first search for a back edge; a loop is reported with one import per step.
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (unit: string) => {
      state.set(unit, 'open');
      path.push(unit);
      for (const next of edges.get(unit)?.keys() ?? []) {
        if (state.get(next) === 'open') {
          const loop = [...path.slice(path.indexOf(next)), next];
          cycles.push(loop.slice(1).map((to, i) => edges.get(loop[i])!.get(to)!).join(', '));
        } else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(unit, 'done');
    };
    for (const unit of [...edges.keys()].sort()) if (!state.has(unit)) visit(unit);
    expect(cycles).toEqual([]);
  });
});
