/** Signing in: the hub prints a one-time link (`…/login#code=gcl_…`); this page redeems it. */
import { useEffect, useRef, useState } from "react";
import { api, type SessionInfo } from "../api.ts";
import { pastedCode } from "../router.ts";
import { usePageTitle } from "../components/page-title.ts";
import { ErrorNote } from "../components/states.tsx";
import { useAction } from "../components/use-action.ts";

export function SignIn({ code, onSignedIn }: { code: string | null; onSignedIn: (session: SessionInfo) => void }) {
  const signIn = useAction();
  const [typed, setTyped] = useState("");
  const tried = useRef(false);
  // The real command on the hub's own machine; elsewhere (or unknown) a wording that names no path of the hub's.
  const [help, setHelp] = useState<{ command: string | null; cli: string }>({ command: null, cli: "npx openclaw-groupchat" });
  const { command, cli } = help;
  usePageTitle("Sign in");

  useEffect(() => {
    let live = true;
    api.signInHelp().then((help) => live && setHelp(help), () => undefined);
    return () => void (live = false);
  }, []);

  async function redeem(value: string) {
    let session: SessionInfo | null = null;
    if (await signIn.run(async () => (session = await api.signIn(pastedCode(value))))) onSignedIn(session!);
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
      <p>Sign in with the one-time link the hub printed when it started.</p>
      {command ? (
        <>
          <p>For a fresh link, run on this machine:</p>
          <pre><code>{command}</code></pre>
        </>
      ) : (
        <p>
          For a fresh link, run <code>{cli} hub login --data DIR</code> on the hub&apos;s machine, with the data
          dir the hub printed when it started as DIR, or ask whoever runs this hub for one.
        </p>
      )}
      {signIn.error && <ErrorNote error={signIn.error} />}
      <form onSubmit={(event) => { event.preventDefault(); void redeem(typed); }}>
        <label htmlFor="signin-code">Or paste the sign-in link or code</label>
        <div className="row">
          <input id="signin-code" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="…/login#code=gcl_… or gcl_…" autoComplete="off" />
          <button type="submit" disabled={signIn.busy || !typed.trim()}>Sign in</button>
        </div>
      </form>
    </main>
  );
}
