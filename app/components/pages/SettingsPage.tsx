/**
 * The settings form: counting rules, scoring, the persona map and write-back, edited locally and
 * posted to the route's action as intent=preview (nothing stored) or intent=save; the write-back
 * controls (pause, remove) come in as `writeback`.
 */
import type { SerializeFrom } from "@remix-run/node";
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import type { SettingsPage as SettingsPageView } from "~/dashboard/settings.server";
import type { ShopSettings } from "~/settings/shop-settings";
import { useAdminToast } from "../admin-shell";
import { formFromSettings, settingsInputFromForm, type SettingsForm } from "../settings/form-model";
import { PersonaMapEditor } from "../settings/PersonaMapEditor";
import { PreviewResult } from "../settings/PreviewResult";
import { CountingRulesSection, ScoringSection, WritebackSection } from "../settings/sections";

/** What the settings loader sends. */
export type SettingsPageData = SerializeFrom<SettingsPageView & { locale: string }>;

/** What the settings action answers, whichever intent was posted. */
export type SettingsActionResult = {
  intent: "preview" | "save" | "remove" | "pause" | null;
  removing?: true;
  paused?: true;
  errors?: Record<string, string>;
  preview?: Parameters<typeof PreviewResult>[0]["preview"];
  saved?: true;
};

/** `writeback`: the write-back controls (pause, remove persona data), under the write-back settings. */
export function SettingsPage({ data: page, writeback }: { data: SettingsPageData; writeback?: ReactNode }) {
  const { currency, locale } = page;
  const initial = useMemo(() => formFromSettings(page.settings as unknown as ShopSettings, currency), [page.settings, currency]);
  const [form, setForm] = useState<SettingsForm>(initial);
  const [dirty, setDirty] = useState(false);
  const previewer = useFetcher<SettingsActionResult>();
  const saver = useFetcher<SettingsActionResult>();
  const toast = useAdminToast();

  const previewResult = previewer.data as SettingsActionResult | undefined;
  const saveResult = saver.data as SettingsActionResult | undefined;
  const latest = saver.state === "idle" && saveResult ? saveResult : previewResult;
  const errors = latest?.errors ?? {};
  const error = (path: string) => errors[path];

  useEffect(() => {
    if (saver.state === "idle" && saveResult?.saved) {
      setDirty(false);
      toast("Settings saved. Customers are being rescored.");
    }
    // Only when a save comes back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saver.state, saveResult]);

  const change = <K extends keyof SettingsForm>(key: K) => (value: SettingsForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setDirty(true);
  };
  const submit = (intent: "preview" | "save") => {
    const fields = { intent, settings: JSON.stringify(settingsInputFromForm(form, currency)) };
    (intent === "save" ? saver : previewer).submit(fields, { method: "post" });
  };

  const errorCount = Object.keys(errors).length;
  return (
    <Page
      title="Settings"
      subtitle="What counts, how customers are scored, which persona each score gets, and what is written to your store"
      primaryAction={{ content: "Save", loading: saver.state !== "idle", onAction: () => submit("save") }}
      secondaryActions={[{ content: "Preview changes", loading: previewer.state !== "idle", onAction: () => submit("preview") }]}
    >
      <Layout>
        {errorCount > 0 && (
          <Layout.Section>
            <Banner tone="critical" title={`Please fix ${errorCount === 1 ? "1 field" : `${errorCount} fields`}`}>
              <Text as="p">Each problem is shown on its field below.</Text>
              {errors.settings && <Text as="p">{errors.settings}</Text>}
            </Banner>
          </Layout.Section>
        )}
        {saveResult?.saved && !dirty && (
          <Layout.Section>
            <Banner tone="success" title="Settings saved">
              <Text as="p">Customers are being rescored; personas in your store update once scoring finishes.</Text>
            </Banner>
          </Layout.Section>
        )}
        {previewResult?.preview && (
          <Layout.AnnotatedSection title="Preview" description="What saving these settings would change.">
            <PreviewResult preview={previewResult.preview} currency={currency} locale={locale} />
          </Layout.AnnotatedSection>
        )}
        <Layout.AnnotatedSection
          title="What counts"
          description="Orders these rules leave out don't count towards any score. Customers with no counted order get no persona."
        >
          <CountingRulesSection value={form.rules} onChange={change("rules")} error={error} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title="Scoring" description="How recency, frequency and spend become scores from 1 to 5.">
          <ScoringSection value={form.scoring} onChange={change("scoring")} error={error} currency={currency} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection
          title="Personas"
          description="Rules apply in order; the first whose ranges hold a customer's R, F and M scores names their persona."
        >
          <PersonaMapEditor rules={form.personas} onChange={change("personas")} error={error} />
        </Layout.AnnotatedSection>
        <Layout.AnnotatedSection title="Write-back" description="How personas appear on customers in your store.">
          <BlockStack gap="400">
            <WritebackSection value={form.writeback} onChange={change("writeback")} error={error} />
            {writeback}
          </BlockStack>
        </Layout.AnnotatedSection>
      </Layout>
    </Page>
  );
}
