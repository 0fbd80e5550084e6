import { describe, expect, it } from "vitest";
import { guestEmail, guestKey, isGuestKey } from "./customer-key";

describe("guest keys", () => {
  it("GIVEN an email with case and spaces WHEN keyed THEN it is lower-cased and trimmed", () => {
    expect(guestKey("  Ann@Example.COM ")).toBe("email:ann@example.com");
  });

  it("GIVEN no email, or only spaces WHEN keyed THEN there is no key", () => {
    expect(guestKey(null)).toBeNull();
    expect(guestKey(undefined)).toBeNull();
    expect(guestKey("   ")).toBeNull();
  });

  it("GIVEN keys WHEN asked THEN guest keys are told from store ids and give back their email", () => {
    expect(isGuestKey("email:ann@example.com")).toBe(true);
    expect(isGuestKey("gid://shopify/Customer/1")).toBe(false);
    expect(guestEmail("email:ann@example.com")).toBe("ann@example.com");
    expect(guestEmail("42")).toBeNull();
  });
});
