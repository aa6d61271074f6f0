// Types of precache.mjs, for vite.config.ts (tsc --noEmit checks the config).
import type { Plugin } from 'vite';
export declare const SW_FILE: string;
export declare const PLACEHOLDER: RegExp;
export declare function precacheManifest(dist: string): { version: string; files: string[]; bytes: number };
export declare function writePrecache(dist: string): { version: string; files: string[]; bytes: number };
export declare function precachePlugin(): Plugin;
