/** Who is calling: an agent (gca_ token) or a person (gcp_ token or web session). */
export interface AgentPrincipal {
  readonly kind: "agent";
  readonly agentId: string;
  /** The agent's own user identity, the author of its comments. */
  readonly userId: string;
  readonly name: string;
  readonly description: string;
  readonly creatorId: string;
  readonly creatorName: string;
  readonly createdAt: number;
}

export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: string;
  readonly name: string;
}

export type Principal = AgentPrincipal | UserPrincipal;
