/**
 * History page cost as one conversation grows: the newest 50 messages, and a
 * page from the middle, between two people who have exchanged 10,000 and
 * then 1,000,000 messages. Parley's query (two index-ordered branches under
 * UNION ALL) against the obvious `(a→b) OR (b→a) ORDER BY id` form, with the
 * EXPLAIN of each.
 *
 *   npm run bench:history       (needs MySQL; takes about a minute to load 1,000,000 rows)
 */
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { createDatabase } from '../src/db/client.js';
import { ensureDatabaseExists, runMigrations } from '../src/db/migrate.js';
import { messagesBetween } from '../src/dm/store.js';
import { fmt, percentile } from './lib.js';

const MYSQL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB = 'parley_bench_history';
const SIZES = [10_000, 1_000_000];
const ROUNDS = 200;
const url = new URL(MYSQL);
url.pathname = `/${DB}`;

const admin = await mysql.createConnection({ uri: MYSQL });
await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
await ensureDatabaseExists(url.toString());
const database = createDatabase(url.toString());
await runMigrations(database);
const pool = database.pool;
await pool.query(
  "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (1,'ann','Ann','x',NOW()),(2,'bob','Bob','x',NOW()),(3,'cat','Cat','x',NOW())",
);

const naive =
  'SELECT id, sender_id, recipient_id, body, client_id, created_at FROM direct_messages ' +
  'WHERE ((sender_id = ? AND recipient_id = ?) OR (sender_id = ? AND recipient_id = ?)) AND id < ? ORDER BY id DESC LIMIT ?';

async function timeIt(fn: () => Promise<unknown>, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}

let loaded = 0;
const results: Array<{ size: number; latest: number[]; middle: number[]; naiveLatest: number[] }> = [];
for (const size of SIZES) {
  // Ann and Bob write to each other in turn; every tenth message is Ann to Cat, so the
  // table also holds other conversations.
  while (loaded < size) {
    const n = Math.min(20_000, size - loaded);
    const rows = Array.from({ length: n }, (_, i) => {
      const k = loaded + i;
      const [s, r] = k % 10 === 9 ? [1, 3] : k % 2 ? [2, 1] : [1, 2];
      return [s, r, `message number ${k}`, `c${k}`, new Date()];
    });
    await pool.query('INSERT INTO direct_messages (sender_id, recipient_id, body, client_id, created_at) VALUES ?', [rows]);
    loaded += n;
  }
  await pool.query('ANALYZE TABLE direct_messages');
  const [[{ mid }]] = (await pool.query('SELECT MAX(id) DIV 2 AS mid FROM direct_messages')) as unknown as [[{ mid: number }]];
  const latest = await timeIt(() => messagesBetween(pool, 1, 2, Number.MAX_SAFE_INTEGER, 51), ROUNDS);
  const middle = await timeIt(() => messagesBetween(pool, 1, 2, Number(mid), 51), ROUNDS);
  const naiveLatest = await timeIt(() => pool.query(naive, [1, 2, 2, 1, Number.MAX_SAFE_INTEGER, 51]), size > 100_000 ? 5 : 50);
  results.push({ size, latest, middle, naiveLatest });
}

const explain = async (sql: string, params: unknown[]) => {
  const [rows] = await pool.query<RowDataPacket[]>(`EXPLAIN ${sql}`, params);
  return rows.map((r) => `  ${r.id} ${r.select_type} table=${r.table} type=${r.type} key=${r.key} rows=${r.rows} ${r.Extra ?? ''}`).join('\n');
};
const branch =
  '(SELECT id, sender_id, recipient_id, body, client_id, created_at FROM direct_messages FORCE INDEX (direct_messages_pair_id_idx) ' +
  'WHERE sender_id = ? AND recipient_id = ? AND id < ? ORDER BY id DESC LIMIT ?)';
const unionExplain = await explain(`${branch} UNION ALL ${branch} ORDER BY id DESC LIMIT ?`, [1, 2, 1e15, 51, 2, 1, 1e15, 51, 51]);
const naiveExplain = await explain(naive, [1, 2, 2, 1, 1e15, 51]);

console.log(`\nHistory page of 50 (median / p99 over ${ROUNDS} reads, ms)\n`);
console.log('| messages stored | newest page | page from the middle | naive OR query, newest page |');
console.log('|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.size.toLocaleString('en')} | ${fmt(percentile(r.latest, 50), 3)} / ${fmt(percentile(r.latest, 99), 3)} | ${fmt(percentile(r.middle, 50), 3)} / ${fmt(percentile(r.middle, 99), 3)} | ${fmt(percentile(r.naiveLatest, 50), 1)} |`,
  );
}
const [small, large] = results;
console.log(`\nratio 1,000,000 : 10,000 (median, newest page): ${fmt(percentile(large!.latest, 50) / percentile(small!.latest, 50))}× (target ≤ 1.5×)`);
console.log(`\nEXPLAIN, Parley's query:\n${unionExplain}\n\nEXPLAIN, naive OR query:\n${naiveExplain}`);
await database.close();
await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
await admin.end();
process.exit(0);
