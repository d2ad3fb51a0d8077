/** Signing in: the hub prints a one-time link (`…/login#code=gcl_…`); this page redeems it. */
import { useEffect, useRef, useState } from "react";
import { api, type SessionInfo } from "../api.ts";
import { usePageTitle } from "../components/page-title.ts";
import { ErrorNote } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";

export function SignIn({ code, onSignedIn }: { code: string | null; onSignedIn: (session: SessionInfo) => void }) {
  const signIn = useAction();
  const [typed, setTyped] = useState("");
  const tried = useRef(false);
  usePageTitle("Sign in");

  async function redeem(value: string) {
    let session: SessionInfo | null = null;
    if (await signIn.run(async () => (session = await api.signIn(value.trim())))) onSignedIn(session!);
  }

  useEffect(() => {
    if (!code || tried.current) return;
    tried.current = true;
    // The code is single-use: drop it from the address bar and history before using it.
    history.replaceState(null, "", "/login");
    void redeem(code);
  }, [code]);

  return (
    <main className="signin">
      <h1>GroupChat hub</h1>
      <p>Sign in with the one-time link the hub printed when it started. For a fresh link run:</p>
      <pre><code>npx openclaw-groupchat hub login --data .data/hub</code></pre>
      {signIn.error && <ErrorNote error={signIn.error} />}
      <form onSubmit={(event) => { event.preventDefault(); void redeem(typed); }}>
        <label htmlFor="signin-code">Or paste the sign-in code</label>
        <div className="row">
          <input id="signin-code" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="gcl_…" autoComplete="off" />
          <button type="submit" disabled={signIn.busy || !typed.trim()}>Sign in</button>
        </div>
      </form>
    </main>
  );
}
