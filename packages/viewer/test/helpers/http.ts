import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path sent exactly as given (fetch would normalise "/../" and "%2e%2e" away). */
export function rawRequest(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the responses' JSON field by field and compare it with expect.
export async function getJson(port: number, path: string, options?: { method?: string }): Promise<{ status: number; body: any }> {
  const response = await rawRequest(port, path, options);
  return { status: response.status, body: JSON.parse(response.body.toString('utf8')) };
}
