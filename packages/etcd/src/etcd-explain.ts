import type { EtcdAccess } from './etcd-access.js';
import { printable } from './printable.js';

/**
 * What went wrong talking to etcd, in one line a person can act on. gRPC's messages
 * run over several lines and bury a TLS refusal in OpenSSL's words; the usual causes
 * are named here, with the option that fixes them, and the original text follows.
 */
export function explainEtcdError(err: Error, access: EtcdAccess): string {
  const text = err.message.replace(/\s*\n\s*/g, ' ').replace(/ Resolution note: ?$/, '');
  const said = printable(text, 400);
  const tls = access.tls;
  if (tls !== undefined) {
    if (/alert bad certificate|alert certificate required|alert number 4[26]|alert unknown ca/i.test(text)) {
      const why =
        tls.cert === undefined
          ? 'etcd requires a client certificate: give one signed by its CA (certificate and key files)'
          : 'etcd refused this client certificate: it must be signed by the CA etcd trusts (its --trusted-ca-file)';
      return `TLS handshake refused by etcd: ${why} (${said})`;
    }
    if (
      /certificate verify failed|unable to (get local issuer|verify)|self[- ]signed|unknown authority/i.test(
        text,
      )
    ) {
      return `etcd's certificate is not trusted: give the CA that signed it (CA file) (${said})`;
    }
    if (/wrong version number|packet length too long|http\/1\.1 400/i.test(text)) {
      return `etcd does not speak TLS there: is the member an http:// URL? (${said})`;
    }
  }
  if (/authentication failed|invalid user ID or password/i.test(text)) {
    return `etcd refused the user ${access.auth?.user ?? ''} and password: authentication failed (${said})`;
  }
  if (/user name is empty|user name not found/i.test(text) && access.auth === undefined) {
    return `etcd's authentication is enabled: give a user and password (${said})`;
  }
  if (/permission denied/i.test(text)) {
    return `etcd denied ${access.auth === undefined ? 'this client' : `the user ${access.auth.user}`} access to /clogs/ (${said})`;
  }
  return said;
}
