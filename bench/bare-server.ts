// The baseline for bench/lifecycle: the same framework (Fastify, same options that
// matter) serving one bare JSON route, so the ratio shows what the hub's work costs.
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/bare", async () => ({ ok: true }));
app.post("/bare", async () => ({ ok: true }));
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
console.log(`LISTENING ${typeof address === "object" && address ? address.port : 0}`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
