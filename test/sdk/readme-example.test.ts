/**
 * The SDK README's whole minimal agent, as a reader copies it: it type-checks with the repository's
 * settings, and run against a real hub it takes a delegated run to FINISHED, then stops on Ctrl-C.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it, type TestContext } from "node:test";
import ts from "typescript";
import { SHUTDOWN_MESSAGE } from "../../src/sdk/index.ts";
import { ROOT, stop } from "../support/cli.ts";
import { startTestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";

/**
 * The README's agent.ts in a directory of its own that is an ES module package, as the repository root is (top-level
 * await needs one), importing the SDK by its path here instead of from the repository root.
 */
function exampleFile(): string {
  const dir = tempDir("gc-sdk-readme-");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(dir, "agent.ts"), example());
  return join(dir, "agent.ts");
}

/** The README's first TypeScript block. */
function example(): string {
  const readme = readFileSync(join(ROOT, "src/sdk/README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "src/sdk/README.md has a ts block");
  const code = block[1]!;
  assert.match(code, /from "\.\/src\/sdk\/index\.ts"/, "it imports the SDK as the README says to run it (from the repository root)");
  return code.replace('"./src/sdk/index.ts"', JSON.stringify(join(ROOT, "src/sdk/index.ts")));
}

/** The README's agent running against a fresh hub, listening for runs; `printed` waits for a line of its output. */
async function startExample(context: TestContext) {
  const test = await startTestHub();
  context.after(() => test.close());
  const child = spawn(process.execPath, ["--import", "tsx", exampleFile()], {
    cwd: ROOT, stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, GROUPCHAT_AGENT_TOKEN: test.creds.agentToken, GROUPCHAT_API_URL: test.apiUrl, GROUPCHAT_CONVEX_URL: test.baseUrl },
  });
  context.after(() => stop(child));
  let text = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exited = once(child, "exit");
  const output = () => text;
  const printed = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}):\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await printed(/OpenClaw Bot is listening for runs/);
  return { test, child, exited, printed, output };
}

it("the SDK README's agent type-checks as written, with the repository's compiler settings", () => {
  const file = exampleFile();
  const { config } = ts.readConfigFile(join(ROOT, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const program = ts.createProgram([file], options);
  const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
  assert.deepEqual(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
});

it("the SDK README's agent, run as it says against a real hub, takes a delegated run to FINISHED and stops on SIGINT", { timeout: 120_000 }, async (context) => {
  const { test, child, exited, printed, output } = await startExample(context);

  const owner = (method: string, path: string, body?: unknown) => test.owner(test.creds.ownerToken, method, path, body);
  const task = await owner("POST", "/tasks", { projectId: test.creds.projectId, title: "Try the SDK" });
  assert.equal(task.status, 201);
  const run = await owner("POST", `/tasks/${task.body.id}/delegate`, { agentId: test.creds.agentId, prompt: "say hello" });
  assert.equal(run.status, 201);
  await printed(new RegExp(`finished ${run.body.id}`));
  const detail = await owner("GET", `/tasks/${task.body.id}`);
  assert.equal(detail.body.runs.find((r: { id: string }) => r.id === run.body.id).status, "FINISHED");
  const bodies = detail.body.activity.map((a: { body: string }) => a.body);
  assert.ok(bodies.includes('Reading "Try the SDK"'), bodies.join(" | "));
  assert.ok(bodies.includes("You asked: say hello"), bodies.join(" | "));

  child.kill("SIGINT");
  assert.deepEqual(await exited, [0, null], output());
  assert.match(output(), /\nstopped\n$/);
});

it("the SDK README's agent, sent a second SIGINT while a run is in flight, ends the run at once with the shutdown message and exits cleanly", { timeout: 120_000 }, async (context) => {
  const { test, child, exited, printed, output } = await startExample(context);
  const owner = (method: string, path: string, body?: unknown) => test.owner(test.creds.ownerToken, method, path, body);
  const task = await owner("POST", "/tasks", { projectId: test.creds.projectId, title: "Stop me twice" });
  const run = await owner("POST", `/tasks/${task.body.id}/delegate`, { agentId: test.creds.agentId, prompt: "take your time" });
  assert.equal(run.status, 201);
  // The executor takes a second: the first SIGINT's grace (10 s) would let it finish; the second must not wait.
  await printed(new RegExp(`claimed ${run.body.id}`));
  child.kill("SIGINT");
  await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill("SIGINT");
  assert.deepEqual(await exited, [0, null], output());
  assert.doesNotMatch(output(), new RegExp(`finished ${run.body.id}`));
  const detail = await owner("GET", `/tasks/${task.body.id}`);
  assert.equal(detail.body.runs.find((r: { id: string }) => r.id === run.body.id).status, "ERROR");
  assert.ok(detail.body.activity.some((a: { body: string }) => a.body === SHUTDOWN_MESSAGE));
});
