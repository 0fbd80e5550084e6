/**
 * Unsaved edits, as Shopify's own settings pages treat them: App Bridge's contextual save bar in
 * the admin while the form differs from what is stored (Save and Discard there click the buttons
 * inside <ui-save-bar>), and a question before leaving — in-app navigation is blocked until the
 * merchant chooses, a reload or closed tab gets the browser's own prompt.
 */
import { useBlocker } from "@remix-run/react";
import { Modal, Text } from "@shopify/polaris";
import { createElement, useEffect, useRef } from "react";
import { useAdminShell } from "../admin-shell";

type SaveBarElement = HTMLElement & { show?: () => Promise<void>; hide?: () => Promise<void> };

export const SAVE_BAR_ID = "settings-save-bar";

export function SaveBar({ open, saving, canSave, onSave, onDiscard }: { open: boolean; saving: boolean; canSave: boolean; onSave: () => void; onDiscard: () => void }) {
  const { embedded } = useAdminShell();
  const ref = useRef<SaveBarElement | null>(null);
  useEffect(() => {
    // Before App Bridge has upgraded the element it has no show/hide: nothing to show yet.
    if (open) void ref.current?.show?.();
    else void ref.current?.hide?.();
  }, [open]);
  useEffect(() => {
    const bar = ref.current;
    return () => void bar?.hide?.();
  }, []);
  if (!embedded) return null;
  // App Bridge reads these attributes (variant, loading) from plain buttons, not React props.
  const primary: Record<string, string> = { variant: "primary" };
  if (saving) primary.loading = "";
  return createElement(
    "ui-save-bar",
    { id: SAVE_BAR_ID, ref },
    <button type="button" {...primary} disabled={!canSave || saving} onClick={onSave}>
      Save
    </button>,
    <button type="button" disabled={saving} onClick={onDiscard}>
      Discard
    </button>,
  );
}

/** Asks before leaving the page while `dirty`: in-app links and the admin's nav, reloads and closing the tab. */
export function LeaveGuard({ dirty }: { dirty: boolean }) {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);
  useEffect(() => {
    if (!dirty) return;
    const ask = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers need returnValue set to ask.
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", ask);
    return () => window.removeEventListener("beforeunload", ask);
  }, [dirty]);
  return (
    <Modal
      open={blocker.state === "blocked"}
      onClose={() => blocker.reset?.()}
      title="Leave the page with unsaved changes?"
      primaryAction={{ content: "Leave without saving", destructive: true, onAction: () => blocker.proceed?.() }}
      secondaryActions={[{ content: "Stay", onAction: () => blocker.reset?.() }]}
    >
      <Modal.Section>
        <Text as="p">Your changes to these settings will be lost.</Text>
      </Modal.Section>
    </Modal>
  );
}
