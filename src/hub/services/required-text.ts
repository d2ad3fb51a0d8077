import { isBlank } from "../../sdk/blank-text.ts";
import { badRequest } from "../errors.ts";

/** `text` trimmed, or a 400 naming `field` when it shows nothing (sdk/blank-text.ts). */
export function requiredText(text: string, field: string): string {
  if (isBlank(text)) throw badRequest(`${field} must not be blank (empty, or only spaces or invisible characters)`);
  return text.trim();
}
