/**
 * Your webhooks, on the API tokens page: add one (its signing secret shown once), see how each last
 * delivery went, send a test, delete one. Live (`owner:webhooks`): a delivery failing, retried, turned
 * off or delivered again shows as it happens, as does a change made in another tab.
 */
import { useState } from "react";
import { api, gone, type TestDelivery, type WebhookView } from "../api.ts";
import { useFocusAfterRemoval } from "../components/focus.ts";
import { ShownOnce } from "../components/shown-once.tsx";
import { Empty, ErrorNote, LiveView } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { formatTime } from "../format.ts";
import { useLive } from "../live.ts";

const URL_FIELD = "new-webhook-url";
const toUrlField = () => document.getElementById(URL_FIELD);

export function Webhooks() {
  const live = useLive<WebhookView[]>("webhooks");
  // The secret lives only in this component's memory: gone on reload, never stored.
  const [revealed, setRevealed] = useState<{ url: string; secret: string } | null>(null);
  // A webhook deleted: its row goes (once the live list says so), and the focus on to the next row's first button.
  const focus = useFocusAfterRemoval<HTMLUListElement>(live.status === "ready" ? live.data.map((hook) => hook.id) : null, "button", toUrlField);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="meta">
        Your notifications (your agents' runs starting, commenting, finishing or failing; @mentions; tasks made yours) are POSTed as JSON to
        each URL, signed: <code>X-GroupChat-Signature: sha256=HMAC(secret, body)</code>.
      </p>
      {revealed && (
        <div data-testid="webhook-secret-once">
          <ShownOnce label="Webhook secret" text={revealed.secret} testId="webhook-secret" onDone={() => setRevealed(null)} returnFocus={toUrlField}>
            <h3>Secret for {revealed.url}</h3>
            <p><strong>Copy it now: it is shown this once.</strong> Check each delivery's signature with it.</p>
          </ShownOnce>
        </div>
      )}
      <NewWebhook onCreated={setRevealed} />
      <LiveView live={live} what="webhooks">
        {(hooks) => hooks.length === 0 ? <Empty>No webhooks yet.</Empty> : (
          <ul className="webhooks" ref={focus.list}>
            {hooks.map((hook, at) => <WebhookRow key={hook.id} hook={hook} onDeleted={() => focus.removed(hook.id, at)} />)}
          </ul>
        )}
      </LiveView>
    </section>
  );
}

function NewWebhook({ onCreated }: { onCreated: (made: { url: string; secret: string }) => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const create = useAction();
  return (
    <form className="new-agent" aria-label="New webhook" onSubmit={async (event) => {
      event.preventDefault();
      await create.run(async () => {
        const made = await api.createWebhook(url.trim(), description.trim());
        onCreated({ url: made.url, secret: made.secret });
        setUrl("");
        setDescription("");
      });
    }}>
      <div className="row">
        <label className="grow">URL <input id={URL_FIELD} type="url" value={url} onChange={(e) => setUrl(e.target.value)} required maxLength={2000} placeholder="https://example.com/hooks/groupchat" /></label>
        <label className="grow">Description <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} placeholder="What it is for, e.g. Slack" /></label>
        <button type="submit" disabled={create.busy || url.trim() === ""}>Add webhook</button>
      </div>
      {create.error && <ErrorNote error={create.error} />}
    </form>
  );
}

/** How the last attempt went, in words. */
function lastAttempt(hook: WebhookView): string {
  if (hook.disabledAt !== null) return `Turned off ${formatTime(hook.disabledAt)} after ${hook.consecutiveFailures} failed deliveries: a test that is delivered turns it on again`;
  if (!hook.lastAttempt) return "Nothing sent yet";
  const { at, status, error } = hook.lastAttempt;
  if (error === null) return `Last delivered ${formatTime(at)} (${status})`;
  // No failures counted with a failed last attempt: a test delivered turned it on again, and nothing has been sent since.
  if (hook.consecutiveFailures === 0) return `On again after a test delivered; the last delivery failed: ${error} at ${formatTime(at)}`;
  return `Failing: ${error} at ${formatTime(at)}, ${hook.consecutiveFailures} in a row${hook.nextAttemptAt ? `; next try ${formatTime(hook.nextAttemptAt)}` : ""}`;
}

function testResult(result: TestDelivery): string {
  if (result.delivered) return `Test delivered (${result.status})`;
  return `Test not delivered: ${result.error ?? "no answer"}`;
}

function WebhookRow({ hook, onDeleted }: { hook: WebhookView; onDeleted: () => void }) {
  const test = useAction();
  const remove = useAction();
  const [tested, setTested] = useState<TestDelivery | null>(null);
  return (
    <li className="card" data-webhook-id={hook.id}>
      <div className="row spread">
        <div>
          <strong>{hook.description || hook.url}</strong> {hook.description && <code className="meta">{hook.url}</code>}
          <div className="meta" data-testid="webhook-status">{lastAttempt(hook)}</div>
          <div className="meta" aria-live="polite">{tested && testResult(tested)}</div>
        </div>
        <div className="row">
          <button type="button" className="secondary" disabled={test.busy} aria-label={`${test.busy ? "Sending…" : "Send test"} to ${hook.description || hook.url}`}
            onClick={() => void test.run(async () => setTested(await api.testWebhook(hook.id)))}>{test.busy ? "Sending…" : "Send test"}</button>
          <button type="button" className="danger" disabled={remove.busy} aria-label={`Delete the webhook to ${hook.description || hook.url}`} onClick={() => {
            if (!confirm(`Delete the webhook to ${hook.url}? Nothing more is sent to it.`)) return;
            void remove.run(async () => {
              await gone(api.deleteWebhook(hook.id));
              onDeleted();
            });
          }}>Delete</button>
        </div>
      </div>
      {test.error && <ErrorNote error={test.error} />}
      {remove.error && <ErrorNote error={remove.error} />}
    </li>
  );
}
