/**
 * Heartbeats against an API that refuses them (hosted GroupChat may have no such endpoint): a real hub behind a
 * loopback proxy that answers 405 to them until told otherwise. The heartbeat client's probe schedule runs on a
 * fake clock, moved by hand; everything else on real time.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { AgentApiClient } from "../../src/sdk/client.ts";
import { startForwardProxy, type ForwardProxy } from "../support/forward.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { startAgent, type TestAgent } from "./support/agent.ts";
import { FakeClock } from "./support/fake-clock.ts";
import { deferred, delegateMany, EventLog, ownerView } from "./support/runs.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("heartbeats against an API without them, then with them again", { timeout: 120_000 }, () => {
  let t: TestHub;
  let proxy: ForwardProxy;
  const agents: TestAgent[] = [];
  beforeEach(async () => {
    t = await startTestHub();
    proxy = await startForwardProxy(t.baseUrl, "/api/v1/agent");
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.worker.stop({ graceMs: 0 })));
    await proxy.close();
    await t.close();
  });

  it("pauses them at the first 405 instead of sending one every interval, probes after heartbeatProbeMs (then twice as long), and resumes them", async () => {
    const [runId] = await delegateMany(t, 1, "Long job");
    proxy.answer(405, 2, (request) => request.path.endsWith("/heartbeat"));
    const probeClock = new FakeClock(Date.now());
    const told = new EventLog<boolean>();
    const beats = new AgentApiClient({ token: t.creds.agentToken, apiUrl: proxy.url, clock: probeClock, heartbeatProbeMs: 60_000, onHeartbeats: told.push });
    const client = new AgentApiClient({ token: t.creds.agentToken, apiUrl: t.apiUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } });
    // The worker's ticks (every 10 ms, real time) go to the heartbeat client; each returns before the next starts.
    let ticks = 0;
    client.heartbeat = async (id, options) => {
      const sent = await beats.heartbeat(id, options);
      ticks++;
      return sent;
    };
    const ticksLater = async (n: number) => {
      const from = ticks;
      while (ticks < from + n) await tick();
    };
    const sentBeats = () => proxy.log.filter((line) => line.includes("/heartbeat")).map((line) => line.slice(line.lastIndexOf(" ") + 1));
    const release = deferred();
    const agent = startAgent(t, async () => (await release.promise, { summary: "Done at last" }), { client, worker: { startComment: null, heartbeatIntervalMs: 10 } });
    agents.push(agent);

    await told.until((said) => said.length === 1);
    await ticksLater(5);
    assert.deepEqual(sentBeats(), ["405"], "paused: the ticks since sent nothing");
    await probeClock.advance(60_000);
    await ticksLater(5);
    assert.deepEqual(sentBeats(), ["405", "405"], "one probe, refused");
    await probeClock.advance(60_000);
    await ticksLater(5);
    assert.deepEqual(sentBeats(), ["405", "405"], "the next probe waits twice as long");
    await probeClock.advance(60_000);
    await told.until((said) => said.length === 2);
    await ticksLater(2);
    release.resolve();
    await agent.events.until(() => agent.ids("finished").includes(runId!));

    assert.deepEqual(told.events, [false, true]);
    assert.deepEqual(sentBeats().slice(0, 4), ["405", "405", "200", "200"], "beating again at every tick");
    assert.equal((await ownerView(t, runId!)).status, "FINISHED");
  });
});
