import { api, type Invite, type InviteRole } from '../../api/client';
import { useResource } from '../../api/resource';

/** A project's pending invite links (owners only), with create and revoke. */
export function useProjectInvites(projectId: string) {
  const { state, reload, update } = useResource<Invite[]>(`invites:${projectId}`, (signal) =>
    api.invites.list(projectId, signal),
  );

  const create = async (role: InviteRole, expiresInHours: number) => {
    const created = await api.invites.create(projectId, { role, expiresInHours });
    const invite: Invite = {
      id: created.id,
      role: created.role,
      expiresAt: created.expiresAt,
      createdAt: created.createdAt,
      url: created.url,
    };
    update((invites) => [invite, ...invites.filter((i) => i.id !== invite.id)]);
    return created;
  };

  const revoke = async (inviteId: string) => {
    await api.invites.revoke(projectId, inviteId);
    update((invites) => invites.filter((i) => i.id !== inviteId));
  };

  return { state, reload, create, revoke };
}
