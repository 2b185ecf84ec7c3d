/** Types of build.mjs for the tests and the bench that import it. */

/** The browser bundles (IIFEs) the build writes to dist/, by file name. */
export const IIFES: Record<string, unknown>;

/** Bytes of each bundle in dist/, raw and after gzip -9, by file name. */
export function sizes(): Record<string, { raw: number; gzip: number }>;
