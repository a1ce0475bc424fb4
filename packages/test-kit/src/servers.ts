// `@tessera/test-kit/servers`: loopback HTTP servers for testing byte sources and remote reading.
// A subpath of its own so it loads without vitest (benchmarks and scripts use it too).
export { startStaticServer } from './remote/start-static-server.js';
export { startFaultProxy } from './remote/start-fault-proxy.js';
export { startNginx } from './remote/start-nginx.js';
export { nginxAvailable } from './remote/nginx-binary.js';
export { FAULT_KINDS } from './remote/fault-plan.js';
export type { FaultKind, FaultPlan, RemainingFaults } from './remote/fault-plan.js';
export type { FaultProxyOptions } from './remote/fault-proxy.js';
export type { StaticServerOptions } from './remote/static-server.js';
export type { NginxOptions } from './remote/start-nginx.js';
export type { FaultProxy, NginxServer, StaticServer, TestServer } from './remote/test-server.js';
export type { RequestLogEntry } from './remote/request-log.js';
