/**
 * The settings form: counting rules, scoring, the persona map and write-back, edited locally and
 * posted to the route's action as intent=preview (nothing stored) or intent=save; the write-back
 * controls (pause, remove) come in as `writeback`.
 *
 * Saving behaves like Shopify's own settings: the contextual save bar shows while the form differs
 * from what is stored; a map that may not be saved cannot be sent; a save first previews, and when
 * customers would change persona the merchant confirms the from → to numbers; a refused save puts
 * the first bad field in view and focus. A preview is shown only for the settings it was made for.
 */
import type { SerializeFrom } from "@remix-run/node";
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Layout, List, Modal, Page, Text } from "@shopify/polaris";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { SettingsPage as SettingsPageView } from "~/dashboard/settings.server";
import type { ShopSettings } from "~/settings/shop-settings";
import { useAdminToast } from "../admin-shell";
import { formatNumber } from "../format";
import { formErrorKey, formFromSettings, mapProblems, mapRules, settingsInputFromForm, type SettingsForm } from "../settings/form-model";
import { PersonaMapEditor } from "../settings/PersonaMapEditor";
import { PreviewResult } from "../settings/PreviewResult";
import { CountingRulesSection, ScoringSection, WritebackSection } from "../settings/sections";
import { LeaveGuard, SaveBar } from "../settings/UnsavedChanges";

/** What the settings loader sends. */
export type SettingsPageData = SerializeFrom<SettingsPageView & { locale: string }>;

type Preview = Parameters<typeof PreviewResult>[0]["preview"];

/** What the settings action answers, whichever intent was posted. */
export type SettingsActionResult = {
  intent: "preview" | "save" | "remove" | "pause" | null;
  removing?: true;
  paused?: true;
  errors?: Record<string, string>;
  preview?: Preview;
  saved?: true;
};

/** Puts the first field showing an error (document order) in view and gives it focus. */
function focusFirstError(): void {
  const field = document.querySelector<HTMLElement>('[aria-invalid="true"], [data-field-error]');
  if (!field) return;
  field.scrollIntoView({ block: "center" });
  field.focus({ preventScroll: true });
}

/** The customers a preview moves, largest moves first: "Loyal → Champions: 12". */
function moves(preview: Preview): { from: string; to: string; customers: number }[] {
  const name = (list: Preview["currentPersonas"], slug: string) => (slug === "" ? "No persona" : (list.find((p) => p.slug === slug)?.name ?? slug));
  return preview.matrix
    .filter((m) => m.from !== m.to && m.customers > 0)
    .sort((a, b) => b.customers - a.customers)
    .map((m) => ({ from: name(preview.currentPersonas, m.from), to: name(preview.candidatePersonas, m.to), customers: m.customers }));
}

/** `writeback`: the write-back controls (pause, remove persona data), under the write-back settings. */
export function SettingsPage({ data: page, writeback }: { data: SettingsPageData; writeback?: ReactNode }) {
  const { currency, locale } = page;
  const initial = useMemo(
    () => formFromSettings(page.settings as unknown as ShopSettings, currency, page.currentEdges),
    [page.settings, page.currentEdges, currency],
  );
  const initialKey = useMemo(() => JSON.stringify(settingsInputFromForm(initial, currency)), [initial, currency]);
  const [form, setForm] = useState<SettingsForm>(initial);
  const previewer = useFetcher<SettingsActionResult>();
  const saver = useFetcher<SettingsActionResult>();
  const toast = useAdminToast();

  const input = useMemo(() => settingsInputFromForm(form, currency), [form, currency]);
  const inputKey = JSON.stringify(input);
  const dirty = inputKey !== initialKey;
  /** The settings the last preview and the last save were asked for, and the rule owners of that save. */
  const [previewedKey, setPreviewedKey] = useState<string | null>(null);
  const [savedKey, setSavedKey] = useState<string | null>(null);
  const savedOwners = useRef<string[]>([]);
  const previewOwners = useRef<string[]>([]);
  /** A save waiting for its preview (to confirm customers moving), and the confirmation itself. */
  const saveAfterPreview = useRef(false);
  const [confirming, setConfirming] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);

  // What is stored changed (a save came back, or write-back was switched off): the form shows it.
  useEffect(() => setForm(initial), [initialKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const previewResult = previewer.state === "idle" ? previewer.data : undefined;
  const saveResult = saver.state === "idle" ? saver.data : undefined;
  // Answers about other settings than the ones on screen are stale: neither their preview nor their errors show.
  const preview = previewResult?.preview && previewedKey === inputKey ? previewResult.preview : undefined;
  const serverErrors: Record<string, string> = {};
  const answered = [
    { result: previewResult, key: previewedKey, owners: previewOwners.current },
    { result: saveResult, key: savedKey, owners: savedOwners.current },
  ];
  for (const { result, key, owners } of answered) {
    if (result?.errors && key === inputKey) for (const [path, message] of Object.entries(result.errors)) serverErrors[formErrorKey(path, owners)] ??= message;
  }
  const mapErrors = useMemo(() => mapProblems(form.personas), [form.personas]);
  const errors = { ...mapErrors, ...serverErrors };
  const error = (path: string) => errors[path];
  const canSave = Object.keys(mapErrors).length === 0;

  const post = (intent: "preview" | "save") => {
    const owners = mapRules(form.personas).owners;
    if (intent === "save") {
      savedOwners.current = owners;
      setSavedKey(inputKey);
      saver.submit({ intent, settings: inputKey }, { method: "post" });
    } else {
      previewOwners.current = owners;
      setPreviewedKey(inputKey);
      previewer.submit({ intent, settings: inputKey }, { method: "post" });
    }
  };
  const save = () => {
    if (Object.keys(mapErrors).length > 0) {
      setFocusRequest((n) => n + 1);
      return;
    }
    saveAfterPreview.current = true;
    post("preview");
  };
  const discard = () => setForm(initial);
  const confirmSave = () => {
    setConfirming(false);
    post("save");
  };

  // The preview a save asked for: refused → show why; customers move → confirm; else save.
  useEffect(() => {
    if (previewer.state !== "idle" || !saveAfterPreview.current) return;
    saveAfterPreview.current = false;
    const answer = previewer.data;
    if (!answer || answer.errors || !answer.preview) setFocusRequest((n) => n + 1);
    // Edited while the preview ran: its numbers are not these settings'; the merchant saves again.
    else if (previewedKey !== inputKey) return;
    else if (answer.preview.moved > 0) setConfirming(true);
    else post("save");
    // Only when the preview comes back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [previewer.state]);

  useEffect(() => {
    if (saver.state !== "idle" || !saver.data) return;
    if (saver.data.saved) {
      setPreviewedKey(null);
      toast("Settings saved. Customers are being rescored.");
    }
    else if (saver.data.errors) setFocusRequest((n) => n + 1);
    // Only when a save comes back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [saver.state, saver.data]);

  // After the render that shows the errors.
  useEffect(() => {
    if (focusRequest > 0) focusFirstError();
  }, [focusRequest]);

  const saving = saver.state !== "idle" || (saveAfterPreview.current && previewer.state !== "idle");
  const errorCount = Object.keys(errors).length;
  const change = <K extends keyof SettingsForm>(key: K) => (value: SettingsForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const moved = confirming && previewResult?.preview ? moves(previewResult.preview) : [];

  return (
    <Page
      title="Settings"
      subtitle="What counts, how customers are scored, which persona each score gets, and what is written to your store"
      primaryAction={{ content: "Save", loading: saving, disabled: !canSave, onAction: save }}
      secondaryActions={[
        { content: "Preview changes", loading: previewer.state !== "idle" && !saveAfterPreview.current, onAction: () => post("preview") },
        ...(dirty ? [{ content: "Discard changes", onAction: discard }] : []),
      ]}
    >
      <SaveBar open={dirty} saving={saving} canSave={canSave} onSave={save} onDiscard={discard} />
      <LeaveGuard dirty={dirty && !saving} />
      <Modal
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Save and change the persona of ${formatNumber(previewResult?.preview?.moved ?? 0, locale)} customers?`}
        primaryAction={{ content: "Save and rescore", onAction: confirmSave }}
        secondaryActions={[{ content: "Cancel", onAction: () => setConfirming(false) }]}
      >
        <Modal.Section>
          <BlockStack gap="300">
            <Text as="p">
              {`With these settings ${formatNumber(previewResult?.preview?.moved ?? 0, locale)} of ${formatNumber(previewResult?.preview?.customers ?? 0, locale)} customers change persona:`}
            </Text>
            <List>
              {moved.slice(0, 12).map((m) => (
                <List.Item key={`${m.from}→${m.to}`}>{`${m.from} → ${m.to}: ${formatNumber(m.customers, locale)}`}</List.Item>
              ))}
            </List>
            {moved.length > 12 && <Text as="p" tone="subdued">{`and ${moved.length - 12} smaller moves.`}</Text>}
            <Text as="p" tone="subdued">
              Their persona tags and metafields in your store change once rescoring finishes (while write-back is on), and each change
              can start your “RFM persona changed” Flows.
            </Text>
          </BlockStack>
        </Modal.Section>
      </Modal>
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
        {preview && !confirming && (
          <Layout.AnnotatedSection title="Preview" description="What saving these settings would change.">
            <PreviewResult preview={preview} currency={currency} locale={locale} />
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
          description="Every customer's recency, frequency and spend scores put them in one of 125 cells; each cell belongs to one persona."
        >
          <PersonaMapEditor map={form.personas} onChange={change("personas")} error={error} cellCustomers={page.cellCustomers} locale={locale} />
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
