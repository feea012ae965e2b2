/** The AppError a promise rejects with; fails the test when it resolves or rejects with anything else. */
import { expect } from 'vitest';
import { AppError } from '../../src/shared/errors';

export async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
