export const FIXTURES: string;
export const HAVE_FIXTURES: boolean;
export function skipNotice(what: string): void;
