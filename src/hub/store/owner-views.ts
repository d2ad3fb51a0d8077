/** Read-only views the web UI's live queries need beyond the owner API's. */
import type { Reader } from "../db/port.ts";
import type { RunStatus } from "../../sdk/run-state.ts";

export interface LatestRun {
  task_id: string;
  run_id: string;
  status: RunStatus;
  agent_name: string;
}

/** Each task's newest run in a project (for the board's badges). */
export function latestRunPerTask(sql: Reader, projectId: string): Promise<LatestRun[]> {
  return sql.all<LatestRun>(
    `SELECT r.task_id, r.id AS run_id, r.status, a.name AS agent_name
       FROM runs r JOIN tasks t ON t.id = r.task_id JOIN agents a ON a.id = r.agent_id
      WHERE t.project_id = ? AND r.id = (SELECT r2.id FROM runs r2 WHERE r2.task_id = r.task_id ORDER BY r2.created_at DESC, r2.id DESC LIMIT 1)`,
    [projectId],
  );
}
