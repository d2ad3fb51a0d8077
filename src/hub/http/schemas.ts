/** The owner API's wire shapes (the agent API's live in sdk/types.ts). */
import { Type } from "typebox";
import { Activity, Image, IsoDate, PersonRef, RunListItem, Task, TaskStatusSchema, UnixMs } from "../../sdk/types.ts";

export const Id = Type.String({ minLength: 1, maxLength: 200 });
export const IdParams = Type.Object({ id: Id });
/** An id a list is filtered by (`?projectId=`): an empty one is a 400, not read as absent or as matching nothing. */
export const IdFilter = (description?: string) => Type.Optional(Type.String({ minLength: 1, ...(description ? { description } : {}) }));
/** Text that must say something: the services refuse one that shows nothing (sdk/blank-text.ts); this says so in the API reference. */
export const VisibleText = (maxLength: number, description = "") => Type.String({
  minLength: 1, maxLength,
  description: `${description}${description ? " " : ""}Must show something: only white space or invisible characters (zero-width spaces, joiners, a BOM, bidi marks) is refused with 400`,
});
const Name = VisibleText(200);

export const Workspace = Type.Object({ id: Type.String(), name: Type.String(), createdBy: Type.String(), createdAt: UnixMs });
export const Project = Type.Object({
  id: Type.String(), workspaceId: Type.String(), name: Type.String(), description: Type.String(), createdAt: UnixMs,
});
export const AgentView = Type.Object({
  id: Type.String(), name: Type.String(), description: Type.String(), agentUserId: Type.String(), createdAt: UnixMs,
});
export const NewToken = Type.Object({ token: Type.String() });
export const AgentWithToken = Type.Intersect([AgentView, NewToken]);
export const ApiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: UnixMs,
  lastUsedAt: Type.Union([UnixMs, Type.Null()], { description: "When it was last used, to the minute (null: never)" }),
  prefix: Type.String({ description: "Its first characters (gcp_ and 4 more), to tell tokens apart; only gcp_ for those made before names existed" }),
  inCredentialsFile: Type.Boolean({
    description: "Whether it is the owner token `hub init` wrote to the hub's data dir credentials.json (and `hub init --json` prints): scripts that read that file use it",
  }),
});
export const ApiTokenWithSecret = Type.Object({
  id: Type.String(), name: Type.String(), createdAt: UnixMs,
  token: Type.String({ description: "The personal access token (gcp_), shown this once" }),
});
export const NewApiTokenBody = Type.Object({ name: VisibleText(100) }, { additionalProperties: false });
const WebhookUrl = Type.String({
  minLength: 1, maxLength: 2000, examples: ["https://example.com/hooks/groupchat"],
  description: "Where the hub POSTs each event: an absolute http or https URL, at most 2,000 characters, with no user name or password in it",
});
export const NewWebhookBody = Type.Object({
  url: WebhookUrl,
  secret: Type.Optional(Type.String({
    minLength: 16, maxLength: 200,
    description: "The HMAC key every delivery is signed with (X-GroupChat-Signature): 16-200 visible ASCII characters. Left out, the hub makes one (whsec_…)",
  })),
  description: Type.Optional(Type.String({ maxLength: 200, description: "What it is for, as the list shows it" })),
}, { additionalProperties: false });
export const WebhookWithSecret = Type.Object({
  id: Type.String(), url: Type.String(), description: Type.String(), createdAt: UnixMs,
  secret: Type.String({ description: "The signing secret, shown this once (never listed again)" }),
});
const Attempt = Type.Object({
  at: UnixMs,
  status: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status; null when no answer came (a timeout, a refused connection)" }),
  error: Type.Union([Type.String(), Type.Null()], { description: "Why it failed, in a few words; null when delivered" }),
});
export const Webhook = Type.Object({
  id: Type.String(), url: Type.String(), description: Type.String(), createdAt: UnixMs,
  disabledAt: Type.Union([UnixMs, Type.Null()], { description: "When the hub turned it off after failing for a day (a test delivery that succeeds turns it on again); null: on" }),
  lastAttempt: Type.Union([Attempt, Type.Null()], { description: "The last delivery attempt (test deliveries aside); null: none yet" }),
  lastDeliveredAt: Type.Union([UnixMs, Type.Null()]),
  consecutiveFailures: Type.Integer({ description: "Failed attempts since the last delivery" }),
  nextAttemptAt: Type.Union([UnixMs, Type.Null()], { description: "When the event that failed is tried again; null: nothing waiting" }),
});
export const WebhookTestResult = Type.Object({
  deliveryId: Type.String(),
  delivered: Type.Boolean({ description: "The receiver answered 2xx" }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: "Its HTTP status; null when no answer came" }),
  error: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean({ description: "Whether the webhook delivers now (a disabled one is turned on by a test that is delivered)" }),
});
export const Member = Type.Object({ id: Type.String(), name: Type.String(), joinedAt: UnixMs, isCreator: Type.Boolean() });
export const MemberParams = Type.Object({ id: Id, userId: Id });
export const MemberAdded = Type.Object({ workspaceId: Type.String(), userId: Type.String() });
export const ReadCount = Type.Object({ updated: Type.Integer() });
/** A run as its owner reads it: the agent's shape and the run it retried. */
export const OwnerRunListItem = Type.Object({
  ...RunListItem.properties,
  retryOf: Type.Union([Type.String(), Type.Null()], {
    description: "The run this one runs again (POST /runs/:id/retry: the same prompt and follow-up message, for the same agent on the same task); null for the others",
  }),
});
/** A feed entry as the owner API shows it: the agent's shape (which shows an edited comment's words, and nothing more), and when it was edited. */
export const OwnerActivity = Type.Object({
  ...Activity.properties,
  editedAt: Type.Union([UnixMs, Type.Null()], {
    description: "When its author last edited this comment (PATCH /tasks/:id/comments/:activityId); null: never, and for every other entry",
  }),
});
export const OwnerRunDetail = Type.Intersect([OwnerRunListItem, Type.Object({ task: Task, activity: Type.Array(OwnerActivity) })]);
export const TaskDetail = Type.Intersect([Task, Type.Object({ activity: Type.Array(OwnerActivity), runs: Type.Array(OwnerRunListItem) })]);
const AmbiguousMentions = (what: string) => Type.Array(Type.String(), {
  description: `Names the ${what} @mentions that more than one goes by (two members of the workspace, or a member and one of your agents, `
    + "alike under case and compatibility folding): such a mention starts no run and tells no one. Each as the first of them spells it",
});
export const PostedComment = Type.Object({
  comment: OwnerActivity, runId: Type.Union([Type.String(), Type.Null()]), runs: Type.Array(RunListItem),
  ambiguousMentions: AmbiguousMentions("comment"),
});
/** The follow-up's own run, and what its @mentions did (as a comment's answer says it). */
export const FollowedUp = Type.Intersect([RunListItem, Type.Object({
  runs: Type.Array(RunListItem, {
    description: "The PENDING runs the message's @mentions of your other agents started, with the message as their prompt, in the order they are "
      + "first named (as a comment's `runs`): not the follow-up's own run (this answer), nor one for an agent with a run going on the task already",
  }),
  ambiguousMentions: AmbiguousMentions("message"),
})]);
export const Notification = Type.Object({
  id: Type.String(),
  type: Type.String({
    description: "run_started, run_comment, run_finished, run_error, run_stopped, mention (a comment, a person's or an agent's, @mentions you by name; the body is its words), task_assigned (someone made a task yours), or "
      + "tasks_handed_over (someone left a workspace of yours and the tasks they owned there are yours now: one for them all, "
      + "taskId null, the body naming the person and how many), or webhook_disabled (one of your webhooks failed for a day and was turned off)",
  }),
  workspaceId: Type.Union([Type.String(), Type.Null()], { description: "The workspace it is about: its task's, or its own for tasks_handed_over" }),
  taskId: Type.Union([Type.String(), Type.Null()]),
  taskTitle: Type.Union([Type.String(), Type.Null()]),
  runId: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Union([PersonRef, Type.Null()]),
  body: Type.String(),
  createdAt: UnixMs,
  readAt: Type.Union([UnixMs, Type.Null()]),
});
/** How many runs are going on and failed: those a list's filters (all but the status) take in. */
export const RunCounts = Type.Object({ PENDING: Type.Integer(), RUNNING: Type.Integer(), ERROR: Type.Integer() }, {
  description: "How many of your runs the filters other than status take in are PENDING, RUNNING and ERROR (\"3 running · 1 failed\"); "
    + "FINISHED and STOPPED ones, most of a history, are not counted",
});
export const OwnerRun = Type.Object({
  ...OwnerRunListItem.properties,
  error: Type.Union([Type.String(), Type.Null()], {
    description: "Why an ERROR run failed: its agent's words as it ended it, or the hub's (\"Agent stopped responding\"); null for the others, or when none were given",
  }),
});
export const RunPage = Type.Object({ runs: Type.Array(OwnerRun), counts: RunCounts });
export const UserMe = Type.Object({ id: Type.String(), name: Type.String(), unreadNotifications: Type.Integer() });

export const NewAgentBody = Type.Object({ name: Name, description: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const NewWorkspaceBody = Type.Object({ name: Name }, { additionalProperties: false });
export const NewMemberBody = Type.Object({ userId: Id }, { additionalProperties: false });
export const NewProjectBody = Type.Object({ name: Name, description: Type.Optional(Type.String({ maxLength: 10_000 })) }, { additionalProperties: false });
export const WorkspacePatchBody = Type.Object({ name: Type.Optional(Name), creatorId: Type.Optional(Id) }, { additionalProperties: false, minProperties: 1 });
export const ProjectPatchBody = Type.Object({
  name: Type.Optional(Name), description: Type.Optional(Type.String({ maxLength: 10_000 })),
}, { additionalProperties: false, minProperties: 1 });
// Web addresses only: a task's images become links in the UI and lines in an agent's prompt (no javascript:, file:, data:).
const ImageUrl = Type.String({ minLength: 1, maxLength: 2048, pattern: "^https?://[^\\s]+$" });
const ImageItem = Type.Object({ url: ImageUrl, name: Type.String({ maxLength: 500 }) }, { additionalProperties: false });
const Images = Type.Array(ImageItem, {
  maxItems: 50, description: "The task's whole list of images, each URL at most once (a list naming one twice is refused with 400)",
});
export const AddImagesBody = Type.Object({
  images: Type.Array(Type.Union([ImageUrl, ImageItem]), {
    maxItems: 50,
    description: "Each an image's URL (named after its last path segment) or `{url, name}`; one whose URL the task holds already is left out",
  }),
}, { additionalProperties: false });
/** Any URL the task holds: one stored before today's checks (not http(s), too long) must come off too. */
export const ImageQuery = Type.Object({ url: Type.String({ description: "The URL of one of the task's images, exactly as it holds it" }) }, { additionalProperties: false });
export const NewTaskBody = Type.Object({
  projectId: Id,
  title: VisibleText(500),
  description: Type.Optional(Type.String({ maxLength: 100_000 })),
  dueDate: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  images: Type.Optional(Images),
}, { additionalProperties: false });
export const TaskPatchBody = Type.Object({
  title: Type.Optional(VisibleText(500)),
  description: Type.Optional(Type.String({ maxLength: 100_000 })),
  status: Type.Optional(TaskStatusSchema),
  dueDate: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  images: Type.Optional(Images),
  projectId: Type.Optional(Id),
  ownerId: Type.Optional(Id),
}, { additionalProperties: false, minProperties: 1 });
export const CommentBody = Type.Object({ body: VisibleText(200_000) }, { additionalProperties: false });
export const CommentParams = Type.Object({ id: Id, activityId: Id });
export const DelegateBody = Type.Object({
  agentId: Id, prompt: Type.Optional(Type.String({ maxLength: 200_000 })),
}, { additionalProperties: false });
export const FollowUpBody = Type.Object({ message: VisibleText(200_000) }, { additionalProperties: false });
/** For POSTs that take no input: nothing, `{}`, or a 400 for any field. */
export const NoBody = Type.Optional(Type.Object({}, { additionalProperties: false }));
export const Invite = Type.Object({
  code: Type.String({ description: "The one-time invite code (gci_), shown this once" }),
  url: Type.String({ description: "Where to open it, relative to the hub: /join#code=…" }),
  expiresAt: Type.Integer(),
  workspaceName: Type.String(),
});
export const OpenInvite = Type.Object({
  id: Type.String(), createdBy: Type.Object({ id: Type.String(), name: Type.String() }), createdAt: UnixMs, expiresAt: UnixMs,
});
export const InviteParams = Type.Object({ id: Id, inviteId: Id });
export const ReadBody = Type.Object({ ids: Type.Array(Id, { maxItems: 1000 }) }, { additionalProperties: false });
export const ReadTaskBody = Type.Object({ taskId: Id }, { additionalProperties: false });
export const ReadAllBody = Type.Object({
  upTo: Type.String({ minLength: 1, maxLength: 200, examples: ["ntf_01k2m3n4p5q6r7s8t9v0w1x2"], description: "The id (ntf_…) of the newest notification the person has seen: it and every older one are marked read; another kind of id is refused with 400" }),
}, { additionalProperties: false });

export { Image };

export const StorageUsage = Type.Object({
  usedBytes: Type.Integer({ description: "The bytes the workspace's uploads take, those no task names any more (removed after a grace period) included" }),
  quotaBytes: Type.Integer({ description: "The most they may take (the hub's --upload-quota): an upload that would go over is refused with 413" }),
});

/** A 413 for an upload: over 10 MiB (`error` alone), or over the workspace's quota (with its usage). */
export const UploadTooLarge = Type.Object({
  error: Type.String(),
  usedBytes: Type.Optional(Type.Integer({ description: "Over the quota: what the workspace's uploads take now" })),
  quotaBytes: Type.Optional(Type.Integer({ description: "Over the quota: the most they may take" })),
});

export const Upload = Type.Object({
  id: Type.String(),
  url: Type.String({ description: "Where the image is served, without auth, to whoever holds this URL: put it in a task's images" }),
  name: Type.Optional(Type.String()),
  bytes: Type.Integer(),
  contentType: Type.String(),
});
