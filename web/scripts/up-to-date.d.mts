// Types of up-to-date.mjs, for the unit tests (tsc --noEmit checks them).
export declare function buildInputs(web?: string): Array<{ file: string; mtime: number }>;
export declare function staleReason(web?: string): string | null;
