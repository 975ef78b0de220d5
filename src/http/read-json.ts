import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, invalidInput } from './errors.js';
import { holdsLoneSurrogate } from './text.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the request body as JSON and checks it against `schema`. Every way a
 * body can be wrong ends as a 4xx with a code: another media type (415),
 * bytes that are not UTF-8, text that is not JSON, or JSON of the wrong shape
 * (400). The size limit has already been enforced by the body-limit middleware.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, options: { emptyAs?: unknown } = {}): Promise<z.infer<S>> {
  const bytes = await c.req.arrayBuffer();
  let value: unknown = options.emptyAs;
  // Routes whose every field is optional also accept no body at all.
  if (bytes.byteLength > 0 || options.emptyAs === undefined) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
      value = JSON.parse(text);
    } catch {
      throw invalidInput('The body is not valid UTF-8 JSON.');
    }
    // Only an escape (\ud800…\udfff) can bring a lone surrogate in: the bytes are valid UTF-8.
    if (/\\u[dD][89a-fA-F]/.test(text) && holdsLoneSurrogate(value)) {
      throw invalidInput('The body holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not text.');
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw invalidInput(`${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}
