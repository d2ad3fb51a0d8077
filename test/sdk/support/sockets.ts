/** A WebSocket constructor for the stock convex client that counts the sockets it opens (its tries to connect). */
import { WebSocket as WsWebSocket } from "ws";

export function countingWebSocket(): { WebSocket: typeof WebSocket; readonly opened: number } {
  const counter = { opened: 0, WebSocket: null as unknown as typeof WebSocket };
  class Counting extends WsWebSocket {
    constructor(...args: ConstructorParameters<typeof WsWebSocket>) {
      super(...args);
      counter.opened++;
    }
  }
  counter.WebSocket = Counting as unknown as typeof WebSocket;
  return counter;
}
