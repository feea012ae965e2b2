import { describe, expect, it } from 'vitest';
import { Backpressure } from '../../../src/main/engine/governor';

const at = (s: number) => s * 1000;

describe('Backpressure', () => {
  it('engages above a threshold and releases only below threshold − margin after N good samples', () => {
    const bp = new Backpressure({ cpuThreshold: 80, memoryThreshold: 85, releaseMargin: 10, releaseSamples: 3 });
    expect(bp.update({ at: at(0), cpuPercent: 50, memoryPercent: 40 })).toMatchObject({ engaged: false, reason: null, since: 0 });
    const engaged = bp.update({ at: at(1), cpuPercent: 93, memoryPercent: 40 });
    expect(engaged).toMatchObject({ engaged: true, since: at(1) });
    expect(engaged.reason).toBe('host CPU 93% above threshold 80%');
    // In the dead band (70..80): stays engaged, however long.
    for (let s = 2; s < 10; s++) expect(bp.update({ at: at(s), cpuPercent: 75, memoryPercent: 40 }).engaged).toBe(true);
    // Two good samples, then a bad one: the count starts over.
    bp.update({ at: at(10), cpuPercent: 60, memoryPercent: 40 });
    bp.update({ at: at(11), cpuPercent: 60, memoryPercent: 40 });
    bp.update({ at: at(12), cpuPercent: 72, memoryPercent: 40 });
    bp.update({ at: at(13), cpuPercent: 60, memoryPercent: 40 });
    bp.update({ at: at(14), cpuPercent: 60, memoryPercent: 40 });
    expect(bp.state().engaged).toBe(true);
    expect(bp.update({ at: at(15), cpuPercent: 60, memoryPercent: 40 })).toMatchObject({ engaged: false, reason: null, since: at(15) });
  });

  it('engages on memory too, with both reasons when both are over', () => {
    const bp = new Backpressure();
    expect(bp.update({ at: 0, cpuPercent: 10, memoryPercent: 90 }).reason).toBe('host memory 90% above threshold 85%');
    expect(bp.update({ at: 1, cpuPercent: 95, memoryPercent: 90 }).reason).toMatch(/CPU 95%.*memory 90%/);
    // memory must fall below 75 as well as CPU below 70
    for (let s = 2; s < 8; s++) bp.update({ at: s, cpuPercent: 10, memoryPercent: 80 });
    expect(bp.state().engaged).toBe(true);
  });

  it('does not flap on a host hovering around the threshold', () => {
    const bp = new Backpressure();
    let transitions = 0;
    let last = false;
    for (let s = 0; s < 300; s++) {
      const cpu = s % 2 === 0 ? 82 : 78; // oscillates across 80
      const state = bp.update({ at: at(s), cpuPercent: cpu, memoryPercent: 30 });
      if (state.engaged !== last) transitions++;
      last = state.engaged;
    }
    expect(transitions).toBe(1);
  });

  it('can require several bad samples to engage; null values count neither way', () => {
    const bp = new Backpressure({ engageSamples: 2 });
    expect(bp.update({ at: 0, cpuPercent: 99, memoryPercent: null }).engaged).toBe(false);
    expect(bp.update({ at: 1, cpuPercent: 99, memoryPercent: null }).engaged).toBe(true);
    for (let s = 2; s < 10; s++) bp.update({ at: s, cpuPercent: null, memoryPercent: null });
    expect(bp.state().engaged).toBe(true);
  });
});
