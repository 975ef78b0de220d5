import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * User text is text: the web client never hands a string to the HTML parser. JSX escapes what it
 * renders, and these are the ways around that, so none of them may appear in web/src.
 */
const FORBIDDEN = [/dangerouslySetInnerHTML/, /\.innerHTML\s*=/, /\.outerHTML\s*=/, /insertAdjacentHTML/, /document\.write/, /\bnew Function\b/, /\beval\(/];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

describe('web client sources', () => {
  it('never parse strings as HTML or code', () => {
    const files = sources(new URL('../src', import.meta.url).pathname);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return FORBIDDEN.filter((re) => re.test(text)).map((re) => `${file}: ${re}`);
    });
    expect(found).toEqual([]);
  });
});
