import { resolveHubConfig } from "../../hub/config.ts";
import { createHub } from "../../hub/hub.ts";
import { requireSetUp } from "../../hub/setup.ts";
import { parse, UsageError } from "../main.ts";

const MAX_NAME = 200;

/** `hub user add NAME`: a new person with a gcp_ token, in the hub's first workspace. */
export async function hubUserAddCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length !== 1) throw new UsageError("hub user add takes exactly one NAME");
  const name = positionals[0]!.trim();
  // As the web UI's join by invite takes a name: 1 to 200 characters, trimmed.
  if (!name) throw new UsageError("hub user add: NAME must not be blank");
  const length = [...name].length;
  if (length > MAX_NAME) throw new UsageError(`hub user add: NAME must be at most ${MAX_NAME} characters, got ${length}`);
  const config = resolveHubConfig({ data: values.data, logLevel: "silent", database: values.database });
  requireSetUp(config.dataDir);
  const hub = await createHub(config, { writer: "local" });
  try {
    const { workspaceId, ...user } = await hub.writer.run("addUser", { name });
    if (values.json) console.log(JSON.stringify(user, null, 2));
    else console.log(`Added ${name} (${user.userId}). Owner token: ${user.ownerToken}`);
    if (workspaceId === null) {
      console.error("The hub's first workspace was deleted, so they are in no workspace yet: invite them from one (its Members, or POST /workspaces/:id/members).");
    }
    return 0;
  } finally {
    await hub.close();
  }
}
