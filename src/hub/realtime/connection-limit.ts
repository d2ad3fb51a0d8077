/**
 * How many sockets the sync server serves at once (--sync-max-connections), and
 * when turning one away is worth a warning: once per spell of refusals, which
 * ends when a tenth of the sockets (at least one) have closed. A full hub with
 * churn (a socket closes, another fills its place, the next is refused) would
 * otherwise warn at every refusal.
 */
export type Admission = "serve" | "refuse" | "refuse and warn";

export class ConnectionLimit {
  /** In a spell of refusals: the next one is not worth a warning. */
  private refusing = false;

  constructor(readonly max: number) {}

  /** A new socket, with `open` served now. */
  admit(open: number): Admission {
    if (open < this.max) return "serve";
    if (this.refusing) return "refuse";
    this.refusing = true;
    return "refuse and warn";
  }

  /** A served socket closed, leaving `open`. */
  closed(open: number): void {
    if (open <= this.max - Math.max(1, Math.floor(this.max / 10))) this.refusing = false;
  }
}
