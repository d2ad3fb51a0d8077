import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, resolveHubConfig } from "../../src/hub/config.ts";

describe("the hub's --database", () => {
  const resolve = (database?: string, more: Record<string, string> = {}) => resolveHubConfig({ data: "/srv/hub", database, ...more }, {});

  it("is the SQLite file in the data dir unless told otherwise", () => {
    assert.deepEqual(resolve().database, { kind: "sqlite", file: "/srv/hub/hub.sqlite" });
    assert.equal(resolveHubConfig({ data: "/srv/hub" }, { GROUPCHAT_HUB_DATABASE: "postgres://h/db" }).database.kind, "postgres");
  });

  it("takes a PostgreSQL URL, keeping our own parameters (schema, pool) from the driver and the password from messages", () => {
    const { database } = resolve("postgres://hub:s3cret@db.internal:5433/groupchat?schema=team_a&pool=25&sslmode=require");
    assert.deepEqual(database, {
      kind: "postgres",
      url: "postgres://hub:s3cret@db.internal:5433/groupchat?sslmode=require",
      schema: "team_a",
      pool: 25,
      display: "postgres://hub:***@db.internal:5433/groupchat?sslmode=require",
    });
    assert.deepEqual(resolve("postgresql://localhost/db").database, {
      kind: "postgres", url: "postgresql://localhost/db", schema: null, pool: 10, display: "postgresql://localhost/db",
    });
  });

  it("refuses what it cannot use, with the reason and without the password", () => {
    const refused = (database: string, more: Record<string, string> = {}) => {
      const error = (() => {
        try {
          resolve(database, more);
        } catch (e) {
          return e;
        }
        return null;
      })();
      assert.ok(error instanceof ConfigError, `${database} was taken`);
      assert.doesNotMatch(error.message, /s3cret/);
      return error.message;
    };
    assert.match(refused("mysql://u:s3cret@h/db"), /sqlite or a postgres:\/\/ URL, got a mysql: URL/);
    assert.match(refused("postgres://u:s3cret@h:notaport/db"), /got "postgres:\/\/\*\*\*@h:notaport\/db"/);
    assert.match(refused("postgres://h/db?schema=a-b;drop"), /schema must be letters, digits and _/);
    assert.match(refused("postgres://h/db?pool=0"), /pool must be a whole number/);
    assert.match(refused("postgres://h/db", { writer: "thread" }), /--writer thread is for SQLite/);
  });

  it("takes --public-url as an origin, and refuses anything else with what it got", () => {
    const publicUrl = (value?: string, env: NodeJS.ProcessEnv = {}) => resolveHubConfig({ data: "/srv/hub", publicUrl: value }, env).publicUrl;
    assert.equal(publicUrl(), null);
    assert.equal(publicUrl("https://hub.example.com/"), "https://hub.example.com");
    assert.equal(publicUrl("http://10.0.0.5:3210"), "http://10.0.0.5:3210");
    assert.equal(publicUrl(undefined, { GROUPCHAT_HUB_PUBLIC_URL: "https://gc.internal" }), "https://gc.internal");
    for (const [bad, said] of [["hub.example.com", /must be an http\(s\) address/], ["ftp://hub.example.com", /must be http or https/], ["https://hub.example.com/groupchat", /an origin only/], ["https://u:p@hub.example.com", /an origin only/]] as const) {
      assert.throws(() => publicUrl(bad), (error: Error) => error instanceof ConfigError && said.test(error.message), bad);
    }
  });

  it("trusts no proxy unless --trust-proxy names them (true, or addresses, CIDRs and ranges), and refuses a hop count or an address it cannot read", () => {
    const trust = (value?: string, env: NodeJS.ProcessEnv = {}) => resolveHubConfig({ data: "/srv/hub", trustProxy: value }, env).trustProxy;
    assert.equal(trust(), false);
    assert.equal(trust("false"), false);
    assert.equal(trust("true"), true);
    assert.deepEqual(trust("loopback, 10.0.0.0/8,::1"), ["loopback", "10.0.0.0/8", "::1"]);
    assert.deepEqual(trust(undefined, { GROUPCHAT_HUB_TRUST_PROXY: "192.168.1.2" }), ["192.168.1.2"]);
    assert.equal(trust("false", { GROUPCHAT_HUB_TRUST_PROXY: "true" }), false);
    for (const [bad, said] of [["1", /not a hop count/], ["proxy.example.com", /invalid IP address: proxy\.example\.com/],
      ["10.0.0.0/33", /invalid range/], ["loopback,", /an empty entry/]] as const) {
      assert.throws(() => trust(bad), (error: Error) => error instanceof ConfigError && error.message.startsWith("--trust-proxy") && said.test(error.message), bad);
    }
  });

  it("keeps an upload no task names 24h and lets a workspace hold 1GiB of them, unless --upload-grace and --upload-quota say otherwise", () => {
    const uploads = (flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) => resolveHubConfig({ data: "/srv/hub", ...flags }, env).uploads;
    assert.deepEqual(uploads(), { graceMs: 24 * 3_600_000, quotaBytes: 1024 ** 3 });
    assert.deepEqual(uploads({ uploadGrace: "7d", uploadQuota: "200MiB" }), { graceMs: 7 * 86_400_000, quotaBytes: 200 * 1024 ** 2 });
    assert.deepEqual(uploads({}, { GROUPCHAT_HUB_UPLOAD_GRACE: "30m", GROUPCHAT_HUB_UPLOAD_QUOTA: "2GiB" }), { graceMs: 1_800_000, quotaBytes: 2 * 1024 ** 3 });
    assert.deepEqual(uploads({ uploadQuota: "1GiB" }, { GROUPCHAT_HUB_UPLOAD_QUOTA: "2GiB" }).quotaBytes, 1024 ** 3);
    assert.throws(() => uploads({ uploadGrace: "24" }), (error: Error) => error instanceof ConfigError && /--upload-grace must be a duration with its unit/.test(error.message));
    assert.throws(() => uploads({ uploadQuota: "1GB" }), (error: Error) => error instanceof ConfigError && /--upload-quota must be a size with its unit, like 500MiB or 1GiB, got "1GB"/.test(error.message));
  });

  it("serves 10000 real-time sockets at once, 500 from one address and 100 of one principal, unless the --sync-max-connections flags say otherwise", () => {
    const sync = (flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) => resolveHubConfig({ data: "/srv/hub", ...flags }, env).sync;
    assert.deepEqual(sync(), { maxConnections: 10_000, maxConnectionsPerIp: 500, maxConnectionsPerPrincipal: 100 });
    assert.deepEqual(sync({}, { GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS: "500" }).maxConnections, 500);
    assert.deepEqual(sync({ syncMaxConnections: "2" }, { GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS: "500" }).maxConnections, 2);
    assert.deepEqual(sync({}, { GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS_PER_IP: "50", GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS_PER_PRINCIPAL: "5" }),
      { maxConnections: 10_000, maxConnectionsPerIp: 50, maxConnectionsPerPrincipal: 5 });
    assert.deepEqual(sync({ syncMaxConnectionsPerIp: "7", syncMaxConnectionsPerPrincipal: "3" }, { GROUPCHAT_HUB_SYNC_MAX_CONNECTIONS_PER_IP: "50" }),
      { maxConnections: 10_000, maxConnectionsPerIp: 7, maxConnectionsPerPrincipal: 3 });
    for (const [flag, key] of [["--sync-max-connections", "syncMaxConnections"], ["--sync-max-connections-per-ip", "syncMaxConnectionsPerIp"],
      ["--sync-max-connections-per-principal", "syncMaxConnectionsPerPrincipal"]] as const) {
      for (const bad of ["0", "-1", "1.5", "many", ""]) {
        assert.throws(() => sync({ [key]: bad }), (error: Error) => error instanceof ConfigError && error.message.startsWith(`${flag} must be a whole number`), `${flag} ${bad}`);
      }
    }
  });
});
