/**
 * The admin pages' shell when no admin embeds them (WooCommerce, opened from WP admin): our own
 * navigation, toasts in a Polaris Frame, and — for a store connected from the app — "Disconnect
 * store" behind a confirmation that says what disconnecting does.
 */
import { Link } from "@remix-run/react";
import { Box, Button, Frame, InlineStack, List, Modal, Text, Toast } from "@shopify/polaris";
import { useCallback, useMemo, useRef, useState, type ReactNode } from "react";
import { AdminShellContext, type AdminShell } from "./admin-shell";

export interface StandaloneShellProps {
  /** Where each page is. */
  nav: readonly { to: string; label: string }[];
  /** Offered when the store is connected from the app; null otherwise. */
  disconnect: { store: string; effects: readonly string[] } | null;
  children: ReactNode;
}

export const DISCONNECT_PATH = "/app/disconnect";

export function StandaloneShell({ nav, disconnect, children }: StandaloneShellProps) {
  const [toast, setToast] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const shell = useMemo<AdminShell>(() => ({ embedded: false, toast: setToast }), []);
  const close = useCallback(() => setConfirming(false), []);

  return (
    <AdminShellContext.Provider value={shell}>
      <Frame>
        <Box padding="400" borderBlockEndWidth="025" borderColor="border" background="bg-surface">
          <InlineStack align="space-between" blockAlign="center">
            <nav>
              <InlineStack gap="400">
                {nav.map((n) => (
                  <Link key={n.to} to={n.to}>
                    {n.label}
                  </Link>
                ))}
              </InlineStack>
            </nav>
            {disconnect && (
              <Button variant="plain" tone="critical" onClick={() => setConfirming(true)}>
                Disconnect store
              </Button>
            )}
          </InlineStack>
        </Box>
        {children}
        {disconnect && (
          <>
            {/* A plain form: the answer ends the session and leaves the admin pages for the connect page. */}
            <form ref={form} method="post" action={DISCONNECT_PATH} hidden />
            <Modal
              open={confirming}
              onClose={close}
              title={`Disconnect ${disconnect.store}?`}
              primaryAction={{
                content: "Disconnect store",
                destructive: true,
                loading: leaving,
                onAction: () => {
                  setLeaving(true);
                  form.current?.submit();
                },
              }}
              secondaryActions={[{ content: "Cancel", onAction: close }]}
            >
              <Modal.Section>
                <List>
                  {disconnect.effects.map((effect) => (
                    <List.Item key={effect}>{effect}</List.Item>
                  ))}
                  <List.Item>Scoring and write-back stop, and you are signed out of the app.</List.Item>
                  <List.Item>
                    The app keeps its copy of your orders, scores and settings, as when the app is uninstalled: connect the store again to carry on where you left off.
                  </List.Item>
                </List>
              </Modal.Section>
              <Modal.Section>
                <Text as="p" tone="subdued">
                  If the store cannot be reached, the app still disconnects and tells you what to remove by hand.
                </Text>
              </Modal.Section>
            </Modal>
          </>
        )}
        {toast && <Toast content={toast} onDismiss={() => setToast(null)} />}
      </Frame>
    </AdminShellContext.Provider>
  );
}
