import { appendAudit, type AuditRecord } from '../db/registry';
import type { AuditAction, AuditOrigin } from '../../shared/registry';
import type { RegistryContext } from './context';

export interface AuditInput {
  action: AuditAction;
  origin?: AuditOrigin;
  model: string | null;
  version?: string | null;
  alias?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Appends one entry (who: the context's actor; when: now). Call inside the change's transaction. */
export function audit(ctx: RegistryContext, e: AuditInput): Omit<AuditRecord, 'id'> {
  const entry = {
    uid: ctx.newId(),
    at: ctx.now(),
    actor: ctx.actor,
    action: e.action,
    origin: e.origin ?? 'local',
    model: e.model,
    version: e.version ?? null,
    alias: e.alias ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
  } satisfies Omit<AuditRecord, 'id'>;
  appendAudit(ctx.db, entry);
  return entry;
}
