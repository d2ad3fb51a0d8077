/**
 * A scripted OpenAI-compatible model server on loopback: the only thing the
 * bridge's end-to-end tests stand in for. It answers `POST /v1/chat/completions`
 * the way OpenClaw calls it (`stream: true`, `stream_options.include_usage`):
 * SSE chunks, then a final usage chunk, then `[DONE]`. Each request is passed to
 * `script`, which decides the reply: text, tool calls, or a hang until the client
 * goes away (to test stops).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: Array<{ function?: { name?: string } }>;
  stream?: boolean;
}

export type Reply =
  | { text: string }
  | { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> }
  /** Sends `text` (if any), then keeps the stream open until the client closes it. */
  | { hang: true; text?: string }
  /** Sends nothing at all (not even headers) until the client goes away. */
  | { silent: true }
  /** Refuses the request with this HTTP status and an OpenAI-style error body. */
  | { fail: number; message: string }
  /** Holds the request until `gate` resolves, then answers with `then`. */
  | { gate: Promise<void>; then: Exclude<Reply, { gate: Promise<void> }> };

export interface ModelServer {
  url: string;
  requests: ChatRequest[];
  /** Resolves when a hanging reply's client closed the stream. */
  closedHangs: number;
  onHang: ((request: ChatRequest) => void) | null;
  close(): Promise<void>;
}

/** The text of a message's content (a string or an array of parts). */
export function textOf(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  if (Array.isArray(message.content)) {
    return message.content.map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : "")).join("");
  }
  return "";
}

/** Every user message's text in a request, joined. */
export function userText(request: ChatRequest): string {
  return request.messages.filter((m) => m.role === "user").map(textOf).join("\n");
}

/** OpenClaw prefixes the person's own message with a timestamp (its internal context follows as another user message). */
const STAMPED = /^\[\w{3} \d{4}-\d{2}-\d{2} /;

/** The current turn's message from the person (not OpenClaw's internal context). */
export function turnMessage(request: ChatRequest): string {
  return request.messages.filter((m) => m.role === "user").map(textOf).filter((text) => STAMPED.test(text)).at(-1) ?? "";
}

/** True when a tool result came after the current turn's message: the model is asked to go on after its tool call. */
export function afterToolCall(request: ChatRequest): boolean {
  const last = request.messages.findLastIndex((m) => m.role === "user" && STAMPED.test(textOf(m)));
  return request.messages.slice(last + 1).some((m) => m.role === "tool");
}

let ids = 0;

export async function startModelServer(script: (request: ChatRequest) => Reply): Promise<ModelServer> {
  const sockets = new Set<Socket>();
  const state: ModelServer = {
    url: "",
    requests: [],
    closedHangs: 0,
    onHang: null,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "scripted", object: "model" }] }));
      return;
    }
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
    state.requests.push(request);
    let reply = script(request);
    if ("gate" in reply) {
      await reply.gate;
      reply = reply.then;
    }
    if ("fail" in reply) {
      res.writeHead(reply.fail, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: reply.message, type: "invalid_request_error", code: null } }));
      return;
    }
    if ("silent" in reply) {
      res.on("close", () => state.closedHangs++);
      state.onHang?.(request);
      return;
    }
    const id = `chatcmpl-${++ids}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(chunk({ role: "assistant", content: "" }));
    if ("hang" in reply) {
      if (reply.text) res.write(chunk({ content: reply.text }));
      res.on("close", () => state.closedHangs++);
      state.onHang?.(request);
      return;
    }
    if ("text" in reply) {
      // Two deltas, so streaming is exercised.
      const half = Math.ceil(reply.text.length / 2);
      res.write(chunk({ content: reply.text.slice(0, half) }));
      res.write(chunk({ content: reply.text.slice(half) }));
      res.write(chunk({}, "stop"));
    } else {
      reply.toolCalls.forEach((call, index) => {
        res.write(chunk({ tool_calls: [{ index, id: `call_${ids}_${index}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } }] }));
      });
      res.write(chunk({}, "tool_calls"));
    }
    // The final usage chunk: without it OpenClaw reports no usage and no cost.
    res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: request.model, choices: [], usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 } })}\n\n`);
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
