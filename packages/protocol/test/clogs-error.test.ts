import { describe, expect, it, vi } from 'vitest';
import * as here from '../src/index.js';

type Protocol = typeof here;

/** A second copy of the package, as an app and a transport that each bundle one get. */
async function anotherCopy(): Promise<Protocol> {
  vi.resetModules();
  const copy = (await import('../src/index.js')) as Protocol;
  vi.resetModules();
  return copy;
}

const refusal = (p: Protocol) =>
  new p.FieldError('ERR_PROTOCOL_FIELD_TOO_LONG', 'sys_id is 5 bytes', { field: 'sys_id' });

describe('ClogsError', () => {
  it('has a stable code, the text without it as detail, and the message as "detail [code]"', () => {
    const err = new here.ClogsError('ERR_X_Y', 'it broke');
    expect(err.code).toBe('ERR_X_Y');
    expect(err.detail).toBe('it broke');
    expect(err.message).toBe('it broke [ERR_X_Y]');
    expect(err.name).toBe('ClogsError');
    expect(err).toBeInstanceOf(Error);
  });

  it('keeps the error it wraps as cause, and has none when it wraps nothing', () => {
    const errno = Object.assign(new Error('send EMSGSIZE'), { code: 'EMSGSIZE' });
    const err = new here.ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'bad', { cause: errno });
    expect(err.cause).toBe(errno);
    expect(Object.hasOwn(new here.ClogsError('ERR_X', 'x'), 'cause')).toBe(false);
  });

  it('carries the shared brand Symbol.for("clogs.error") and its class brand', () => {
    const err = refusal(here);
    expect(here.CLOGS_ERROR_BRAND).toBe(Symbol.for('clogs.error'));
    const branded = err as unknown as Record<symbol, unknown>;
    expect(branded[Symbol.for('clogs.error')]).toBe(true);
    expect(branded[Symbol.for('clogs.error.protocol')]).toBe(true);
    expect(branded[Symbol.for('clogs.error.protocol.field')]).toBe(true);
    expect(branded[Symbol.for('clogs.error.protocol.frame')]).toBeUndefined();
    // The brand is on the prototype, never an own (serialised, enumerated) property.
    expect(Object.getOwnPropertySymbols(err)).toEqual([]);
    expect(Object.keys(JSON.parse(JSON.stringify(err))).sort()).toEqual(['code', 'detail', 'field', 'name']);
  });

  it('is an instanceof the classes of another copy of the package, and of no sibling', async () => {
    const other = await anotherCopy();
    expect(other.ClogsError).not.toBe(here.ClogsError);
    expect(other.FieldError).not.toBe(here.FieldError);

    const err = refusal(other);
    expect(err instanceof here.ClogsError).toBe(true);
    expect(err instanceof here.ProtocolError).toBe(true);
    expect(err instanceof here.FieldError).toBe(true);
    expect(err instanceof here.FrameError).toBe(false);
    expect(err instanceof here.AuthError).toBe(false);

    const mine = refusal(here);
    expect(mine instanceof other.FieldError).toBe(true);
    expect(new here.ClogsError('ERR_X', 'x') instanceof other.ProtocolError).toBe(false);
  });

  it('is no instanceof for what merely looks like one', () => {
    const lookalike = Object.assign(new Error('x [ERR_PROTOCOL_BAD_MAGIC]'), {
      code: 'ERR_PROTOCOL_BAD_MAGIC',
      detail: 'x',
    });
    expect(lookalike instanceof here.ClogsError).toBe(false);
    expect(lookalike instanceof here.ProtocolError).toBe(false);
    for (const value of [null, undefined, 0, 'ERR_X', {}]) {
      expect(value instanceof here.ClogsError).toBe(false);
    }
  });

  it('lets an application subclass without a brand match by prototype, not by its parent brand', () => {
    class PaymentError extends here.ClogsError<'ERR_PAY'> {}
    const pay = new PaymentError('ERR_PAY', 'declined');
    expect(pay instanceof PaymentError).toBe(true);
    expect(pay instanceof here.ClogsError).toBe(true);
    expect(new here.ClogsError('ERR_PAY', 'declined') instanceof PaymentError).toBe(false);
  });

  it('brands a class of another package under its own key', () => {
    class ShopError extends here.ClogsError<'ERR_SHOP'> {
      static {
        here.brandErrorClass(ShopError, 'clogs.error.test-shop');
      }
    }
    const err = new ShopError('ERR_SHOP', 'closed');
    expect(err instanceof ShopError).toBe(true);
    expect(err instanceof here.ProtocolError).toBe(false);
    expect(refusal(here) instanceof ShopError).toBe(false);
    expect((err as unknown as Record<symbol, unknown>)[Symbol.for('clogs.error.test-shop')]).toBe(true);
  });
});
