/**
 * The largest sample of the last `rounds` round trips, one slot a round (BBR's windowed
 * max filter): the bandwidth estimate forgets a rate once that many rounds have passed.
 */
export class RoundMax {
  private readonly byRound: Float64Array;

  constructor(rounds: number) {
    this.byRound = new Float64Array(rounds);
  }

  /** Round `round` begins: its slot forgets the round it held before. */
  begin(round: number): void {
    this.byRound[round % this.byRound.length] = 0;
  }

  /** A sample in round `round`; returns the largest of the window. */
  sample(round: number, value: number): number {
    const slot = round % this.byRound.length;
    if (value > this.byRound[slot]!) this.byRound[slot] = value;
    let max = 0;
    for (const v of this.byRound) if (v > max) max = v;
    return max;
  }
}
