/** What the owner queries return (src/hub/realtime/queries/owner.ts), on the SDK's wire shapes. */
import type { Activity, RunListItem, Task } from "../sdk/types.ts";
import type { RunStatus } from "../sdk/run-state.ts";

export type { Activity, RunListItem, Task, RunStatus };

export interface ProjectView {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
}

export interface MeView {
  id: string;
  name: string;
  unreadNotifications: number;
  workspaces: { id: string; name: string; projects: ProjectView[] }[];
}

export interface BoardTask extends Task {
  latestRun: { id: string; status: RunStatus; agentName: string } | null;
}

export interface BoardView {
  project: ProjectView;
  tasks: BoardTask[];
}

export interface TaskView extends Task {
  activity: Activity[];
  runs: RunListItem[];
}

export interface NotificationView {
  id: string;
  type: string;
  taskId: string | null;
  taskTitle: string | null;
  runId: string | null;
  actor: { id: string; name: string } | null;
  body: string;
  createdAt: number;
  readAt: number | null;
}

export interface AgentWithRuns {
  id: string;
  name: string;
  description: string;
  agentUserId: string;
  createdAt: number;
  runs: RunListItem[];
}
