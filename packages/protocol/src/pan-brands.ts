/*
 * What makes a string of digits a card number: the Luhn check digit, and a card
 * brand's IIN (issuer) prefix with one of that brand's lengths. Digits are numbers 0..9
 * in `d[start, start + length)`.
 */

/** A digit doubled, its digits summed: what Luhn adds for every second digit from the right. */
const DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/** True when the digits pass the Luhn (mod 10) check. */
export function luhnValid(d: ArrayLike<number>, start: number, length: number): boolean {
  let sum = 0;
  const last = start + length - 1;
  for (let i = last; i >= start; i -= 2) sum += d[i]!;
  for (let i = last - 1; i >= start; i -= 2) sum += DOUBLED[d[i]!]!;
  return sum % 10 === 0;
}

/** A brand's IIN range, as numbers of `digits` digits, and its PAN lengths. */
interface IinRange {
  brand: string;
  digits: number;
  lo: number;
  hi: number;
  minLength: number;
  maxLength: number;
}

function r(brand: string, lo: number, hi: number, minLength: number, maxLength = minLength): IinRange {
  return { brand, digits: String(lo).length, lo, hi, minLength, maxLength };
}

/**
 * The brands whose numbers are masked: their IIN prefixes and lengths as the networks
 * publish them. UATP (prefix 1, 15 digits) is left out on purpose: its prefix is the
 * first digit of every epoch-based timestamp and id of this century.
 */
export const IIN_RANGES: readonly IinRange[] = [
  r('visa', 4, 4, 13, 19),
  r('mastercard', 51, 55, 16),
  r('mastercard', 2221, 2720, 16),
  r('amex', 34, 34, 15),
  r('amex', 37, 37, 15),
  r('discover', 6011, 6011, 16, 19),
  r('discover', 644, 649, 16, 19),
  r('discover', 65, 65, 16, 19),
  r('unionpay', 62, 62, 16, 19),
  r('diners', 300, 305, 14, 19),
  r('diners', 3095, 3095, 14, 19),
  r('diners', 36, 36, 14, 19),
  r('diners', 38, 39, 14, 19),
  r('jcb', 3528, 3589, 16, 19),
  r('maestro', 50, 50, 13, 19),
  r('maestro', 56, 58, 13, 19),
  r('maestro', 63, 63, 13, 19),
  r('maestro', 67, 67, 13, 19),
  r('mir', 2200, 2204, 16, 19),
  r('rupay', 60, 60, 16),
  r('rupay', 81, 82, 16),
];

/**
 * Which first digits some brand's numbers start with (1 at the digit): a candidate that
 * starts with another (an epoch timestamp's 1, say) is no card number of any brand, and
 * its Luhn check is skipped.
 */
export const BRAND_FIRST_DIGITS: Uint8Array = (() => {
  const first = new Uint8Array(10);
  for (const range of IIN_RANGES) {
    const scale = 10 ** (range.digits - 1);
    for (let d = Math.floor(range.lo / scale); d <= Math.floor(range.hi / scale); d++) first[d] = 1;
  }
  return first;
})();

/** The brand whose IIN range and lengths the digits fit, or undefined. */
export function panBrand(d: ArrayLike<number>, start: number, length: number): string | undefined {
  for (const range of IIN_RANGES) {
    if (length < range.minLength || length > range.maxLength) continue;
    let prefix = 0;
    for (let i = 0; i < range.digits; i++) prefix = prefix * 10 + d[start + i]!;
    if (prefix >= range.lo && prefix <= range.hi) return range.brand;
  }
  return undefined;
}
