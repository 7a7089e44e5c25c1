/**
 * Emails are compared and stored trimmed and lower-cased (the whole address:
 * a store must not hold two accounts for `Alice@x` and `alice@x`) and in
 * Unicode NFC, so the same address typed on two keyboards is one account.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
