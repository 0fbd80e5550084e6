/**
 * How customers are keyed, platform-neutrally. A customer with an account is keyed by the
 * store's own id (opaque here); a guest checkout has none, so its email — lower-cased and
 * trimmed — is the only way to see that two guest orders come from the same person.
 * Spelled here once: every platform's orders, privacy requests and recompute use it.
 */
const GUEST_PREFIX = "email:";

/** The guest key for an email, or null when there is no email. */
export function guestKey(email: string | null | undefined): string | null {
  const e = email?.trim().toLowerCase();
  return e ? `${GUEST_PREFIX}${e}` : null;
}

/** Whether a customer key is a guest's (keyed by email). */
export function isGuestKey(customerKey: string): boolean {
  return customerKey.startsWith(GUEST_PREFIX);
}

/** The email a guest key holds, or null for a customer with an account. */
export function guestEmail(customerKey: string): string | null {
  return isGuestKey(customerKey) ? customerKey.slice(GUEST_PREFIX.length) : null;
}
