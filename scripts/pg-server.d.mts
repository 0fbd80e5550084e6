export interface PostgresServer {
  /** The superuser's connection to the `postgres` database. */
  adminUrl: string;
  port: number;
  dir: string;
  /** The URL of database `name` on this server. */
  urlFor(name: string): string;
  /** Create database `name` (optionally as a copy of `template`) and return its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  /** Stop the server and remove its data (also done on process exit). */
  stop(): void;
}
export declare function postgresBinDir(): string;
/** Start a fresh server on loopback; `fast` turns durability off (tests, not benchmarks). */
export declare function startPostgres(options?: { fast?: boolean }): Promise<PostgresServer>;
/** Create database `name` on the server of `adminUrl` (a copy of `template` when given); returns its URL. */
export declare function createDatabase(adminUrl: string, name: string, template?: string): Promise<string>;
