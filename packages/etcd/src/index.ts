export {
  DEFAULT_NAMES,
  type EtcdAccess,
  type EtcdConnectOptions,
  loadEtcdAccess,
  type OptionNames,
  readSecretFile,
} from './etcd-access.js';
export { connectEtcd, ETCD_CALL_MS, ETCD_INSTALL_HINT, etcd3Path } from './etcd-connect.js';
export { EtcdError, type EtcdErrorCode } from './etcd-error.js';
export { explainEtcdError } from './etcd-explain.js';
export {
  clusterPrefix,
  configKey,
  encodeServerRecord,
  MAX_WEIGHT,
  parseServerRecord,
  registrationProblem,
  SERVER_NAME,
  type ServerRecord,
  serverConfigKey,
  serverKey,
  serversPrefix,
  sysConfigKey,
} from './key-layout.js';
export { printable } from './printable.js';
