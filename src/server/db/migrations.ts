/**
 * One set of migrations for SQLite and PostgreSQL. Append only: a shipped
 * migration is never edited; a change of schema is a new entry.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';

// Kysely's migrations take the untyped database: the schema is what they make.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyDB = Kysely<any>;

const isPostgres = (db: AnyDB): boolean => db.getExecutor().adapter.constructor.name.startsWith('Postgres');

const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db: AnyDB) {
      const pg = isPostgres(db);
      // An auto-increment primary key that both engines understand.
      const id = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
      const idType = pg ? 'bigint' : 'integer';

      await db.schema
        .createTable('users')
        .addColumn('id', idType, id)
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('image_type', 'text')
        .addColumn('image_data', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('login_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('login_locked_until', 'bigint')
        .execute();

      await db.schema
        .createTable('security_questions')
        .addColumn('id', idType, id)
        .addColumn('user_id', idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('answer_hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('security_questions_user').on('security_questions').column('user_id').execute();

      await db.schema
        .createTable('identity_attempts')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .execute();

      await db.schema
        .createTable('activations')
        .addColumn('id', idType, id)
        .addColumn('user_id', idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('k_ac', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('token_id', 'text')
        .execute();
      await db.schema.createIndex('activations_user_profile').on('activations').columns(['user_id', 'profile', 'id']).execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', idType, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('activation_id', idType)
        .addColumn('renews_token_id', 'text')
        .addColumn('device_name', 'text', (c) => c.notNull())
        .addColumn('seed', 'text', (c) => c.notNull())
        .addColumn('k_status', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('digits', 'integer', (c) => c.notNull())
        .addColumn('period', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addColumn('confirm_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(-1))
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('tokens_user_state').on('tokens').columns(['user_id', 'state']).execute();
      await db.schema.createIndex('tokens_activation').on('tokens').column('activation_id').execute();

      await db.schema
        .createTable('reminders')
        .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
        .addColumn('days', 'integer', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('reminders_pk', ['token_id', 'days'])
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', idType, id)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('portal_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('audit')
        .addColumn('id', idType, id)
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('username', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_at').on('audit').column('at').execute();
    },
  },
  '002_hardening_rate_limits': {
    async up(db: AnyDB) {
      // One row per (bucket, scope, client or user): the hits of its current window.
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rate_limits_window').on('rate_limits').column('window_start').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
