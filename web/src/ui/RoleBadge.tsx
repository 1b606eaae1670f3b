import type { Role } from '../api/client';
import { ROLE_LABELS } from './format';

export function RoleBadge({ role }: { role: Role }) {
  return <span className={`badge badge-${role}`}>{ROLE_LABELS[role]}</span>;
}
