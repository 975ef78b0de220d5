/**
 * Whether `s` is Unicode text: no lone UTF-16 surrogate. JSON can carry one
 * (`"\ud800"`), but no UTF-8 column can store it: MySQL would keep U+FFFD in
 * its place, so what is read back differs from what was sent. Such input is
 * refused instead.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Whether any string (value or key) anywhere in a parsed JSON value holds a lone surrogate. Not recursive. */
export function holdsLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'string') {
      if (!isWellFormedText(v)) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (!isWellFormedText(k)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}
