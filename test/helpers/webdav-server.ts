/**
 * A small HTTP/WebDAV server over a folder, on 127.0.0.1, for the HTTP remote's contract tests. It does
 * what common servers (Apache mod_dav, nginx dav, rclone serve webdav) do for the methods mlv uses:
 * GET, HEAD, PUT (written straight into place, as a plain server would), MKCOL, DELETE, MOVE and
 * PROPFIND with depth 0 or 1. Optional basic auth; `readOnly` answers 405 to every write; `stall` makes
 * the first GET or PUT it matches hang half-way (for tests that interrupt a transfer).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface WebDavServerOptions {
  root: string;
  user?: string;
  password?: string;
  readOnly?: boolean;
  /**
   * The first request of this method whose path matches hangs half-way until the client gives up: a GET
   * sends its headers and 64 KiB of the body, a PUT writes the first chunk it receives to the file and
   * reads no more. `stalled` on the server resolves with the path when that happens.
   */
  stall?: { method: 'GET' | 'PUT'; path: RegExp };
  /** The first request of this method whose path matches is never answered; `hung` resolves with its path. */
  hang?: { method: string; path: RegExp };
}

export interface WebDavTestServer {
  port: number;
  url: string;
  /** How many requests each method received (tests check batching behaviour with it). */
  counts: Record<string, number>;
  /** Resolves with the URL path of the request `stall` held (never, without `stall`). */
  stalled: Promise<string>;
  /** Resolves with the URL path of the request `hang` holds (never, without `hang`). */
  hung: Promise<string>;
  stop(): Promise<void>;
}

export async function startWebDavServer(opts: WebDavServerOptions): Promise<WebDavTestServer> {
  const counts: Record<string, number> = {};
  let onStall: (path: string) => void = () => undefined;
  const stalled = new Promise<string>((resolve) => (onStall = resolve));
  let stallLeft = opts.stall ? 1 : 0;
  let onHang: (path: string) => void = () => undefined;
  const hung = new Promise<string>((resolve) => (onHang = resolve));
  let hangLeft = opts.hang ? 1 : 0;
  const server: Server = createServer((req, res) => {
    counts[req.method ?? ''] = (counts[req.method ?? ''] ?? 0) + 1;
    if (hangLeft > 0 && req.method === opts.hang!.method && opts.hang!.path.test(req.url ?? '')) {
      hangLeft--;
      onHang((req.url ?? '/').split('?')[0]!);
      return; // no answer, ever (stop() closes the connection)
    }
    if (stallLeft > 0 && req.method === opts.stall!.method && opts.stall!.path.test(req.url ?? '')) {
      stallLeft--;
      stall(opts, req, res, onStall).catch(() => undefined);
      return;
    }
    handle(opts, req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    counts,
    stalled,
    hung,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts answering (GET) or taking (PUT) the request, then hangs; the connection stays open. */
async function stall(opts: WebDavServerOptions, req: IncomingMessage, res: ServerResponse, onStall: (path: string) => void): Promise<void> {
  const path = fsPath(opts.root, req.url ?? '/')!;
  if (req.method === 'GET') {
    const data = await readFile(path);
    res.writeHead(200, { 'content-length': data.length });
    res.write(data.subarray(0, 64 << 10));
  } else {
    const first: Buffer = await new Promise((resolve) => req.once('data', resolve));
    req.pause();
    await writeFile(path, first);
  }
  onStall((req.url ?? '/').split('?')[0]!);
}

function fsPath(root: string, urlPath: string): string | undefined {
  const decoded = decodeURIComponent(urlPath.split('?')[0]!);
  const parts = decoded.split('/').filter(Boolean);
  if (parts.some((p) => p === '..' || p === '.')) return undefined;
  return join(root, ...parts);
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function handle(opts: WebDavServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (opts.user !== undefined) {
    const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="mlv-test"' });
      res.end();
      return;
    }
  }
  const path = fsPath(opts.root, req.url ?? '/');
  if (!path) {
    res.writeHead(400).end();
    return;
  }
  const method = req.method ?? 'GET';
  const writes = ['PUT', 'MKCOL', 'DELETE', 'MOVE'];
  if (opts.readOnly && (writes.includes(method) || method === 'PROPFIND')) {
    req.resume();
    res.writeHead(405).end();
    return;
  }
  const info = await statOrUndefined(path);
  switch (method) {
    case 'GET':
    case 'HEAD': {
      if (!info?.isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': info.size, 'last-modified': info.mtime.toUTCString() });
      if (method === 'HEAD') res.end();
      else await pipeline(createReadStream(path), res);
      return;
    }
    case 'PUT': {
      if (!(await statOrUndefined(dirname(path)))?.isDirectory()) {
        req.resume();
        res.writeHead(409).end();
        return;
      }
      try {
        await pipeline(req, createWriteStream(path));
      } catch {
        return; // the client went away mid-body; like a plain server, the partial file stays where it was written
      }
      res.writeHead(info ? 204 : 201).end();
      return;
    }
    case 'MKCOL': {
      req.resume();
      if (info) res.writeHead(405).end();
      else if (!(await statOrUndefined(dirname(path)))?.isDirectory()) res.writeHead(409).end();
      else {
        // Two clients may race to create the same collection: the loser gets "already exists".
        const created = await mkdir(path).then(() => true, () => false);
        res.writeHead(created ? 201 : 405).end();
      }
      return;
    }
    case 'DELETE': {
      req.resume();
      if (!info) res.writeHead(404).end();
      else {
        await rm(path, { recursive: true, force: true });
        res.writeHead(204).end();
      }
      return;
    }
    case 'MOVE': {
      req.resume();
      const destination = req.headers.destination;
      const dest = typeof destination === 'string' ? fsPath(opts.root, new URL(destination).pathname) : undefined;
      if (!info || !dest) {
        res.writeHead(info ? 400 : 404).end();
        return;
      }
      if (!(await statOrUndefined(dirname(dest)))?.isDirectory()) {
        res.writeHead(409).end();
        return;
      }
      const existed = await statOrUndefined(dest);
      if (existed && req.headers.overwrite === 'F') {
        res.writeHead(412).end();
        return;
      }
      await rename(path, dest);
      res.writeHead(existed ? 204 : 201).end();
      return;
    }
    case 'PROPFIND': {
      req.resume();
      if (!info) {
        res.writeHead(404).end();
        return;
      }
      const urlPath = (req.url ?? '/').split('?')[0]!;
      const entries = [propEntry(urlPath, info.isDirectory(), info.size, info.mtime)];
      if (info.isDirectory() && req.headers.depth !== '0') {
        const base = urlPath.endsWith('/') ? urlPath : `${urlPath}/`;
        for (const name of await readdir(path)) {
          const child = await statOrUndefined(join(path, name));
          if (child) entries.push(propEntry(base + encodeURIComponent(name), child.isDirectory(), child.size, child.mtime));
        }
      }
      const body = `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">${entries.join('')}</D:multistatus>`;
      res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' }).end(body);
      return;
    }
    default:
      req.resume();
      res.writeHead(405).end();
  }
}

function propEntry(href: string, collection: boolean, size: number, mtime: Date): string {
  const type = collection ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>';
  const length = collection ? '' : `<D:getcontentlength>${size}</D:getcontentlength>`;
  const shown = collection && !href.endsWith('/') ? `${href}/` : href;
  return `<D:response><D:href>${shown}</D:href><D:propstat><D:prop>${type}${length}<D:getlastmodified>${mtime.toUTCString()}</D:getlastmodified></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
}
