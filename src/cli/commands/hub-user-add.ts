import { resolveHubConfig } from "../../hub/config.ts";
import { createHub } from "../../hub/hub.ts";
import { parse, UsageError } from "../main.ts";

/** `hub user add NAME`: a new person with a gcp_ token, in the hub's first workspace. */
export async function hubUserAddCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length !== 1) throw new UsageError("hub user add takes exactly one NAME");
  const hub = await createHub(resolveHubConfig({ data: values.data, logLevel: "silent", database: values.database }), { writer: "local" });
  try {
    const { workspaceId, ...user } = await hub.writer.run("addUser", { name: positionals[0]! });
    if (values.json) console.log(JSON.stringify(user, null, 2));
    else console.log(`Added ${positionals[0]} (${user.userId}). Owner token: ${user.ownerToken}`);
    if (workspaceId === null) {
      console.error("The hub's first workspace was deleted, so they are in no workspace yet: invite them from one (its Members, or POST /workspaces/:id/members).");
    }
    return 0;
  } finally {
    await hub.close();
  }
}
