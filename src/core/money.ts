/** An amount as stored: integer minor units and an ISO-4217 currency. What a `Money` field resolves to. */
export interface MoneyModel {
  cents: number;
  currency: string;
}

export function money(cents: number, currency: string): MoneyModel {
  return { cents, currency };
}

/** Formats minor units as a decimal string with two places (`1250` → `"12.50"`). */
export function formatAmount(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Parses a decimal amount string (`"12"`, `"12.5"`, `"12.50"`) into minor
 * units, or null when it is not a non-negative amount with at most two decimals.
 */
export function parseAmount(amount: string): number | null {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
