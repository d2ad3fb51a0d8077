/** The shell: who is signed in, the navigation, and the page for the route. */
import { Fragment, useCallback, useEffect, useRef, useState } from "react";
import { api } from "./api.ts";
import { Link } from "./components/bits.tsx";
import { usePageTitle, useUnreadInTitle } from "./components/page-title.ts";
import { ShortcutsHelp } from "./components/shortcuts-help.tsx";
import { ShownOnce } from "./components/shown-once.tsx";
import { ErrorNote, Loading, LiveView } from "./components/states.tsx";
import { useAction } from "./components/use-action.ts";
import { formatDuration } from "./format.ts";
import { closeLiveClient, useLive, useLiveHealth } from "./live.ts";
import { Agents } from "./pages/Agents.tsx";
import { ApiTokens } from "./pages/ApiTokens.tsx";
import { Board } from "./pages/Board.tsx";
import { Join } from "./pages/Join.tsx";
import { Notifications } from "./pages/Notifications.tsx";
import { Runs } from "./pages/Runs.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import { ProjectBar } from "./pages/Projects.tsx";
import { TaskPage } from "./pages/TaskPage.tsx";
import { navigate, useRoute, type Route } from "./router.ts";
import { hubWait, useSession } from "./session.ts";
import { useShortcutKeys, type Place } from "./shortcuts.ts";
import type { MeView } from "./types.ts";

export function App() {
  const { route, visit } = useRoute();
  const { auth, setAuth, retry } = useSession();

  if (auth.state === "checking") return <Loading what="session" />;
  if (auth.state === "unknown") {
    return (
      <main className="signin">
        <h1>GroupChat hub</h1>
        <ErrorNote error={`Could not check your session: ${auth.error}`} />
        <p>This page tries again by itself while it is open, and goes on once the hub answers.</p>
        {auth.retryAfterMs !== null && <p>The hub asked for {formatDuration(hubWait(auth.retryAfterMs))} before the next try: the page waits that long.</p>}
        <button type="button" onClick={retry}>Try again</button>
      </main>
    );
  }
  if (route.page === "join") {
    // Another link opened in this tab changes only the address's #code (no reload): a fresh page for it, as after a
    // refusal of the first, when the workspace's creator sends a link of theirs.
    return <Join key={route.code ?? ""} code={route.code} signedIn={auth.state === "in" ? auth.session : null} onJoined={(session) => {
      setAuth({ state: "in", session });
      navigate("/", { replace: true });
    }} />;
  }
  if (auth.state === "out" || route.page === "login") {
    if (auth.state === "in" && route.page === "login" && !route.code) {
      navigate("/", { replace: true });
      return null;
    }
    return (
      <>
        {auth.state === "out" && auth.error && <ErrorNote error={auth.error} />}
        {/* Keyed by code: another link opened in this tab (only its #code changes, no reload) is the one tried, as Join's. */}
        <SignIn key={route.page === "login" ? route.code ?? "" : ""} code={route.page === "login" ? route.code : null} onSignedIn={(session) => {
          setAuth({ state: "in", session });
          // Signed in again where the session ended (a task, a board): that page, not the first board.
          if (route.page === "login") navigate("/", { replace: true });
        }} />
      </>
    );
  }
  return <Shell route={route} visit={visit} onSignedOut={(why) => setAuth({ state: "out", error: why })} />;
}

function Shell({ route, visit, onSignedOut }: { route: Route; visit: number; onSignedOut: (why?: string) => void }) {
  const me = useLive<MeView>("me");
  const signOut = useAction();
  const health = useLiveHealth();
  // The session ended elsewhere (signed out in another tab, or expired): back to sign-in.
  useEffect(() => {
    if (me.status === "error" && me.code === "UNAUTHORIZED") {
      void closeLiveClient().then(() => onSignedOut("Your session has ended (signed out elsewhere, or expired): sign in again."));
    }
  }, [me, onSignedOut]);
  const unread = me.status === "ready" ? me.data.unreadNotifications : 0;
  const firstProject = me.status === "ready" ? me.data.workspaces.flatMap((w) => w.projects)[0] : undefined;
  useUnreadInTitle(unread);
  const main = useMovedTo(route);
  const [help, setHelp] = useState(false);
  // The project of the board or task last shown, where `g b` goes.
  const lastBoard = useRef<string | null>(null);
  const viewed = useCallback((projectId: string) => { lastBoard.current = projectId; }, []);
  const boardId = route.page === "board" ? route.projectId : null;
  useEffect(() => {
    if (boardId) viewed(boardId);
  }, [boardId, viewed]);
  const projectIds = me.status === "ready" ? me.data.workspaces.flatMap((w) => w.projects).map((p) => p.id) : [];
  useShortcutKeys({
    go: (to) => {
      const path = placePath(to, projectIds, lastBoard.current);
      // Already there (the board, still loading, for `/`): no second history entry.
      if (path !== location.pathname) navigate(path);
    },
    help: () => setHelp(true),
  });

  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <nav aria-label="Main">
          <Link to={firstProject ? `/projects/${firstProject.id}` : "/"} className="brand">GroupChat hub</Link>
          <Link to="/agents">Agents</Link>
          <Link to="/runs">Runs</Link>
          <Link to="/tokens">API tokens</Link>
          <Link to="/notifications">
            Notifications{" "}
            <span className={`pill ${unread ? "" : "zero"}`} data-testid="unread-count" aria-label={`${unread} unread`}>{unread}</span>
          </Link>
        </nav>
        <div className="who">
          {me.status === "ready" && <span>{me.data.name}</span>}
          <AnotherDevice />
          <button type="button" className="secondary" disabled={signOut.busy} onClick={async () => {
            if (await signOut.run(async () => { await api.signOut(); await closeLiveClient(); })) onSignedOut();
          }}>Sign out</button>
        </div>
      </header>
      {signOut.error && <ErrorNote error={signOut.error} />}
      {/* Always on the page, so a screen reader hears the words when they come. */}
      <p className="connection" role="status" aria-live="polite">
        {health === "lost" && "Reconnecting to the hub… What you see may be out of date."}
        {health === "busy" && "Live updates paused: the hub is busy (as many live connections as it serves), retrying…"}
        {/* Over a page with nothing live on it yet there is nothing to be out of date. */}
        {health === "busy" && me.status === "ready" && " What you see may be out of date."}
      </p>
      <main id="main" tabIndex={-1} ref={main}>
        <Page route={route} visit={visit} me={me} viewed={viewed} />
      </main>
      <footer className="hint">
        <button type="button" className="link" aria-keyshortcuts="?" onClick={() => setHelp(true)}>Press ? for shortcuts</button>
      </footer>
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

const PLACES: Record<Exclude<Place, "board">, string> = { runs: "/runs", agents: "/agents", notifications: "/notifications", tokens: "/tokens" };

/** Where a `g` shortcut goes: the board is the last one opened (while it is still one of the person's), else the first. */
function placePath(to: Place, projectIds: readonly string[], lastBoard: string | null): string {
  if (to !== "board") return PLACES[to];
  const board = lastBoard && projectIds.includes(lastBoard) ? lastBoard : projectIds[0];
  return board ? `/projects/${board}` : "/";
}

/**
 * Another page came (a link, back, a redirect): the focus goes to its content, from the link that
 * went away with the last one, so the keyboard goes on from there and a screen reader reads it; and
 * the window to its top, as a page load does.
 */
function useMovedTo(route: Route) {
  const main = useRef<HTMLElement>(null);
  const shown = useRef<string | null>(null);
  const where = JSON.stringify(route);
  useEffect(() => {
    const first = shown.current === null;
    shown.current = where;
    if (first) return;
    window.scrollTo(0, 0);
    main.current?.focus({ preventScroll: true });
  }, [where]);
  return main;
}

/** A one-time link to sign in on another device, shown this once: how a person without a shell on the hub gets back in. */
function AnotherDevice() {
  const [link, setLink] = useState<string | null>(null);
  const make = useAction();
  const button = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button type="button" className="link" disabled={make.busy} ref={button}
        onClick={() => void make.run(async () => setLink(`${location.origin}${(await api.signInLink()).url}`))}>Sign in on another device</button>
      {make.error && <ErrorNote error={make.error} />}
      {link && (
        <ShownOnce label="Sign-in link" text={link} testId="device-link" className="device-link" onDone={() => setLink(null)} returnFocus={() => button.current}>
          <p>Open this on the other device within 15 minutes; it works once.</p>
        </ShownOnce>
      )}
    </>
  );
}

function Page({ route, visit, me, viewed }: { route: Route; visit: number; me: ReturnType<typeof useLive<MeView>>; viewed: (projectId: string) => void }) {
  switch (route.page) {
    case "home":
      return (
        <LiveView live={me} what="workspace">
          {(data) => <Home me={data} />}
        </LiveView>
      );
    case "board":
      // Keyed by project: another project's page starts afresh (its paging, a half-filled form); the board also by
      // visit, so a link to it or back shows the search its address names (`?q=`).
      return <Fragment key={route.projectId}>{me.status === "ready" && <ProjectBar me={me.data} current={route.projectId} />}<Board key={visit} projectId={route.projectId} /></Fragment>;
    case "task":
      // Keyed by task: another task's page starts afresh (its feed's paging, a half-written comment).
      return <TaskPage key={route.taskId} taskId={route.taskId} unread={me.status === "ready" ? me.data.unreadNotifications : 0} viewed={viewed} projectName={(id) =>
        me.status === "ready" ? me.data.workspaces.flatMap((w) => w.projects).find((p) => p.id === id)?.name : undefined} />;
    case "agents":
      return <Agents />;
    case "runs":
      // Keyed by visit: the Runs link, back or forward shows the filter its address names (`?status=`, `?agent=`).
      return <Runs key={visit} />;
    case "tokens":
      return <ApiTokens />;
    case "notifications":
      return <Notifications />;
    case "login":
    case "join":
    case "missing":
      return <ErrorNote error="There is no page here." />;
    case "malformed":
      return <NotAnAddress />;
    default:
      return route satisfies never;
  }
}

/** A link cut short or mangled on the way (a broken %-escape): said in words, with the way home. */
function NotAnAddress() {
  usePageTitle("Not a valid address");
  return (
    <>
      <h1>Not a valid address</h1>
      <p>This link is broken: part of it was cut off or changed on the way. Ask for it again, or go to <Link to="/">your boards</Link>.</p>
    </>
  );
}

function Home({ me }: { me: MeView }) {
  const first = me.workspaces.flatMap((w) => w.projects)[0];
  usePageTitle(first ? null : "No projects yet");
  useEffect(() => {
    if (first) navigate(`/projects/${first.id}`, { replace: true });
  }, [first]);
  return first ? null : <><h1>No projects yet</h1><p>Make one to put tasks in.</p><ProjectBar me={me} current={null} /></>;
}
