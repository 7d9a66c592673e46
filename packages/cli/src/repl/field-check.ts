import { recordByteLength } from '@clogs/protocol';
import { mostSpecificMessage } from '../errors.js';

/**
 * Why a record with these fields would be refused, in the words of the check `log()`
 * runs (@clogs/protocol's `recordByteLength`), or undefined when they would be taken.
 * The shell's `.set` and `.route` ask before they take a value, so a bad one is refused
 * once, where it is typed, not on every line after it.
 */
export function fieldProblem(sysId: string, msgType: string, fileName: string): string | undefined {
  try {
    recordByteLength({ sysId, msgType, fileName, msg: '' });
    return undefined;
  } catch (err) {
    return mostSpecificMessage(err);
  }
}
