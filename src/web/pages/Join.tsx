/** Joining a workspace with a one-time invite link (`/join#code=gci_…`): as a new person, or as the one signed in. */
import { useEffect, useState } from "react";
import { api, type SessionInfo } from "../api.ts";
import { usePageTitle } from "../components/page-title.ts";
import { ErrorNote } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";
import { isBlank } from "../../sdk/blank-text.ts";

export function Join({ code, signedIn, onJoined }: { code: string | null; signedIn: SessionInfo | null; onJoined: (session: SessionInfo) => void }) {
  // The code is single-use: kept in memory only, gone from the address bar and history.
  const [kept] = useState(code);
  useEffect(() => history.replaceState(null, "", "/join"), []);
  const [name, setName] = useState("");
  const join = useAction();
  usePageTitle("Join a workspace");
  if (!kept) return <main className="signin"><h1>Join a workspace</h1><ErrorNote error="This link has no invite code in it. Ask for a new link." /></main>;
  return (
    <main className="signin">
      <h1>Join a workspace</h1>
      <form aria-label="Join" onSubmit={async (event) => {
        event.preventDefault();
        let session: SessionInfo | null = null;
        if (await join.run(async () => (session = await api.join(kept, signedIn ? undefined : name.trim())))) onJoined(session!);
      }}>
        {signedIn ? <p>You are signed in as <strong>{signedIn.name}</strong>; the workspace will be added to yours.</p> : (
          <label>Your name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoComplete="name" /></label>
        )}
        <button type="submit" disabled={join.busy || (!signedIn && isBlank(name))}>{signedIn ? `Join as ${signedIn.name}` : "Join"}</button>
        {join.error && <ErrorNote error={join.error} />}
      </form>
    </main>
  );
}
