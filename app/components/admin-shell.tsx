/**
 * What a page needs to know about the shell around it: embedded in an admin that signs each
 * request (App Bridge: session token in the Authorization header, App Bridge's toast), or
 * standalone (the app's own session cookie rides along; toasts in our own Polaris Frame).
 * Components call useAdminFetch / useAdminToast and work the same in both.
 */
import { createContext, useCallback, useContext } from "react";
import { appBridge } from "./app-bridge";

export interface AdminShell {
  embedded: boolean;
  toast(message: string): void;
}

/** The embedded shell is the default: pages rendered without a provider behave as they always did. */
export const AdminShellContext = createContext<AdminShell>({ embedded: true, toast: (message) => appBridge()?.toast.show(message) });

export const useAdminShell = () => useContext(AdminShellContext);

export const useAdminToast = () => useAdminShell().toast;

/** A fetch of the app's own endpoints, authenticated as this shell authenticates. */
export function useAdminFetch(): (path: string, init?: RequestInit) => Promise<Response> {
  const { embedded } = useAdminShell();
  return useCallback(
    async (path, init = {}) => {
      if (!embedded) return fetch(path, { ...init, credentials: "same-origin" });
      const shopify = appBridge();
      if (!shopify) throw new Error("The Shopify admin is still loading. Try again in a moment.");
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${await shopify.idToken()}`);
      return fetch(path, { ...init, headers });
    },
    [embedded],
  );
}
