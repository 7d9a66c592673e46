/**
 * The shell's guard on the clogs format: a typed line's first two words are taken as
 * sys_id and msg_type only when they look meant as such, so `just a message` is not
 * filed under sys_id `just`. A word looks meant when it is in upper case (letters,
 * digits, `_`: `PAY1`, `TXT`, `XML`, a msg_type starting with a letter), or when it is
 * what the prompt shows (a value given with `--sys`/`--type` or `.set`, any case).
 * Lengths and charsets stay the wire format's to check, with its own words.
 */
const SYS_ID = /^[A-Z0-9_]+$/;
const MSG_TYPE = /^[A-Z][A-Z0-9_]*$/;

/** What the prompt shows: the fields a line in `raw` format goes with. */
export interface PromptFields {
  sys: string;
  type: string;
  file: string;
}

/**
 * Why a line in the clogs format is not taken as `sys_id msg_type message`, with how to
 * send it, or undefined when its first two words look meant as those fields.
 */
export function fieldsInDoubt(sysId: string, msgType: string, at: PromptFields): string | undefined {
  const sysOk = sysId === at.sys || SYS_ID.test(sysId);
  const typeOk = msgType === at.type || MSG_TYPE.test(msgType);
  if (sysOk && typeOk) return undefined;
  return (
    `"${sysId} ${msgType}" is not a sys_id and msg_type (upper case, as PAY1 TXT): ` +
    `.format raw sends each line as the message, as ${at.sys}/${at.type}/${at.file}`
  );
}
