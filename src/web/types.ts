/** What the owner queries return (src/hub/realtime/queries/owner.ts), on the SDK's wire shapes. */
import type { Activity, RunListItem, Task } from "../sdk/types.ts";
import type { RunStatus } from "../sdk/run-state.ts";
// Type-only: the hub's own shape, so the page and the query cannot drift apart.
import type { Notification } from "../hub/store/notifications.ts";
import type { FeedEntry } from "../hub/store/activity.ts";

export type { Activity, FeedEntry, RunListItem, Task, RunStatus };

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
  /** Each column's first tasks (as many as the query's `limit`). */
  tasks: BoardTask[];
  /** How many tasks each column holds in all. */
  counts: Record<"todo" | "doing" | "done", number>;
}

/** A run as the owner's queries give it: with the run it retried (POST /runs/:id/retry), else null. */
export type OwnerRunItem = RunListItem & { retryOf: string | null };

export interface TaskView extends Task {
  /** The newest entries of the feed (as many as the page asked for), oldest first; a comment edited says when. */
  activity: FeedEntry[];
  /** How many entries the whole feed holds. */
  activityCount: number;
  runs: OwnerRunItem[];
}

export type NotificationView = Notification;

export interface AgentWithRuns {
  id: string;
  name: string;
  description: string;
  agentUserId: string;
  createdAt: number;
  runs: OwnerRunItem[];
}

export interface MemberView {
  id: string;
  name: string;
  joinedAt: number;
  isCreator: boolean;
}

export type RunCounts = Record<"PENDING" | "RUNNING" | "ERROR", number>;

/** A run on the Runs page: a failed one says why (its agent's words as it ended it, or the hub's). */
export type OwnerRun = OwnerRunItem & { error: string | null };

/** Your agents' runs across your workspaces (owner:runs). */
export interface RunsView {
  /** The newest runs the filter takes in (as many as the query's `limit`), and whether there are more. */
  runs: OwnerRun[];
  more: boolean;
  /** How many runs are going on and failed, for the agent filter (not the status one). */
  counts: RunCounts;
  /** Your agents, for the agent filter. */
  agents: { id: string; name: string }[];
}
