/** Numbers as people read them in a log line. */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;

export const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/** MB/s over `ms`; 0 for an instant. */
export const rate = (bytes: number, ms: number): number => (ms > 0 ? bytes / 1e6 / (ms / 1000) : 0);
