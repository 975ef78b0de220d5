/**
 * Lists every exported name that no other file imports, as `file:line name`, and exits 1 if
 * there is one: an export nothing uses is dead code, or a name that should be private to its
 * file. Part of `npm run lint`.
 *
 *   npx tsx scripts/unused-exports.ts
 *
 * It reads the two TypeScript projects (tsconfig.json: server, bench, scripts and tests;
 * web/tsconfig.json: the web client) with the compiler's own name resolution, so an import
 * through a re-export, a dynamic `import()`, a namespace import or an `import('…')` type all
 * count. Used only inside its own file does not count.
 */
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const PROJECTS = ['tsconfig.json', 'web/tsconfig.json'];
// Files whose exports a tool reads by path, never through an import.
const LOADED_BY_TOOLS = new Set([
  'vitest.config.ts',
  'vitest.cluster.config.ts',
  'drizzle.config.ts',
  'web/vite.config.ts',
  'src/test/global-setup.ts',
  'src/db/schema.ts',
]);
const isOurs = (rel: string) => /^(src|web|bench|scripts)\//.test(rel) || /^[^/]+\.config\.ts$/.test(rel);
// Test files export nothing (Biome's noExportsInTest); they are where uses start.
const isRoot = (rel: string) => LOADED_BY_TOOLS.has(rel) || rel.endsWith('.test.ts');

type Export = { file: string; line: number; name: string };
const exported = new Map<string, Export>();
const used = new Set<string>();
const exportKey = (file: string, name: string) => `${file}:${name}`;

function loadProgram(config: string): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, config), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${config}`);
  return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

function scan(program: ts.Program) {
  const checker = program.getTypeChecker();
  const files = program.getSourceFiles().flatMap((sf) => {
    const rel = path.relative(root, sf.fileName).split(path.sep).join('/');
    return !sf.isDeclarationFile && !rel.startsWith('..') && !rel.includes('node_modules/') && isOurs(rel) ? [{ sf, rel }] : [];
  });

  // Each export, by the symbol in its module's export table.
  const keyOf = new Map<ts.Symbol, string>();
  const exportsOfModule = new Map<ts.Symbol, string[]>();
  for (const { sf, rel } of files) {
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    if (!moduleSymbol?.exports) continue;
    const keys: string[] = [];
    moduleSymbol.exports.forEach((symbol, escaped) => {
      const name = ts.unescapeLeadingUnderscores(escaped);
      if (name === ts.InternalSymbolName.ExportStar || name === ts.InternalSymbolName.ExportEquals) return;
      const key = exportKey(rel, name);
      const declaration = symbol.declarations?.find((d) => d.getSourceFile() === sf) ?? symbol.declarations?.[0];
      const line = declaration ? sf.getLineAndCharacterOfPosition(declaration.getStart()).line + 1 : 1;
      if (!exported.has(key)) exported.set(key, { file: rel, line, name });
      keyOf.set(symbol, key);
      keys.push(key);
    });
    exportsOfModule.set(moduleSymbol, keys);
  }

  function immediateTarget(alias: ts.Symbol): ts.Symbol | undefined {
    try {
      return checker.getImmediateAliasedSymbol(alias);
    } catch {
      // An alias the checker made itself (a namespace's member) has no declaration to step through.
      return checker.getAliasedSymbol(alias);
    }
  }

  // Follows a reference through aliases (import → re-export → declaration), marking each
  // export passed on the way that lives in another file than the reference.
  function follow(start: ts.Symbol | undefined, from: string, wholeModule: boolean) {
    const seen = new Set<ts.Symbol>();
    for (let s = start; s && !seen.has(s); ) {
      seen.add(s);
      const key = keyOf.get(s);
      if (key && !key.startsWith(`${from}:`)) used.add(key);
      // `import * as schema` passed on whole: every export of that module is used.
      if (wholeModule) for (const k of exportsOfModule.get(s) ?? []) if (!k.startsWith(`${from}:`)) used.add(k);
      if (!(s.flags & ts.SymbolFlags.Alias)) break;
      s = immediateTarget(s);
    }
  }

  for (const { sf, rel } of files) {
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node)) {
        const parent = node.parent;
        const qualified = (ts.isPropertyAccessExpression(parent) && parent.expression === node) || (ts.isQualifiedName(parent) && parent.left === node);
        follow(checker.getSymbolAtLocation(node), rel, !qualified && !ts.isImportSpecifier(parent) && !ts.isNamespaceImport(parent));
        if (ts.isShorthandPropertyAssignment(parent)) follow(checker.getShorthandAssignmentValueSymbol(parent), rel, true);
        // `const { name } = await import('./x.js')`: the name is a property of the module.
        if (ts.isBindingElement(parent) && ts.isObjectBindingPattern(parent.parent) && (parent.propertyName ?? parent.name) === node) {
          const property = checker.getPropertyOfType(checker.getTypeAtLocation(parent.parent), node.text);
          follow(property, rel, false);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}

for (const project of PROJECTS) scan(loadProgram(project));

const unused = [...exported.entries()]
  .filter(([key, e]) => !used.has(key) && !isRoot(e.file))
  .map(([, e]) => e)
  .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
for (const e of unused) console.log(`${e.file}:${e.line} ${e.name}`);
if (unused.length > 0) {
  console.error(`\n${unused.length} exported name${unused.length === 1 ? '' : 's'} that no other file imports: drop the export, or the code.`);
  process.exitCode = 1;
}
