export declare const DEFAULT_DATABASE_URL: string;
export declare function sqliteFilePath(url: string): string;
/** Apply pending migrations; returns the names applied. */
export declare function migrate(url?: string): Promise<string[]>;
