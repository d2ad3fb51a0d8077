/** A loopback server of test images: a real PNG, and the ways serving one goes wrong. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deflateSync } from "node:zlib";
import { GatewayError } from "../../../src/bridge/gateway/client.ts";

/** A 2×2 PNG (red, green / blue, white), made here so no binary file is checked in. */
export function png(): Buffer {
  const crc = (data: Buffer): number => {
    let c = ~0;
    for (const byte of data) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(body));
    return Buffer.concat([head, body, tail]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const pixels = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(pixels)), chunk("IEND", Buffer.alloc(0))]);
}

/** What OpenClaw 2026.9.6 answers an `agent` request with an image when its model takes none (probed). */
export function GATEWAY_REFUSES_IMAGES(): GatewayError {
  const message = "UnsupportedAttachmentError: attachment shot.png: active model does not accept image inputs";
  return new GatewayError("rejected", message, { code: "INVALID_REQUEST", message });
}

export interface ImageServer {
  /** `${url}/shot.png` serves the PNG; see the routes below for the rest. */
  url: string;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startImageServer(): Promise<ImageServer> {
  const requests: string[] = [];
  const image = png();
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    switch (req.url) {
      case "/shot.png":
        return void res.writeHead(200, { "content-type": "image/png" }).end(image);
      case "/untyped":
        // A server that says nothing (or something wrong) about the type: the bytes decide.
        return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(image);
      case "/moved":
        return void res.writeHead(302, { location: "/shot.png" }).end();
      case "/loop":
        return void res.writeHead(302, { location: "/loop" }).end();
      case "/page.html":
        return void res.writeHead(200, { "content-type": "text/html" }).end("<html>not an image</html>");
      case "/big.png":
        return void res.writeHead(200, { "content-type": "image/png", "content-length": String(8 * 1024 * 1024) }).end();
      case "/streamed.png": {
        // No length said: too big only once read.
        res.writeHead(200, { "content-type": "image/png" });
        res.write(image);
        return void res.end(Buffer.alloc(64 * 1024));
      }
      case "/slow.png":
        return void res.writeHead(200, { "content-type": "image/png" }); // never ends
      default:
        return void res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
