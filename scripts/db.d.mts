export type Provider = "sqlite" | "postgresql";
export declare const DEFAULT_DATABASE_URL: string;
/** Where each provider keeps its schema and migrations (the SQLite schema is the source). */
export declare const PROVIDERS: Record<Provider, { schemaPath: string; migrationsDir: string }>;
export declare function providerFor(url: string): Provider;
export declare function sqliteFilePath(url: string): string;
/** prisma/schema.prisma as text. */
export declare function sourceSchema(): string;
/** The PostgreSQL schema derived from the source (provider swapped, its own client output). */
export declare function derivePostgresSchema(source?: string): string;
/** Keep WITHOUT ROWID on tables Prisma rebuilds in a SQLite migration. */
export declare function keepWithoutRowid(sql: string, rowless: Set<string>): string;
/** pg-boss's schema, which `migrate` installs on PostgreSQL. */
export declare const JOB_SCHEMA: string;
/** Apply pending migrations of the URL's provider (on PostgreSQL also pg-boss's schema); returns the names applied. */
export declare function migrate(url?: string, options?: { migrationsDir?: string }): Promise<string[]>;
/** The SQL a new migration would hold (empty when the migrations match the schema). */
export declare function pendingMigrationSql(
  provider: Provider,
  options?: { source?: string; migrationsDir?: string; postgresUrl?: string },
): Promise<string>;
