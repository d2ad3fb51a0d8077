import type { Reader, Sql } from "../db/port.ts";

export interface IdempotencyRow {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  created_at: number;
}

export function findIdempotencyKey(sql: Reader, scope: string, key: string): Promise<IdempotencyRow | undefined> {
  return sql.get<IdempotencyRow>("SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?", [scope, key]);
}

export async function insertIdempotencyKey(sql: Sql, row: IdempotencyRow): Promise<void> {
  await sql.run(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [row.scope, row.key, row.request_hash, row.status_code, row.response_body, row.created_at],
  );
}

export async function deleteIdempotencyKeysBefore(sql: Sql, before: number): Promise<number> {
  return (await sql.run("DELETE FROM idempotency_keys WHERE created_at < ?", [before])).changes;
}
