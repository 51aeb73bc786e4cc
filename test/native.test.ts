import { describe, expect, it } from 'vitest';
import { native } from '../lib/native.js';

describe('native addon', () => {
  it('loads the built addon and reports its Node-API version', () => {
    expect(native().napiVersion).toBe(8);
  });
});
