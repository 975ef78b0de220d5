import { defineConfig } from 'drizzle-kit';

// Used only by `npm run db:generate` to write SQL migrations into drizzle/.
// The server applies them itself at start (src/db/migrate.ts).
export default defineConfig({
  dialect: 'mysql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
