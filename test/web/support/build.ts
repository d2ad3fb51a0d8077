/** The hub serves dist/web; `npm install` builds it (prepare), and a test run without it builds it once. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { DEFAULT_WEB_DIR } from "../../../src/hub/http/web.ts";

export function ensureWebBuilt(): void {
  if (existsSync(`${DEFAULT_WEB_DIR}/index.html`)) return;
  const result = spawnSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "--config", "src/web/vite.config.ts"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("The web UI build failed");
}
