export { connectEtcd, ETCD_CALL_MS } from './etcd-connect.js';
export {
  clusterPrefix,
  configKey,
  encodeServerRecord,
  parseServerRecord,
  type ServerRecord,
  serverKey,
  serversPrefix,
} from './key-layout.js';
