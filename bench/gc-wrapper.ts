/**
 * Runs a server module with a way for the benchmark to read its retained
 * memory: on SIGUSR2 it collects garbage twice and prints one JSON line with
 * process.memoryUsage(), so the figures compare live objects, not garbage
 * that one server happens to have produced more of. Needs --expose-gc.
 */
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  process.stdout.write(`${JSON.stringify({ memory: process.memoryUsage() })}\n`);
});
const target = process.argv[2];
if (!target) throw new Error('usage: gc-wrapper.ts <module>');
await import(new URL(`../${target}`, import.meta.url).href);
