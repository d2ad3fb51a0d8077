/**
 * Your personal access tokens (gcp_), for scripts against the owner API: make one
 * (shown once), see them by name and first characters, revoke one; and your webhooks (Webhooks.tsx, live). The
 * tokens are a plain REST list, read again after each change: it changes only by your own hand.
 */
import { useEffect, useState } from "react";
import { api, gone, type ApiTokenView } from "../api.ts";
import { useFocusAfterRemoval } from "../components/focus.ts";
import { ShownOnce } from "../components/shown-once.tsx";
import { Empty, ErrorNote, Loading } from "../components/states.tsx";
import { usePageTitle } from "../components/page-title.ts";
import { useAction } from "../components/use-action.ts";
import { formatTime } from "../format.ts";
import { onHubReached } from "../hub-reached.ts";
import { isBlank } from "../../sdk/blank-text.ts";
import { Webhooks } from "./Webhooks.tsx";

/** The new token's name field: where the focus goes once a token is shown, or the last one revoked. */
const NAME_FIELD = "new-token-name";
const toNameField = () => document.getElementById(NAME_FIELD);

interface Revealed {
  name: string;
  token: string;
}

export function ApiTokens() {
  const [tokens, setTokens] = useState<ApiTokenView[] | null>(null);
  // The token lives only in this component's memory: gone on reload, never stored.
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const load = useAction();
  usePageTitle("API tokens");
  // Whether the last read failed: the list is not there, or not as the hub has it.
  const [stale, setStale] = useState(false);
  const reload = async () => {
    setStale(false);
    setStale(!(await load.run(async () => setTokens(await api.apiTokens()))));
  };
  // Once, on opening the page; after that, each change reads it again.
  useEffect(() => void reload(), []);
  // A read that failed (the hub out of reach: its note goes by itself then) is tried again once the hub answers.
  useEffect(() => (stale ? onHubReached(() => void reload()) : undefined), [stale]);
  // A token revoked: its row goes, and the focus with it; it goes on to the next row's Revoke (or the name field).
  const focus = useFocusAfterRemoval<HTMLUListElement>(tokens?.map((token) => token.id) ?? null, "button", toNameField);
  return (
    <section aria-labelledby="tokens-title">
      <h1 id="tokens-title">API tokens</h1>
      <p className="meta">A token lets a script act as you on the owner API: <code>Authorization: Bearer gcp_…</code>. Revoke one you no longer use.</p>
      {revealed && (
        <div data-testid="api-token-once">
          <ShownOnce label={`Token ${revealed.name}`} text={revealed.token} testId="api-token" onDone={() => setRevealed(null)}
            returnFocus={toNameField}>
            <h2>Token {revealed.name}</h2>
            <p><strong>Copy it now: it is shown this once.</strong> Try it with <code>curl -H "Authorization: Bearer $TOKEN" {location.origin}/api/v1/workspaces</code>.</p>
          </ShownOnce>
        </div>
      )}
      <NewToken onCreated={(made) => { setRevealed(made); void reload(); }} />
      {load.error && <ErrorNote error={load.error} />}
      {tokens === null ? (!load.error && <Loading what="tokens" />) : tokens.length === 0 ? <Empty>No tokens yet.</Empty> : (
        <ul className="api-tokens" ref={focus.list}>
          {tokens.map((token, at) => <TokenRow key={token.id} token={token} onRevoked={() => {
            focus.removed(token.id, at);
            void reload();
          }} />)}
        </ul>
      )}
      <Webhooks />
    </section>
  );
}

function NewToken({ onCreated }: { onCreated: (made: Revealed) => void }) {
  const [name, setName] = useState("");
  const create = useAction();
  return (
    <form className="new-agent" aria-label="New token" onSubmit={async (event) => {
      event.preventDefault();
      await create.run(async () => {
        const made = await api.createApiToken(name.trim());
        onCreated({ name: made.name, token: made.token });
        setName("");
      });
    }}>
      <div className="row">
        <label className="grow">Name <input id={NAME_FIELD} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="What it is for, e.g. CI deploys" /></label>
        <button type="submit" disabled={create.busy || isBlank(name)}>Create token</button>
      </div>
      {create.error && <ErrorNote error={create.error} />}
    </form>
  );
}

/**
 * What revoking asks first. The token `hub init` made is also in the data dir's credentials.json,
 * where scripts (and whoever ran `hub init --json`) read it: the API says which one that is.
 */
function revokeQuestion(token: ApiTokenView): string {
  const question = `Revoke the token ${token.name}?`;
  if (!token.inCredentialsFile) return `${question} Scripts using it stop working at once.`;
  return `${question} It is the token in the hub's data dir credentials.json, the one \`hub init --json\` prints: scripts that read that file stop working at once.`;
}

function TokenRow({ token, onRevoked }: { token: ApiTokenView; onRevoked: () => void }) {
  const revoke = useAction();
  return (
    <li className="card" data-token-id={token.id}>
      <div className="row spread">
        <div>
          <strong>{token.name}</strong> <code className="meta">{token.prefix}…</code>
          <div className="meta">
            Created {formatTime(token.createdAt)} · {token.lastUsedAt === null ? "never used" : `last used ${formatTime(token.lastUsedAt)}`}
            {token.inCredentialsFile && <> · in the data dir's <code>credentials.json</code></>}
          </div>
        </div>
        <button type="button" className="danger" disabled={revoke.busy} aria-label={`Revoke “${token.name}”`} onClick={() => {
          if (!confirm(revokeQuestion(token))) return;
          void revoke.run(async () => {
            await gone(api.revokeApiToken(token.id));
            onRevoked();
          });
        }}>Revoke</button>
      </div>
      {revoke.error && <ErrorNote error={revoke.error} />}
    </li>
  );
}
