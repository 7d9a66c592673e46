export { connectEtcd, ETCD_CALL_MS } from './etcd-connect.js';
export {
  clusterPrefix,
  configKey,
  encodeServerRecord,
  parseServerRecord,
  type ServerRecord,
  serverConfigKey,
  serverKey,
  serversPrefix,
  sysConfigKey,
} from './key-layout.js';
export { printable } from './printable.js';
