/**
 * The uploads a text names: every `/files/<id>/<key>` in it, whatever the origin before
 * it (one hub is reached by several names, and hubs sharing a database serve each
 * other's files). The key is what makes it ours: the caller checks it against the
 * upload's stored hash, so a look-alike path elsewhere names nothing.
 */
export interface UploadUrl {
  id: string;
  key: string;
}

// An upload's id (upl_ and 22 base32 characters) and its key (24 random bytes, base64url), and not one character more.
const FILE_URL = /\/files\/(upl_[0-9a-z]{22})\/([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/g;

/** Each upload URL in the texts, once. */
export function uploadUrlsIn(texts: Iterable<string>): UploadUrl[] {
  const found = new Map<string, UploadUrl>();
  for (const text of texts) {
    // Most texts name no upload: one indexOf instead of running the expression.
    if (!text.includes("/files/upl_")) continue;
    for (const match of text.matchAll(FILE_URL)) {
      const url = { id: match[1]!, key: match[2]! };
      found.set(`${url.id}/${url.key}`, url);
    }
  }
  return [...found.values()];
}
