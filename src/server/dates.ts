/** Dates as the protocol writes them. @see docs/protocol.md §1 */

/** ISO 8601 UTC to the second, as the protocol's examples write dates. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
