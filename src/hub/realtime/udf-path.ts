/**
 * Function paths as the client names them: `anyApi.agentWebSocket.pendingRuns` is
 * "agentWebSocket:pendingRuns", `anyApi.a.b.c` is "a/b:c". The client canonicalizes
 * query paths itself but sends mutation and action paths as given, so the hub
 * canonicalizes every path the same way the client does.
 */
export function canonicalUdfPath(udfPath: string): string {
  const colon = udfPath.lastIndexOf(":");
  let module = colon < 0 ? udfPath : udfPath.slice(0, colon);
  const name = colon < 0 ? "default" : udfPath.slice(colon + 1);
  if (module.endsWith(".js")) module = module.slice(0, -3);
  return `${module}:${name}`;
}
